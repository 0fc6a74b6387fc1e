import { describe, expect, it } from "vitest";
import { SimClock } from "./clock.ts";
import type { VirtualTime } from "./clock.ts";
import { runFor, runUntil } from "./run.ts";
import { Switch } from "./switch.ts";
import type { SimNetwork } from "./switch.ts";

describe("runUntil", () => {
  it("jumps virtual time from deadline to deadline, firing timers in order", async () => {
    const clock = new SimClock();
    const fired: number[] = [];
    for (const ms of [30, 10, 20]) clock.setTimer(ms * 1e6, () => fired.push(clock.now()));
    await runUntil(undefined, clock, () => fired.length === 3);
    expect(fired).toEqual([10e6, 20e6, 30e6]);
    expect(clock.now()).toBe(30e6);
  });

  it("lets promise chains react between steps (an app awaiting virtual sleeps)", async () => {
    const clock = new SimClock();
    const log: number[] = [];
    const app = async (): Promise<void> => {
      for (let i = 0; i < 5; i++) {
        await clock.sleep(1e9);
        await Promise.resolve();
        log.push(clock.now());
      }
    };
    void app();
    await runUntil(undefined, clock, () => log.length === 5, { maxNs: 10e9 });
    expect(log).toEqual([1e9, 2e9, 3e9, 4e9, 5e9]);
  });

  it("polls registered pollers at their deadlines", async () => {
    const clock = new SimClock();
    let next: number | undefined = 7;
    const seen: number[] = [];
    clock.addPoller({
      pollAt: () => next,
      poll: () => {
        seen.push(clock.now());
        next = seen.length < 3 ? clock.now() + 7 : undefined;
      },
    });
    await runUntil(undefined, clock, () => seen.length === 3);
    expect(seen).toEqual([7, 14, 21]);
  });

  it("throws when the condition is not met in maxNs or maxSteps", async () => {
    const clock = new SimClock();
    await expect(runUntil(undefined, clock, () => false, { maxNs: 5e6 })).rejects.toThrow(/condition still false/);
    expect(clock.now()).toBe(5e6);
    await expect(runUntil(undefined, clock, () => false, { maxSteps: 3 })).rejects.toThrow(/maxSteps 3/);
  });

  it("runFor stops at the end of the period", async () => {
    const clock = new SimClock();
    let fired = 0;
    clock.setTimer(5e6, () => fired++);
    clock.setTimer(15e6, () => fired++);
    await runFor(undefined, clock, 10e6);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(10e6);
  });
});

/**
 * A toy stop-and-wait sender with a retransmission timer, written against
 * `VirtualTime` exactly as a real stack's shell would be: the pattern this package
 * exists for. Frames carry [type, seq] after the Ethernet header.
 */
function stopAndWait(net: SimNetwork, peer: Uint8Array, time: VirtualTime, count: number, rtoNs: number) {
  let seq = 0;
  let cancel: (() => void) | undefined;
  let retransmits = 0;
  const send = (): void => {
    const f = new Uint8Array(16);
    f.set(peer, 0);
    f.set(net.mac, 6);
    f[14] = 1;
    f[15] = seq;
    void net.write(f);
    cancel = time.setTimer(rtoNs, () => {
      retransmits++;
      send();
    });
  };
  void net.listen((f) => {
    if (f.length >= 16 && f[14] === 2 && f[15] === seq) {
      cancel?.();
      seq++;
      if (seq < count) send();
    }
  });
  send();
  return { done: () => seq >= count, retransmits: () => retransmits };
}

function acker(net: SimNetwork, peer: Uint8Array): number[] {
  const got: number[] = [];
  void net.listen((f) => {
    if (f.length < 16 || f[14] !== 1) return;
    if (got[got.length - 1] !== f[15]) got.push(f[15]!);
    const ack = new Uint8Array(16);
    ack.set(peer, 0);
    ack.set(net.mac, 6);
    ack[14] = 2;
    ack[15] = f[15]!;
    void net.write(ack);
  });
  return got;
}

describe("a timer-driven protocol on the simulator", () => {
  async function run(seed: number) {
    const clock = new SimClock();
    const sw = new Switch({ seed, now: clock.now, impairments: { loss: 0.3, latencyNs: 100_000 } });
    const a = sw.port("a");
    const b = sw.port("b");
    const got = acker(b, a.mac);
    const sender = stopAndWait(a, b.mac, clock, 200, 1e6);
    await runUntil(sw, clock, sender.done, { maxNs: 60e9 });
    return { got, retransmits: sender.retransmits(), at: clock.now() };
  }

  it("completes under 30% loss, identically from the same seed", async () => {
    const one = await run(3);
    expect(one.got).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(one.retransmits).toBeGreaterThan(50);
    expect(await run(3)).toEqual(one);
    expect((await run(4)).at).not.toBe(one.at);
  });
});
