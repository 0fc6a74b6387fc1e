/**
 * Config files for NSD and Knot as reference servers, shared by the differential DNS
 * test (test/dns/daemons.ts) and the services benchmark (bench/services/servers.mjs).
 * Both daemons run in the foreground with all their state in `dir`: no privilege drop,
 * chroot, database or control channel, so no system service or path is touched.
 * Plain JavaScript, since the benchmark runs on Node 20 without a TypeScript loader.
 */

/**
 * nsd.conf for one loopback port. `extra` is appended to the server: clause.
 * @param {{ dir: string, port: number, zones: readonly { origin: string, file: string }[], extra?: string }} o
 */
export function nsdConfig({ dir, port, zones, extra = "" }) {
  return `server:
  ip-address: 127.0.0.1@${port}
  do-ip6: no
  username: ""
  chroot: ""
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  logfile: "${dir}/nsd.log"
  server-count: 1
  # Answers without the apex NS in authority of positive answers, as Knot and we do.
  minimal-responses: yes
  refuse-any: no
${extra}remote-control:
  control-enable: no
${zones.map((z) => `zone:\n  name: "${z.origin}"\n  zonefile: "${z.file}"\n`).join("")}`;
}

/**
 * knot.conf for one loopback port. `extra` is appended to the server: section.
 * @param {{ dir: string, port: number, zones: readonly { origin: string, file: string }[], extra?: string }} o
 */
export function knotConfig({ dir, port, zones, extra = "" }) {
  return `server:
    listen: 127.0.0.1@${port}
    rundir: "${dir}"
${extra}database:
    storage: "${dir}"
control:
    listen: "${dir}/knot.sock"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "${dir}"
    journal-content: none
    zonefile-sync: -1
zone:
${zones.map((z) => `  - domain: ${z.origin}\n    file: "${z.file}"\n`).join("")}`;
}
