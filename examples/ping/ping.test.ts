import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMessages } from "../../test/support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

/** The value of `name=N` in the last "counters:" line logged so far (0 if absent). */
function lastCounter(output: string, name: string): number {
  const lines = logMessages(output).filter((m) => m.startsWith("counters:"));
  const m = new RegExp(`(?:^|\\s)${name.replace(/\./g, "\\.")}=(\\d+)`).exec(lines.at(-1) ?? "");
  return m ? Number(m[1]) : 0;
}

/** Waits until the logged counter `name` reaches `atLeast` (reports come every --stats-every=1 second). */
async function waitForCounter(app: Running, name: string, atLeast: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = lastCounter(app.output(), name);
    if (n >= atLeast) return n;
    if (Date.now() > deadline) throw new Error(`${name} stayed at ${n} < ${atLeast}; output:\n${app.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// One file for both stacks: the two variants are built in the same folder, one after the other.
describe("examples/ping", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("ping", []);
    directBin = await buildVariant("ping", ["--net=direct"]);
  });

  it("starts on the socket stack, logs its address, and reports that it keeps no counters", async () => {
    const app = watch(spawn(socketBin, ["--stats-every=1"], { stdio: ["ignore", "pipe", "pipe"] }));
    try {
      await app.waitFor(/counters: /, 5_000);
      // The socket stack binds every host address and has no stats(): the host's kernel answers pings.
      expect(logMessages(app.output())).toEqual([
        "up; addresses: 0.0.0.0/0",
        "this stack keeps no counters (the host's kernel answers pings)",
        "counters: (all zero)",
      ]);
    } finally {
      await app.stop();
    }
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the ping example's direct-stack tests against Linux: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, pinged by Linux in a namespace", () => {
    let ns: Netns;
    let app: Running;
    beforeAll(async () => {
      ns = await createNetns("mping");
      await ns.addTap("tap0", "10.77.0.1/24");
      app = watch(ns.spawn(directBin, ["--ipv4=10.77.0.2/24", "--stats-every=1"]));
      await app.waitFor(/up; addresses: 10\.77\.0\.2\/24/);
    });
    afterAll(async () => {
      await app?.stop();
      await ns?.destroy();
    });

    it("answers five pings and counts them", async () => {
      const before = lastCounter(app.output(), "icmp.echo_requests");
      const r = await ns.exec("ping", ["-c", "5", "-i", "0.2", "-W", "2", "10.77.0.2"], { timeoutMs: 20_000 });
      expect(r.stdout).toContain("5 packets transmitted, 5 received");
      await waitForCounter(app, "icmp.echo_requests", before + 5);
      expect(lastCounter(app.output(), "icmp.echo_replies")).toBeGreaterThanOrEqual(before + 5);
    });

    it("answers 8000-byte pings, reassembling the request and fragmenting the reply", async () => {
      const before = lastCounter(app.output(), "icmp.echo_requests");
      const r = await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "2", "-s", "8000", "10.77.0.2"], { timeoutMs: 20_000 });
      expect(r.stdout).toContain("3 packets transmitted, 3 received");
      expect(r.stdout).toContain("8008 bytes from 10.77.0.2");
      await waitForCounter(app, "icmp.echo_requests", before + 3);
      // 8028-byte IP packets over a 1500-byte MTU: six fragments each way per ping.
      expect(lastCounter(app.output(), "ipv4.reassembly_reassembled")).toBeGreaterThanOrEqual(3);
      expect(lastCounter(app.output(), "ipv4.txFragments")).toBeGreaterThanOrEqual(3 * 6);
    });
  });
});
