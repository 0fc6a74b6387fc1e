import { createHash, randomBytes } from "node:crypto";
import { spawn } from "node:child_process";
import { createConnection } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { run } from "../../test/support/run.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** Sends `data` to host:port and returns everything read until the peer closes. Retries while the listener comes up. */
async function echoOverTcp(host: string, port: number, data: Uint8Array): Promise<Buffer> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const sock = createConnection({ host, port }, () => sock.end(data));
        sock.on("data", (c) => chunks.push(c));
        sock.on("end", () => resolve(Buffer.concat(chunks)));
        sock.on("error", reject);
      });
    } catch (e) {
      if (attempt >= 20 || (e as NodeJS.ErrnoException).code !== "ECONNREFUSED") throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

// One file for both stacks: the two variants are built in the same folder, one after the other.
describe("examples/network", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("network", []);
    directBin = await buildVariant("network", ["--net=direct"]);
  });

  it("echoes over the socket stack (the unix default), on loopback", async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const app = watch(spawn(socketBin, [`--port=${port}`], { stdio: ["ignore", "pipe", "pipe"] }));
    try {
      await app.waitFor(/echoing on TCP port/);
      const data = randomBytes(1 << 20);
      const back = await echoOverTcp("127.0.0.1", port, data);
      expect(sha256(back)).toBe(sha256(data));
      await app.waitFor(/closed after 1048576 bytes/);
    } finally {
      await app.stop();
    }
  });

  it("refuses a bad --ipv4 with exit 64, and says how to create a missing tap", async () => {
    const bad = await run(directBin, ["--ipv4=10.0.0.300/24"]);
    expect(bad.status).toBe(64);
    expect(bad.stderr).toBe("network: --ipv4: expected A.B.C.D/N with N in 1..32, got '10.0.0.300/24'\n");
    const missing = await run(directBin, ["--interface=mtnotthere", "--ipv4=10.77.0.2/24"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("ip tuntap add mtnotthere mode tap");
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the direct stack's interop tests against Linux: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against Linux's stack in a namespace", () => {
    let ns: Netns;
    let app: Running;
    const work = mkdtempSync(join(tmpdir(), "network-interop-"));
    beforeAll(async () => {
      ns = await createNetns("mnet");
      await ns.addTap("tap0", "10.77.0.1/24");
      app = watch(ns.spawn(directBin, ["--ipv4=10.77.0.2/24"]));
      await app.waitFor(/echoing on TCP port 8080/);
    });
    afterAll(async () => {
      await app?.stop();
      await ns?.destroy();
      rmSync(work, { recursive: true, force: true });
    });

    it("answers ping, including large pings that fragment both ways", async () => {
      const small = await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2"]);
      expect(small.stdout).toContain("3 packets transmitted, 3 received");
      const large = await ns.exec("ping", ["-c", "2", "-i", "0.2", "-W", "2", "-s", "8000", "10.77.0.2"]);
      expect(large.stdout).toContain("2 packets transmitted, 2 received");
      expect(large.stdout).toContain("8008 bytes from 10.77.0.2");
    });

    it("echoes 100 MB to Linux's nc and back, checked by SHA-256", async () => {
      const file = join(work, "100m.bin");
      const data = randomBytes(100 * 1024 * 1024);
      writeFileSync(file, data);
      const r = await ns.exec("sh", ["-c", `nc -N 10.77.0.2 8080 < ${file} | sha256sum`], { timeoutMs: 120_000 });
      expect(r.stderr).toBe("");
      expect(r.stdout.split(" ")[0]).toBe(sha256(data));
    }, 150_000);

    it("completes a transfer with nftables dropping 5% of the packets each way", async () => {
      await ns.sh("nft", ["add table inet lossy"]);
      await ns.sh("nft", ["add chain inet lossy in { type filter hook input priority 0 ; }"]);
      await ns.sh("nft", ["add chain inet lossy out { type filter hook output priority 0 ; }"]);
      await ns.sh("nft", ["add rule inet lossy in iifname tap0 numgen random mod 100 < 5 counter drop"]);
      await ns.sh("nft", ["add rule inet lossy out oifname tap0 numgen random mod 100 < 5 counter drop"]);
      try {
        const file = join(work, "5m.bin");
        const data = randomBytes(5 * 1024 * 1024);
        writeFileSync(file, data);
        const r = await ns.exec("sh", ["-c", `nc -N 10.77.0.2 8080 < ${file} | sha256sum`], { timeoutMs: 120_000 });
        expect(r.stdout.split(" ")[0]).toBe(sha256(data));
        const counters = await ns.sh("nft", ["list table inet lossy"]);
        const drops = [...counters.stdout.matchAll(/packets (\d+)/g)].map((m) => Number(m[1]));
        expect(drops.every((n) => n > 0)).toBe(true); // loss really happened in both directions
      } finally {
        await ns.exec("nft", ["delete table inet lossy"]);
      }
    }, 150_000);

    it("keeps serving, with bounded memory, under an nmap SYN scan and an hping3 SYN flood", async () => {
      const before = app.rssKiB();
      const flood = ns.exec("timeout", ["5", "hping3", "-S", "-p", "8080", "-i", "u100", "--rand-source", "-q", "10.77.0.2"], { timeoutMs: 20_000 });
      const scan = ns.exec("nmap", ["-sS", "-Pn", "-n", "-p", "1-2000,8080", "--max-retries", "1", "10.77.0.2"], { timeoutMs: 60_000 });
      const file = join(work, "20m.bin");
      const data = randomBytes(20 * 1024 * 1024);
      writeFileSync(file, data);
      const transfer = await ns.exec("sh", ["-c", `nc -N 10.77.0.2 8080 < ${file} | sha256sum`], { timeoutMs: 120_000 });
      expect(transfer.stdout.split(" ")[0]).toBe(sha256(data));
      const nmap = await scan;
      expect(nmap.stdout).toMatch(/8080\/tcp\s+open/);
      await flood;
      const after = app.rssKiB();
      expect(after - before).toBeLessThan(150 * 1024); // the flood's half-open connections are bounded
      const ping = await ns.exec("ping", ["-c", "1", "-W", "2", "10.77.0.2"]);
      expect(ping.status).toBe(0);
    }, 150_000);
  });

  describe.skipIf(!netns.ok)("on the direct stack with DHCP from dnsmasq", () => {
    it("takes a lease from dnsmasq when --ipv4 is not given, and answers on it", async () => {
      const ns = await createNetns("mdhcp");
      const leases = mkdtempSync(join(tmpdir(), "dnsmasq-"));
      try {
        await ns.addTap("tap0", "10.77.0.1/24");
        ns.spawn("dnsmasq", [
          "--no-daemon", "--conf-file=/dev/null", "--interface=tap0", "--bind-interfaces", "--port=0", "--no-ping",
          "--dhcp-range=10.77.0.50,10.77.0.60,255.255.255.0,1h", `--dhcp-leasefile=${join(leases, "leases")}`,
        ]);
        const app = watch(ns.spawn(directBin, []));
        const m = await app.waitFor(/ipv4 (10\.77\.0\.\d+)\/24 via 10\.77\.0\.1 \(from DHCP\)/, 30_000);
        await app.waitFor(/echoing on TCP port 8080/);
        const ping = await ns.exec("ping", ["-c", "2", "-i", "0.2", "-W", "2", m[1]!]);
        expect(ping.stdout).toContain("2 packets transmitted, 2 received");
        const back = await ns.exec("sh", ["-c", `echo leased | nc -N ${m[1]} 8080`]);
        expect(back.stdout).toBe("leased\n");
        await app.stop();
      } finally {
        await ns.destroy();
        rmSync(leases, { recursive: true, force: true });
      }
    }, 60_000);
  });
});
