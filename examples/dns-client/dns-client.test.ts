import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMessages } from "../../test/support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { run } from "../../test/support/run.ts";
import { freePort } from "../../test/support/ports.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

const NSD = "/usr/sbin/nsd";
const BIG = Array.from({ length: 8 }, (_, i) => String.fromCharCode(97 + i).repeat(250));
const ZONE = `$ORIGIN example.test.
$TTL 3600
@      SOA   ns1 hostmaster 1 3600 600 86400 120
@      NS    ns1
ns1    A     10.77.0.1
www    A     192.0.2.1
www    A     192.0.2.2
alias  CNAME www
mail   MX    10 www
${BIG.map((s) => `big TXT "${s}"`).join("\n")}
`;

/** NSD serving ZONE on `listen` ("127.0.0.1@5353"), from a fresh temp folder; `spawner` starts it. */
function nsd(listen: string, spawner: (cmd: string, args: string[]) => ReturnType<typeof spawn>): Running {
  const dir = mkdtempSync(join(tmpdir(), "dns-client-nsd-"));
  writeFileSync(join(dir, "example.test.zone"), ZONE);
  writeFileSync(
    join(dir, "nsd.conf"),
    `server:
  ip-address: ${listen}
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  pidfile: "${dir}/nsd.pid"
  database: ""
  zonelistfile: "${dir}/zone.list"
  xfrdfile: "${dir}/xfrd.state"
  xfrdir: "${dir}"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: example.test
  zonefile: example.test.zone
`,
  );
  return watch(spawner(NSD, ["-d", "-c", join(dir, "nsd.conf")]));
}

const TXT_LINES = BIG.map((s) => `big.example.test. 3600 IN TXT "${s}"`);

describe("examples/dns-client", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("dns-client", []);
    directBin = await buildVariant("dns-client", ["--net=direct"]);
  }, 300_000);

  describe("on the socket stack, against NSD on loopback", () => {
    let port = 0;
    let servers = "";
    let server: Running;
    beforeAll(async () => {
      port = await freePort();
      servers = `--dns-servers=127.0.0.1:${port}`;
      server = nsd(`127.0.0.1@${port}`, (cmd, args) => spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }));
      await server.waitFor(/nsd started/);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it("prints the A records and exits 0", async () => {
      const r = await run(socketBin, ["--domain-name=www.example.test", servers, "-l", "application:debug"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toEqual(["www.example.test. 3600 IN A 192.0.2.1", "www.example.test. 3600 IN A 192.0.2.2", `answer from 127.0.0.1:${port} over UDP`]);
    });

    it("follows a CNAME and asks for other types", async () => {
      const a = await run(socketBin, ["--domain-name=alias.example.test.", servers]);
      expect(a.status).toBe(0);
      expect(logMessages(a.stdout)).toEqual(["alias.example.test. 3600 IN CNAME www.example.test.", "www.example.test. 3600 IN A 192.0.2.1", "www.example.test. 3600 IN A 192.0.2.2"]);
      const mx = await run(socketBin, ["--domain-name=mail.example.test", "--type=mx", servers]);
      expect(logMessages(mx.stdout)).toEqual(["mail.example.test. 3600 IN MX 10 www.example.test."]);
    });

    it("asks again over TCP when NSD truncates a large TXT RRset", async () => {
      const r = await run(socketBin, ["--domain-name=big.example.test", "--type=TXT", servers, "-l", "application:debug"]);
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toEqual([...TXT_LINES, `answer from 127.0.0.1:${port} over TCP`]);
    });

    it("exits 1 with the reason on NXDOMAIN and NODATA", async () => {
      const nx = await run(socketBin, ["--domain-name=missing.example.test", servers]);
      expect(nx.status).toBe(1);
      expect(logMessages(nx.stdout)).toEqual([`missing.example.test.: no such domain (NXDOMAIN from 127.0.0.1:${port})`]);
      const nodata = await run(socketBin, ["--domain-name=www.example.test", "--type=AAAA", servers]);
      expect(nodata.status).toBe(1);
      expect(logMessages(nodata.stdout)).toEqual([`www.example.test. AAAA: no such record (the name exists; answer from 127.0.0.1:${port})`]);
    });

    it("gives up after its tries when the server never answers", async () => {
      const silent = createSocket("udp4");
      let received = 0;
      silent.on("message", () => received++);
      await new Promise<void>((r) => silent.bind(0, "127.0.0.1", r));
      const silentPort = silent.address().port;
      try {
        const r = await run(socketBin, ["--domain-name=www.example.test", `--dns-servers=127.0.0.1:${silentPort}`, "--timeout=300", "--tries=2"]);
        expect(r.status).toBe(1);
        expect(logMessages(r.stdout)).toEqual([`no answer for www.example.test. A from 127.0.0.1:${silentPort} after 2 tries of 300 ms`]);
        expect(received).toBe(2);
        expect(r.ms).toBeGreaterThanOrEqual(600);
      } finally {
        silent.close();
      }
    });

    it("rotates to the next server when the first is silent", async () => {
      const silent = createSocket("udp4");
      await new Promise<void>((r) => silent.bind(0, "127.0.0.1", r));
      try {
        const r = await run(socketBin, ["--domain-name=www.example.test", `--dns-servers=127.0.0.1:${silent.address().port},127.0.0.1:${port}`, "--timeout=300"]);
        expect(r.status).toBe(0);
        expect(logMessages(r.stdout)).toHaveLength(2);
      } finally {
        silent.close();
      }
    });

    it("refuses to start without --domain-name, or with a bad --dns-servers or --type", async () => {
      const missing = await run(socketBin, [servers]);
      expect(missing.status).toBe(64);
      expect(logMessages(missing.stdout)).toEqual(["--domain-name is required, e.g. --domain-name=example.org"]);
      const bad = await run(socketBin, ["--domain-name=www.example.test", "--dns-servers=ns.example.test"]);
      expect(bad.status).toBe(64);
      expect(bad.stderr).toBe('dns-client: --dns-servers: "ns.example.test" is not an IPv4 address with an optional :port\n');
      const type = await run(socketBin, ["--domain-name=www.example.test", "--type=BOGUS", servers]);
      expect(type.status).toBe(64);
      expect(type.stderr).toMatch(/--type: unknown record type "BOGUS"/);
    });
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the dns-client example's direct-stack tests: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against NSD in a namespace", () => {
    let ns: Netns;
    let server: Running;
    const inNs = (args: string[]) => ns.exec(directBin, ["--ipv4=10.77.0.2/24", ...args], { timeoutMs: 30_000 });
    beforeAll(async () => {
      ns = await createNetns("mdnsc");
      await ns.addTap("tap0", "10.77.0.1/24");
      server = nsd("10.77.0.1@53", (cmd, args) => ns.spawn(cmd, args));
      await server.waitFor(/nsd started/);
    });
    afterAll(async () => {
      await server?.stop();
      await ns?.destroy();
    });

    it("resolves over UDP, and over our own TCP when truncated", async () => {
      const a = await inNs(["--domain-name=alias.example.test", "--dns-servers=10.77.0.1"]);
      expect(a.stderr).toBe("");
      expect(a.status).toBe(0);
      expect(logMessages(a.stdout)).toEqual(["alias.example.test. 3600 IN CNAME www.example.test.", "www.example.test. 3600 IN A 192.0.2.1", "www.example.test. 3600 IN A 192.0.2.2"]);
      const big = await inNs(["--domain-name=big.example.test", "--type=TXT", "--dns-servers=10.77.0.1", "-l", "application:debug"]);
      expect(big.status).toBe(0);
      expect(logMessages(big.stdout)).toEqual([...TXT_LINES, "answer from 10.77.0.1:53 over TCP"]);
    });

    it("asks the gateway when no --dns-servers is given", async () => {
      const r = await inNs(["--ipv4-gateway=10.77.0.1", "--domain-name=www.example.test", "-l", "application:debug"]);
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toContain("answer from 10.77.0.1:53 over UDP");
    });

    it("times out against a port nobody answers on", async () => {
      const r = await inNs(["--domain-name=www.example.test", "--dns-servers=10.77.0.1:5399", "--timeout=300", "--tries=2"]);
      expect(r.status).toBe(1);
      expect(logMessages(r.stdout)).toEqual(["no answer for www.example.test. A from 10.77.0.1:5399 after 2 tries of 300 ms"]);
    });
  });
});
