/**
 * The servers bench/services compares: our two unikernels (built from a private copy
 * of their example folder, so a test building the same example meanwhile cannot
 * clash), and nginx, NSD and Knot from temporary configs. Every reference server runs
 * in the foreground as one process (nginx without a master, NSD with one server
 * process, Knot with one UDP and one TCP worker) to match our single thread, on the
 * namespace's own loopback, and writes its state only into the bench's folder.
 */
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { knotConfig, nsdConfig } from "../../test/support/dns-daemon-config.mjs";
import { nsSpawn, run } from "../net/netns.mjs";

/**
 * Builds examples/NAME for `target` (configure options `configureArgs`) in a copy under
 * `work`, with its sources and the data folder or file `data`, if any; returns
 * dist/NAME (unix) or dist/NAME.TARGET (hvt, spt).
 */
export async function buildExample(repo, work, name, configureArgs, data, target = "unix") {
  const tag = [target === "unix" ? "" : target, ...configureArgs].join("").replace(/[^a-z]/g, "");
  const dir = join(work, tag ? `${name}-${tag}` : name);
  mkdirSync(dir);
  for (const f of ["config.ts", "unikernel.ts", ...(data ? [data] : [])]) cpSync(join(repo, "examples", name, f), join(dir, f), { recursive: true });
  symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  const mirage = join(repo, "packages", "mirage", "bin", "mirage.js");
  for (const args of [["configure", "-t", target, ...configureArgs], ["build"]]) {
    const r = await run(process.execPath, [mirage, ...args], { cwd: dir, timeoutMs: 300_000 });
    if (r.status !== 0) throw new Error(`mirage ${args.join(" ")} (${name}) failed:\n${r.stdout}${r.stderr}`);
  }
  return join(dir, "dist", target === "unix" ? name : `${name}.${target}`);
}

/** nginx serving `htdocs` on 127.0.0.1:`port`: one process, no access log, like our server's defaults. */
export function startNginx(ns, work, htdocs, port) {
  const dir = join(work, "nginx");
  mkdirSync(join(dir, "tmp"), { recursive: true });
  // nginx's workers would run as nobody; master_process off keeps one process, as root, reading `htdocs`.
  writeFileSync(
    join(dir, "nginx.conf"),
    `daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  types { text/html html; text/css css; text/javascript js; image/svg+xml svg; text/plain txt; }
  default_type application/octet-stream;
  charset utf-8;
  server {
    listen 127.0.0.1:${port};
    root ${htdocs};
    index index.html;
  }
}
`,
  );
  return nsSpawn(ns, "nginx", ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")]);
}

/** The zone files of examples/dns-server, as [origin, absolute path] (origin from each file's $ORIGIN). */
export function zoneFiles(repo) {
  const dir = join(repo, "examples", "dns-server", "zone");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".zone"))
    .map((f) => {
      const file = join(dir, f);
      const origin = /^\$ORIGIN\s+(\S+)/m.exec(readFileSync(file, "utf8"))?.[1] ?? f.replace(/\.zone$/, ".");
      return [origin, file];
    });
}

const zoneSpecs = (zones) => zones.map(([origin, file]) => ({ origin, file }));

/** NSD with one server process (`server-count: 1`), no privilege drop, chroot, database or control. */
export function startNsd(ns, work, zones, port) {
  const dir = join(work, "nsd");
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  const extra = `  verbosity: 0
  # Response rate limiting is on by default and would throttle the load generator.
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
`;
  writeFileSync(join(dir, "nsd.conf"), nsdConfig({ dir, port, zones: zoneSpecs(zones), extra }));
  return nsSpawn(ns, "/usr/sbin/nsd", ["-d", "-c", join(dir, "nsd.conf")]);
}

/** Knot with one UDP worker, one TCP worker and one background worker, state in the bench folder. */
export function startKnot(ns, work, zones, port) {
  const dir = join(work, "knot");
  mkdirSync(dir);
  const extra = `    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
`;
  writeFileSync(join(dir, "knot.conf"), knotConfig({ dir, port, zones: zoneSpecs(zones), extra }));
  return nsSpawn(ns, "/usr/sbin/knotd", ["-c", join(dir, "knot.conf")]);
}

/** CPU seconds used so far by `pid` and every process below it (NSD forks its server). */
export function treeCpuSeconds(pid) {
  const parent = new Map();
  const cpu = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    parent.set(Number(entry), Number(fields[1]));
    cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100); // utime + stime, CLK_TCK 100
  }
  let total = 0;
  for (const [p, seconds] of cpu) {
    for (let q = p; q > 1; q = parent.get(q) ?? 0) {
      if (q === pid) {
        total += seconds;
        break;
      }
    }
  }
  return total;
}
