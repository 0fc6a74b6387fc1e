import { describe, expect, it } from "vitest";
import { SimClock } from "./clock.ts";

describe("SimClock", () => {
  it("fires timers in deadline order, ties in the order they were set", () => {
    const clock = new SimClock();
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push("c"));
    clock.setTimer(100, () => fired.push("a1"));
    clock.setTimer(100, () => fired.push("a2"));
    clock.setTimer(200, () => fired.push("b"));
    expect(clock.pollAt()).toBe(100);
    clock.advanceTo(250);
    expect(clock.runDue()).toBe(3);
    expect(fired).toEqual(["a1", "a2", "b"]);
    expect(clock.pollAt()).toBe(300);
    clock.advanceTo(300);
    clock.runDue();
    expect(fired).toEqual(["a1", "a2", "b", "c"]);
    expect(clock.pollAt()).toBeUndefined();
  });

  it("cancels timers", () => {
    const clock = new SimClock(1000);
    let fired = 0;
    const cancel = clock.setTimer(5, () => fired++);
    clock.setTimer(10, () => fired++);
    cancel();
    expect(clock.pollAt()).toBe(1010);
    clock.advanceTo(2000);
    clock.runDue();
    expect(fired).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("does not spin on a timer that re-arms itself with delay 0", () => {
    const clock = new SimClock();
    let n = 0;
    const arm = (): void => {
      clock.setTimer(0, () => {
        n++;
        arm();
      });
    };
    arm();
    expect(clock.runDue()).toBe(1);
    expect(clock.runDue()).toBe(1);
    expect(n).toBe(2);
  });

  it("polls registered pollers when their deadline passes, until removed", () => {
    const clock = new SimClock();
    let deadline: number | undefined = 50;
    const polled: number[] = [];
    const remove = clock.addPoller({
      pollAt: () => deadline,
      poll: () => {
        polled.push(clock.now());
        deadline = deadline === undefined ? undefined : deadline + 50;
      },
    });
    expect(clock.pollAt()).toBe(50);
    clock.advanceTo(49);
    expect(clock.runDue()).toBe(0);
    clock.advanceTo(50);
    clock.runDue();
    expect(polled).toEqual([50]);
    remove();
    expect(clock.pollAt()).toBeUndefined();
  });

  it("sleeps on virtual time and refuses to go backwards or take bad delays", async () => {
    const clock = new SimClock();
    let woke = false;
    const p = clock.sleep(1e9).then(() => {
      woke = true;
    });
    clock.advanceTo(1e9);
    clock.runDue();
    await p;
    expect(woke).toBe(true);
    expect(() => clock.advanceTo(5)).toThrow(RangeError);
    expect(() => clock.setTimer(-1, () => {})).toThrow(/-1/);
    const { now, setTimer } = clock; // bound: usable detached
    expect(now()).toBe(1e9);
    expect(typeof setTimer(1, () => {})).toBe("function");
  });
});
