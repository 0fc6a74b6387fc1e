import { describe, expect, it } from "vitest";
import { createPlatform } from "../src/host.ts";
import { TimerHeap } from "../src/timer-heap.ts";
import { fakeBindings } from "./fake-bindings.ts";

describe("TimerHeap", () => {
  it("pops in (deadline, arrival) order under random pushes and removals", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const heap = new TimerHeap();
    const live = new Map<number, { deadline: number; seq: number }>();
    const entries = [];
    for (let i = 0; i < 2000; i++) {
      if (rand() < 0.3 && entries.length) {
        const e = entries.splice(Math.floor(rand() * entries.length), 1)[0]!;
        heap.remove(e);
        live.delete(e.seq);
      } else {
        const deadline = Math.floor(rand() * 50);
        const e = heap.push(deadline, () => {});
        entries.push(e);
        live.set(e.seq, { deadline, seq: e.seq });
      }
    }
    expect(heap.size).toBe(live.size);
    const popped = heap.popDue(Infinity).map((e) => [e.deadlineNs, e.seq]);
    const expected = [...live.values()].sort((a, b) => a.deadline - b.deadline || a.seq - b.seq).map((e) => [e.deadline, e.seq]);
    expect(popped).toEqual(expected);
    expect(heap.size).toBe(0);
  });

  it("ignores removing an entry twice or after it fired", () => {
    const heap = new TimerHeap();
    const a = heap.push(1, () => {});
    const b = heap.push(2, () => {});
    heap.remove(a);
    heap.remove(a);
    expect(heap.popDue(5)).toEqual([b]);
    heap.remove(b);
    expect(heap.size).toBe(0);
  });
});

describe("the host over the bindings: timers driven by the idle handler", () => {
  it("installs the idle handler, fires due timers in order and returns the next deadline or -1", () => {
    const b = fakeBindings();
    const { host } = createPlatform(b);
    expect(b.idle).toBeTypeOf("function");
    const fired: string[] = [];
    host.setTimer(3_000, () => fired.push("c"));
    host.setTimer(1_000, () => fired.push("a"));
    host.setTimer(1_000, () => fired.push("b"));
    expect(b.idle!(0)).toBe(b.nowNs + 1_000);
    b.nowNs += 1_000;
    expect(b.idle!(0)).toBe(b.nowNs + 2_000);
    expect(fired).toEqual(["a", "b"]);
    b.nowNs += 5_000;
    expect(b.idle!(0)).toBe(-1);
    expect(fired).toEqual(["a", "b", "c"]);
  });

  it("cancels pending timers, including one already due in the same turn", () => {
    const b = fakeBindings();
    const { host } = createPlatform(b);
    const fired: string[] = [];
    let cancelB = (): void => {};
    host.setTimer(10, () => {
      fired.push("a");
      cancelB();
    });
    cancelB = host.setTimer(10, () => fired.push("b"));
    const cancelC = host.setTimer(20, () => fired.push("c"));
    cancelC();
    cancelC(); // twice is harmless
    b.nowNs += 100;
    expect(b.idle!(0)).toBe(-1);
    expect(fired).toEqual(["a"]);
  });

  it("runs a timer set by a firing timer with delay 0 in the next turn, not this one", () => {
    const b = fakeBindings();
    const { host, loop } = createPlatform(b);
    let n = 0;
    const again = (): void => {
      n++;
      host.setTimer(0, again);
    };
    host.setTimer(0, again);
    expect(b.idle!(0)).toBe(b.nowNs);
    expect(n).toBe(1);
    b.idle!(0);
    expect(n).toBe(2);
    expect(loop.pendingTimers).toBe(1);
  });

  it("treats a negative delay as 0 and lets an exception from a timer reach the C loop", () => {
    const b = fakeBindings();
    const { host } = createPlatform(b);
    host.setTimer(-5, () => {
      throw new Error("boom");
    });
    expect(() => b.idle!(0)).toThrow("boom");
  });

  it("passes console, clocks, argv, entropy and exit through", () => {
    const b = fakeBindings({ argv: ["--hello=hi"] });
    const { host } = createPlatform(b);
    expect(host.target).toBe("hvt");
    expect(host.argv()).toEqual(["--hello=hi"]);
    host.consoleWrite(1, "out");
    host.consoleWrite(2, "err");
    expect([b.out, b.err]).toEqual(["out", "err"]);
    expect(host.monotonicNs()).toBe(b.nowNs);
    expect(host.wallClockMs()).toBeGreaterThan(1.6e12);
    expect(Array.from(host.entropy(4))).toEqual([3, 10, 17, 24]);
    expect(host.entropy(0)).toHaveLength(0);
    expect(() => host.exit(3)).toThrow("exit 3");
    expect(b.exited).toBe(3);
  });
});

describe("the module's host: wired to globalThis.mirageHost on first use", () => {
  it("fails with a clear message outside a guest, and uses the bindings once they exist", async () => {
    const { host, resetPlatformForTests } = await import("../src/host.ts");
    const g = globalThis as { mirageHost?: unknown };
    resetPlatformForTests();
    expect(() => host.argv()).toThrow("globalThis.mirageHost is missing (not running in a mirage-ts guest)");
    const b = fakeBindings({ argv: ["-l", "*:debug"] });
    g.mirageHost = b;
    try {
      expect(host.argv()).toEqual(["-l", "*:debug"]);
      expect(host.target).toBe("hvt");
      expect(b.idle).toBeTypeOf("function");
      const fired: number[] = [];
      host.setTimer(5, () => fired.push(1));
      b.nowNs += 5;
      b.idle!(0);
      expect(fired).toEqual([1]);
    } finally {
      delete g.mirageHost;
      resetPlatformForTests();
    }
  });
});
