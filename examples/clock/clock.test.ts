import { describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/clock", () => {
  it("tells the wall-clock time and the monotonic time since start, a second apart", async () => {
    const before = Date.now();
    const r = await runUnikernel(await buildExample("clock"), ["--ticks=3"]);
    expect(r.status).toBe(0);
    const msgs = logMessages(r.stdout);
    expect(msgs).toHaveLength(3);
    const parsed = msgs.map((m) => {
      const match = /^The time is (\d\d):(\d\d):(\d\d) UTC; (\d+\.\d{3}) s since start$/.exec(m);
      expect(match, m).not.toBeNull();
      return { hms: match!.slice(1, 4).map(Number), elapsed: Number(match![4]) };
    });
    // Monotonic: about 0, 1, 2 seconds.
    parsed.forEach((p, i) => expect(Math.abs(p.elapsed - i)).toBeLessThan(0.5));
    // Wall clock: the first reading is the host's time of day (within a few seconds).
    const [h, m, s] = parsed[0]!.hms;
    const told = Date.UTC(new Date(before).getUTCFullYear(), new Date(before).getUTCMonth(), new Date(before).getUTCDate(), h, m, s);
    const diff = Math.abs(((told - before + 43_200_000) % 86_400_000) - 43_200_000);
    expect(diff).toBeLessThan(5000);
  });
});
