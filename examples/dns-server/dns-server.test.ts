import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { buildUnikernel } from "../../test/support/example.ts";
import { REPO, run } from "../../test/support/run.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";
import { tcpExchange } from "../../test/dns/client.ts";
import { freePort } from "../../test/support/ports.ts";

/** "example.org SOA" with its two-octet TCP length prefix. */
const SOA_QUERY = Buffer.from([0, 29, 0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, ...Buffer.from("example"), 3, ...Buffer.from("org"), 0, 0, 6, 0, 1]);
const LONG_TXT = /long\.example\.org\.\s+3600\s+IN\s+TXT\s+"/g;

/** The header flags dig prints ("qr aa rd"). */
function digFlags(out: string): string {
  return /;; flags: ([a-z ]*);/.exec(out)?.[1]?.trim() ?? `<no flags in ${out}>`;
}

function digStatus(out: string): string {
  return /status: ([A-Z]+)/.exec(out)?.[1] ?? `<no status in ${out}>`;
}

/** Opens a TCP connection and resolves once it is established; `closed` resolves when the server ends it. */
function hold(port: number): Promise<{ sock: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const sock = createConnection({ host: "127.0.0.1", port });
    const closed = new Promise<number>((r) => sock.on("close", () => r(Date.now() - t0)));
    sock.on("error", () => undefined);
    sock.once("connect", () => resolve({ sock, closed }));
    sock.once("error", reject);
  });
}

// One file for both stacks: the two variants are built in the same folder, one after the other.
describe("examples/dns-server", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("dns-server", []);
    directBin = await buildVariant("dns-server", ["--net=direct"]);
  }, 300_000);

  describe("on the socket stack, against dig and kdig", () => {
    let port = 0;
    let app: Running;
    const dig = (args: string[]) => run("dig", [`@127.0.0.1`, "-p", String(port), "+time=3", "+tries=1", ...args]);
    const connectionsLogged = () => (app.output().match(/\[dns-server\] TCP connection from/g) ?? []).length;
    beforeAll(async () => {
      port = await freePort();
      app = watch(
        spawn(socketBin, [`--port=${port}`, "--tcp-idle-timeout=1500", "--tcp-max-connections=3", "-l", "dns-server:debug"], { stdio: ["ignore", "pipe", "pipe"] }),
      );
      await app.waitFor(/zone example\.org\. loaded: \d+ records/);
      await app.waitFor(new RegExp(`serving DNS on UDP and TCP port ${port}`));
    });
    afterAll(async () => {
      await app?.stop();
    });

    it("says in --help that the port defaults to 5353 here and 53 on a direct stack", async () => {
      const help = await run(socketBin, ["--help"]);
      expect(help.stdout + help.stderr).toMatch(/5353 on the socket stack, 53 on a direct stack/);
    });

    it("answers over UDP with AA, follows the CNAME chain, and echoes RD only when set", async () => {
      const norec = await dig(["+norec", "www.example.org", "A"]);
      expect(digStatus(norec.stdout)).toBe("NOERROR");
      expect(digFlags(norec.stdout)).toBe("qr aa");
      expect(norec.stdout).toMatch(/www\.example\.org\.\s+300\s+IN\s+CNAME\s+web\.example\.org\./);
      expect(norec.stdout).toMatch(/web\.example\.org\.\s+3600\s+IN\s+CNAME\s+web1\.example\.org\./);
      expect(norec.stdout).toMatch(/web1\.example\.org\.\s+3600\s+IN\s+A\s+192\.0\.2\.80/);
      expect(norec.stdout).toContain("(UDP)");
      const rec = await dig(["www.example.org", "A"]);
      expect(digFlags(rec.stdout)).toBe("qr aa rd");
      expect(rec.stdout).toContain("WARNING: recursion requested but not available");
    });

    it("answers over TCP the same way", async () => {
      const r = await dig(["+tcp", "+norec", "example.org", "MX"]);
      expect(r.stdout).toContain("(TCP)");
      expect(digFlags(r.stdout)).toBe("qr aa");
      expect(r.stdout).toMatch(/example\.org\.\s+3600\s+IN\s+MX\s+10 mail\.example\.org\./);
      expect(r.stdout).toMatch(/mail\.example\.org\.\s+3600\s+IN\s+A\s+192\.0\.2\.25/); // additional
    });

    it("echoes EDNS only when asked (+edns / +noedns)", async () => {
      const e = await dig(["+edns=0", "example.org", "SOA"]);
      expect(e.stdout).toContain("OPT PSEUDOSECTION");
      expect(e.stdout).toMatch(/EDNS: version: 0, flags:; udp: 1232/);
      const n = await dig(["+noedns", "example.org", "SOA"]);
      expect(n.stdout).not.toContain("OPT PSEUDOSECTION");
      expect(digStatus(n.stdout)).toBe("NOERROR");
    });

    it("answers NXDOMAIN with the SOA, and REFUSED outside its zone", async () => {
      const nx = await dig(["+norec", "nope.example.org", "A"]);
      expect(digStatus(nx.stdout)).toBe("NXDOMAIN");
      expect(nx.stdout).toMatch(/AUTHORITY SECTION:\nexample\.org\.\s+300\s+IN\s+SOA\s+ns1\.example\.org\./);
      const out = await dig(["+norec", "example.com", "A"]);
      expect(digStatus(out.stdout)).toBe("REFUSED");
      expect(digFlags(out.stdout)).toBe("qr");
    });

    it("sets TC when the answer exceeds a small buffer, and dig's TCP retry gets all of it", async () => {
      const small = await dig(["+bufsize=512", "+ignore", "long.example.org", "TXT"]);
      expect(digFlags(small.stdout)).toContain("tc");
      const noedns = await dig(["+noedns", "+ignore", "long.example.org", "TXT"]);
      expect(digFlags(noedns.stdout)).toContain("tc");
      const retried = await dig(["+bufsize=512", "long.example.org", "TXT"]);
      expect(retried.stdout).toContain("Truncated, retrying in TCP mode");
      expect(retried.stdout.match(LONG_TXT)).toHaveLength(3);
      expect(digFlags(retried.stdout)).not.toContain("tc");
    });

    it("answers several kdig queries on one TCP connection (+keepopen)", async () => {
      const before = connectionsLogged();
      const r = await run("kdig", [`@127.0.0.1`, "-p", String(port), "+tcp", "+keepopen", "+timeout=3", "www.example.org", "A", "example.org", "MX", "nope.example.org", "AAAA", "long.example.org", "TXT"]);
      expect(r.status).toBe(0);
      expect([...r.stdout.matchAll(/status: ([A-Z]+)/g)].map((m) => m[1])).toEqual(["NOERROR", "NOERROR", "NXDOMAIN", "NOERROR"]);
      expect(r.stdout.match(LONG_TXT)).toHaveLength(3);
      await new Promise((res) => setTimeout(res, 100));
      expect(connectionsLogged() - before).toBe(1);
    });

    it("closes an idle TCP connection after the idle timeout", async () => {
      const idle = await tcpExchange(port, new Uint8Array(0), { timeoutMs: 8000 });
      expect(idle.closed).toBe(true);
      expect(idle.messages).toEqual([]);
      expect(idle.afterMs).toBeGreaterThanOrEqual(1400);
      expect(idle.afterMs).toBeLessThan(5000);
      // Trickling a query one byte at a time (slower than the timeout) does not keep it open either.
      const framed = SOA_QUERY;
      const t0 = Date.now();
      const c = await hold(port);
      let answered = 0;
      c.sock.on("data", () => answered++);
      let at = 0;
      const trickle = setInterval(() => at < framed.length && c.sock.write(framed.subarray(at, ++at)), 200);
      const ms = await c.closed;
      clearInterval(trickle);
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(ms).toBeGreaterThanOrEqual(1400);
      expect(answered).toBe(0);
    }, 20_000);

    it("closes connections beyond the limit at once, and serves again once one leaves", async () => {
      const held: Array<Awaited<ReturnType<typeof hold>>> = [];
      for (let i = 0; i < 3; i++) {
        held.push(await hold(port));
        held[i]!.sock.write(SOA_QUERY);
      }
      // Answered queries keep the three busy past the idle timeout, however slow this machine is.
      const keep = setInterval(() => held.forEach((h) => h.sock.write(SOA_QUERY)), 300);
      await app.waitFor(/\(3 open\)/, 5000);
      const extra = await hold(port);
      const closedAfter = await Promise.race([extra.closed, new Promise<number>((r) => setTimeout(() => r(-1), 1000))]);
      expect(closedAfter).toBeGreaterThanOrEqual(0);
      expect(closedAfter).toBeLessThan(1000); // well before the 1.5 s idle timeout
      expect(app.output()).toMatch(/closing a TCP connection from 127\.0\.0\.1:\d+: 3 open already/);
      clearInterval(keep);
      for (const h of held) h.sock.destroy();
      await new Promise((res) => setTimeout(res, 200));
      const r = await dig(["+tcp", "+norec", "example.org", "SOA"]);
      expect(digStatus(r.stdout)).toBe("NOERROR");
    });
  });

  it("refuses to serve zone files with errors, naming file and line", async () => {
    // A private copy under .test-tmp/: this folder's own builds are not disturbed.
    mkdirSync(join(REPO, ".test-tmp"), { recursive: true });
    const root = mkdtempSync(join(REPO, ".test-tmp", "dns-bad-zone-"));
    try {
      const dir = join(root, "dns-server");
      mkdirSync(join(dir, "zone", "more"), { recursive: true });
      for (const f of ["config.ts", "unikernel.ts"]) copyFileSync(join(import.meta.dirname, f), join(dir, f));
      writeFileSync(join(dir, "zone", "good.zone"), "$ORIGIN good.test.\n@ 60 SOA ns h 1 2 3 4 5\n");
      writeFileSync(join(dir, "zone", "more", "bad.zone"), "$ORIGIN bad.test.\n$TTL 60\n@ SOA ns h 1 2 3 4 5\nwww A 300.1.2.3\nx CNAME a\nx TXT b\n");
      const bin = await buildUnikernel(dir, "dns-server");
      const r = await run(bin, ["--port=1"], { timeoutMs: 20_000 });
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/\[ERROR\] \[application\] more\/bad\.zone:4: .*300\.1\.2\.3/);
      expect(r.stdout + r.stderr).toMatch(/x\.bad\.test\.: CNAME cannot coexist with other data/);
      expect(r.stdout + r.stderr).toMatch(/not serving: 2 error\(s\) in the zone files/);
      expect(r.stdout + r.stderr).not.toMatch(/serving DNS/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the direct stack's DNS tests: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against dig in a namespace", () => {
    let ns: Netns;
    let app: Running;
    const dig = (args: string[]) => ns.exec("dig", ["@10.77.0.2", "+time=3", "+tries=2", ...args]);
    beforeAll(async () => {
      ns = await createNetns("mdns");
      await ns.addTap("tap0", "10.77.0.1/24");
      app = watch(ns.spawn(directBin, ["--ipv4=10.77.0.2/24"]));
      await app.waitFor(/serving DNS on UDP and TCP port 53\b/);
    });
    afterAll(async () => {
      await app?.stop();
      await ns?.destroy();
    });

    it("serves port 53 over UDP and TCP", async () => {
      const u = await dig(["+norec", "www.example.org", "A"]);
      expect(digStatus(u.stdout)).toBe("NOERROR");
      expect(digFlags(u.stdout)).toBe("qr aa");
      expect(u.stdout).toMatch(/web1\.example\.org\.\s+3600\s+IN\s+A\s+192\.0\.2\.80/);
      const t = await dig(["+tcp", "_sip._tcp.example.org", "SRV"]);
      expect(t.stdout).toContain("(TCP)");
      expect(t.stdout).toMatch(/IN\s+SRV\s+10 60 5060 sip\.example\.org\./);
      const ref = await dig(["+norec", "www.sub.example.org", "A"]);
      expect(digFlags(ref.stdout)).toBe("qr");
      expect(ref.stdout).toMatch(/ns\.sub\.example\.org\.\s+3600\s+IN\s+A\s+192\.0\.2\.200/);
    }, 30_000);

    it("truncates for a small buffer and answers in full over TCP, several queries per connection", async () => {
      const small = await dig(["+bufsize=512", "+ignore", "long.example.org", "TXT"]);
      expect(digFlags(small.stdout)).toContain("tc");
      const retried = await dig(["+bufsize=512", "long.example.org", "TXT"]);
      expect(retried.stdout).toContain("Truncated, retrying in TCP mode");
      expect(retried.stdout.match(LONG_TXT)).toHaveLength(3);
      const k = await ns.exec("kdig", ["@10.77.0.2", "+tcp", "+keepopen", "+timeout=3", "example.org", "NS", "foo.wild.example.org", "A", "opaque.example.org", "TYPE65534"]);
      expect([...k.stdout.matchAll(/status: ([A-Z]+)/g)].map((m) => m[1])).toEqual(["NOERROR", "NOERROR", "NOERROR"]);
      expect(k.stdout).toMatch(/foo\.wild\.example\.org\.\s+3600\s+IN\s+A\s+192\.0\.2\.99/);
      expect(k.stdout).toMatch(/opaque\.example\.org\.\s+3600\s+IN\s+TYPE65534\s+\\# 4 0A0B0C0D/i);
    }, 30_000);
  });
});
