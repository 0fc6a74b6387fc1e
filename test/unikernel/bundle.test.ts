/**
 * The JS half of hvt/spt unikernels, without KVM or a C toolchain: each example is
 * bundled exactly as `mirage build -t hvt` bundles it and run in a context that
 * lacks what QuickJS 2021-03-27 lacks (fake-guest.ts), so a missing built-in, a
 * Node API reached at run time, or a broken timer loop shows up here first.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMessages, scratchCopy } from "../support/example.ts";
import { runFakeGuest } from "./fake-guest.ts";
import { bundleFor } from "./support.ts";

const EXAMPLES = ["noop", "hello-key", "heads", "timeout", "echo-server", "clock", "kv-ro"] as const;

describe("hvt bundles of the foundation examples in a QuickJS-like context", () => {
  const scripts = new Map<string, string>();
  const cleanups: (() => void)[] = [];
  beforeAll(async () => {
    await Promise.all(
      EXAMPLES.map(async (name) => {
        const copy = scratchCopy(name, "bundle");
        cleanups.push(copy.cleanup);
        scripts.set(name, await bundleFor(copy.dir, "hvt"));
      }),
    );
  });
  afterAll(() => cleanups.forEach((c) => c()));

  it("bundles contain no Node API and no unlowered syntax", () => {
    for (const [name, script] of scripts) {
      expect(script, name).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\.|from "node:/);
      expect(script.startsWith("(() => {"), name).toBe(true);
    }
  });

  it("noop exits 0 with no output", async () => {
    const r = await runFakeGuest(scripts.get("noop")!);
    expect(r).toMatchObject({ exitCode: 0, stdout: "", stderr: "" });
  });

  it("hello-key: boot arguments, --help (63) and a bad argument (64)", async () => {
    const script = scripts.get("hello-key")!;
    const hi = await runFakeGuest(script, { argv: ["--hello", "Hej"] });
    expect(hi.stderr).toBe("");
    expect(hi.exitCode).toBe(0);
    expect(logMessages(hi.stdout)).toEqual(Array(4).fill("Hej"));
    expect(hi.ms).toBeGreaterThanOrEqual(2900); // sleeps of a second between greetings
    const help = await runFakeGuest(script, { argv: ["--help"] });
    expect(help.exitCode).toBe(63);
    expect(help.stdout).toContain("How to say hello.");
    const bad = await runFakeGuest(script, { argv: ["--helo=x"] });
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/^hello-key: .*--helo/);
  });

  it("heads joins two sleeps, and timeout exits without waiting for its slow task", async () => {
    const [heads, timeout] = await Promise.all([runFakeGuest(scripts.get("heads")!), runFakeGuest(scripts.get("timeout")!)]);
    expect(heads.exitCode).toBe(0);
    expect(logMessages(heads.stdout)).toEqual(["Heads", "Tails", "Finished"]);
    expect(heads.ms).toBeLessThan(2950);
    expect(timeout.exitCode).toBe(0);
    expect(logMessages(timeout.stdout)).toEqual(["quick: quick done after 300 ms", "slow: timed out after 1000 ms"]);
    expect(timeout.ms).toBeLessThan(2900);
  });

  it("echo-server draws random strings from the runtime's CSPRNG, clock reads both clocks", async () => {
    const [echo, clock] = await Promise.all([
      runFakeGuest(scripts.get("echo-server")!, { argv: ["--count=4"] }),
      runFakeGuest(scripts.get("clock")!, { argv: ["--ticks=2"] }),
    ]);
    expect(echo.exitCode).toBe(0);
    const msgs = logMessages(echo.stdout);
    expect(msgs).toHaveLength(4);
    for (const m of msgs) expect(m).toMatch(/^echo: [0-9a-f]{16}$/);
    expect(clock.exitCode).toBe(0);
    expect(logMessages(clock.stdout).map((m) => m.replace(/\d/g, "0"))).toEqual([
      "The time is 00:00:00 UTC; 0.000 s since start",
      "The time is 00:00:00 UTC; 0.000 s since start",
    ]);
  });

  it("kv-ro serves its crunched folder (sha256 from @noble/hashes, base64 decoding) ", async () => {
    const r = await runFakeGuest(scripts.get("kv-ro")!);
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(logMessages(r.stdout)).toEqual([
      expect.stringMatching(/^\/hello\.txt: 40 bytes, sha256 [0-9a-f]{16}\.\.\.$/),
      expect.stringMatching(/^\/secret: 18 bytes, sha256 [0-9a-f]{16}\.\.\.$/),
      expect.stringMatching(/^\/sub\/nested\.txt: 12 bytes, sha256 [0-9a-f]{16}\.\.\.$/),
      "secret: the cake is a lie",
      "../config.ts: invalid_key",
    ]);
  });
});
