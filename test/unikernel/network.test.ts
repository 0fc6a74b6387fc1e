/**
 * Issue 5, part 8: the network examples on hvt and spt, unchanged, over a tap in a
 * network namespace, against Linux's own stack and tools (ping, nc, curl, dig) —
 * the same interop checks their unix tests make on the direct stack. The tender
 * runs inside the namespace and attaches the tap as the image's net device
 * "service" (`--net:service=tap0`); the guest takes 10.77.0.2, Linux 10.77.0.1.
 */
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, createNetns, type Netns } from "../support/netns.ts";
import { REPO } from "../support/run.ts";
import { buildImage, canRunUnikernel, tenderArgs, tenderLauncher, type UnikernelTarget } from "../support/tender.ts";
import { watch, type Running } from "../support/unikernel-process.ts";
import { scratchCopy } from "../support/example.ts";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

/** CPU time (user + system) a process has used, in ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const netns = canUseNetns();
if (!netns.ok) console.warn(`skipping the network examples on hvt/spt: ${netns.reason}`);

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

async function imageOf(example: string, target: UnikernelTarget): Promise<string> {
  const copy = scratchCopy(example, `${target}-net`);
  cleanups.push(copy.cleanup);
  return buildImage(copy.dir, target);
}

/** A namespace with tap0 (Linux at 10.77.0.1/24) and `image` running in it on 10.77.0.2. */
async function boot(prefix: string, target: UnikernelTarget, image: string, args: readonly string[], ready: RegExp): Promise<{ ns: Netns; app: Running }> {
  const ns = await createNetns(prefix);
  try {
    await ns.addTap("tap0", "10.77.0.1/24");
    const app = watch(ns.spawn(tenderLauncher(target), tenderArgs(image, { tender: ["--net:service=tap0"], args: ["--ipv4=10.77.0.2/24", ...args] })));
    await app.waitFor(ready, 20_000);
    return { ns, app };
  } catch (e) {
    await ns.destroy();
    throw e;
  }
}

for (const target of ["hvt", "spt"] as const satisfies readonly UnikernelTarget[]) {
  const available = canRunUnikernel(target);
  if (!available.ok) console.warn(`skipping the network examples on ${target}: ${available.reason}`);

  describe.skipIf(!available.ok || !netns.ok)(`the network examples on ${target}, over a tap in a namespace`, () => {
    const work = mkdtempSync(join(tmpdir(), `uk-net-${target}-`));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));

    it("network: answers ping (also fragmented) and echoes 1 MiB over TCP to Linux's nc", async () => {
      const { ns, app } = await boot(`mhn${target[0]}`, target, await imageOf("network", target), [], /echoing on TCP port 8080/);
      try {
        const small = await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2"]);
        expect(small.stdout).toContain("3 packets transmitted, 3 received");
        const large = await ns.exec("ping", ["-c", "2", "-i", "0.2", "-W", "2", "-s", "8000", "10.77.0.2"]);
        expect(large.stdout).toContain("2 packets transmitted, 2 received");
        const file = join(work, "1m.bin");
        const data = randomBytes(1 << 20);
        writeFileSync(file, data);
        const r = await ns.exec("sh", ["-c", `nc -N 10.77.0.2 8080 < ${file} | sha256sum`], { timeoutMs: 60_000 });
        expect(r.stdout.split(" ")[0]).toBe(sha256(data));
        await app.waitFor(/closed after 1048576 bytes/);
      } finally {
        await app.stop();
        await ns.destroy();
      }
    }, 300_000);

    it("ping: counts the echo requests Linux sends it", async () => {
      const { ns, app } = await boot(`mhp${target[0]}`, target, await imageOf("ping", target), ["--stats-every=1"], /up; addresses: 10\.77\.0\.2\/24/);
      try {
        const r = await ns.exec("ping", ["-c", "5", "-i", "0.2", "-W", "2", "10.77.0.2"], { timeoutMs: 20_000 });
        expect(r.stdout).toContain("5 packets transmitted, 5 received");
        await app.waitFor(/icmp\.echo_requests=[5-9]/, 10_000);
      } finally {
        await app.stop();
        await ns.destroy();
      }
    }, 300_000);

    it("static-website: serves its crunched htdocs to curl, with 404 for what is missing", async () => {
      const { ns, app } = await boot(`mhw${target[0]}`, target, await imageOf("static-website", target), [], /serving on port 8080/);
      try {
        const index = readFileSync(join(REPO, "examples", "static-website", "htdocs", "index.html"), "utf8");
        const page = await ns.exec("curl", ["-sS", "--max-time", "10", "http://10.77.0.2:8080/"]);
        expect(page.stderr).toBe("");
        expect(page.stdout).toBe(index);
        const missing = await ns.exec("curl", ["-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", "http://10.77.0.2:8080/nope.html"]);
        expect(missing.stdout).toBe("404");
        // Keep-alive: several requests over one connection.
        const urls = Array.from({ length: 5 }, () => ["-o", "/dev/null", "http://10.77.0.2:8080/"]).flat();
        const many = await ns.exec("curl", ["-sS", "--max-time", "10", "-w", "%{http_code} %{num_connects}\n", ...urls]);
        expect(many.stdout.trim().split("\n")).toEqual(["200 1", "200 0", "200 0", "200 0", "200 0"]);
      } finally {
        await app.stop();
        await ns.destroy();
      }
    }, 300_000);

    it("sleeps, not spins, while frames wait on a device the app does not read yet (--delay) and once it is up", async () => {
      const image = await imageOf("ping", target);
      const ns = await createNetns(`mhs${target[0]}`);
      try {
        await ns.addTap("tap0", "10.77.0.1/24");
        const app = watch(ns.spawn(tenderLauncher(target), tenderArgs(image, { tender: ["--net:service=tap0"], args: ["--ipv4=10.77.0.2/24", "--delay=3"] })));
        // Frames for the guest queue up on the tap while its devices are not connected.
        await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "1", "10.77.0.2"]);
        await app.waitFor(/up; addresses: 10\.77\.0\.2\/24/, 10_000);
        const during = cpuMs(app.child.pid!);
        expect(during, `${during} ms of CPU during a 3 s delay`).toBeLessThan(1000);
        await new Promise((r) => setTimeout(r, 2000));
        const idle = cpuMs(app.child.pid!) - during;
        expect(idle, `${idle} ms of CPU in 2 s idle`).toBeLessThan(500);
        const r = await ns.exec("ping", ["-c", "2", "-i", "0.2", "-W", "2", "10.77.0.2"]);
        expect(r.stdout).toContain("2 packets transmitted, 2 received");
        await app.stop();
      } finally {
        await ns.destroy();
      }
    }, 300_000);

    it.skipIf(!existsSync(join(REPO, "examples", "dns-server", "config.ts")))("dns-server: answers dig over UDP and TCP", async () => {
      const { ns, app } = await boot(`mhd${target[0]}`, target, await imageOf("dns-server", target), [], /serving DNS on UDP and TCP port \d+/);
      try {
        const port = /serving DNS on UDP and TCP port (\d+)/.exec(app.output())![1]!;
        const udp = await ns.exec("dig", ["@10.77.0.2", "-p", port, "+time=3", "+tries=2", "+norec", "example.org", "SOA"]);
        expect(udp.stdout).toMatch(/status: NOERROR/);
        expect(udp.stdout).toMatch(/flags: qr aa;/);
        const tcp = await ns.exec("dig", ["@10.77.0.2", "-p", port, "+time=3", "+tries=2", "+tcp", "+norec", "www.example.org", "A"]);
        expect(tcp.stdout).toMatch(/status: NOERROR/);
        expect(tcp.stdout).toMatch(/www\.example\.org\.\s+\d+\s+IN\s+CNAME\s+web\.example\.org\./);
        const nx = await ns.exec("dig", ["@10.77.0.2", "-p", port, "+time=3", "+tries=2", "+norec", "nope.example.org", "A"]);
        expect(nx.stdout).toMatch(/status: NXDOMAIN/);
      } finally {
        await app.stop();
        await ns.destroy();
      }
    }, 300_000);
  });
}
