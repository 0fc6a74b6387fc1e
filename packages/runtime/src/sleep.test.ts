import { describe, expect, it } from "vitest";
import { monotonicNs, wallClock, wallClockMs } from "./clock.ts";
import { sleep, sleepNs } from "./sleep.ts";

describe("sleep (real Node host)", () => {
  it("wakes sleepers in deadline order, never early", async () => {
    const order: number[] = [];
    const start = monotonicNs();
    await Promise.all(
      [30, 5, 20, 0, 10].map(async (ms) => {
        await sleep(ms);
        expect(monotonicNs() - start).toBeGreaterThanOrEqual(ms * 1e6);
        order.push(ms);
      }),
    );
    expect(order).toEqual([0, 5, 10, 20, 30]);
  });

  it("sleeps in nanoseconds too", async () => {
    const start = monotonicNs();
    await sleepNs(2_500_000);
    expect(monotonicNs() - start).toBeGreaterThanOrEqual(2_500_000);
  });

  it("rejects negative, NaN and infinite durations, quoting the value", () => {
    expect(() => sleep(-1)).toThrow(new RangeError("sleep: duration must be a finite, non-negative number of milliseconds, got -1"));
    expect(() => sleep(Number.NaN)).toThrow(/got NaN/);
    expect(() => sleep(Infinity)).toThrow(RangeError);
    expect(() => sleepNs(-5)).toThrow(/sleepNs: .* got -5/);
  });
});

describe("clocks", () => {
  it("monotonic time does not go backwards", () => {
    let prev = monotonicNs();
    for (let i = 0; i < 1000; i++) {
      const t = monotonicNs();
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
  });

  it("wall clock agrees with Date.now", () => {
    expect(Math.abs(wallClockMs() - Date.now())).toBeLessThan(50);
    expect(Math.abs(wallClock().getTime() - Date.now())).toBeLessThan(50);
  });
});
