import { describe, expect, it } from "vitest";
import { SimClock } from "./clock.ts";
import type { Impairments } from "./impairments.ts";
import { runFor, runUntil } from "./run.ts";
import { Switch } from "./switch.ts";
import type { SimNetwork, TraceEvent } from "./switch.ts";

const BROADCAST = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff);

function frame(dst: Uint8Array, src: Uint8Array, payload: number[] | number = 46): Uint8Array {
  const body = typeof payload === "number" ? Array.from({ length: payload }, (_, i) => i & 0xff) : payload;
  const f = new Uint8Array(14 + body.length);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x08;
  f.set(body, 14);
  return f;
}

function collect(port: SimNetwork): Uint8Array[] {
  const got: Uint8Array[] = [];
  void port.listen((f) => got.push(f));
  return got;
}

function setup(impairments: Impairments = {}, seed = 1, trace?: (e: TraceEvent) => void) {
  const clock = new SimClock();
  const sw = new Switch({ seed, now: clock.now, impairments, trace });
  const a = sw.port("a");
  const b = sw.port("b");
  const c = sw.port("c");
  return { clock, sw, a, b, c, ra: collect(a), rb: collect(b), rc: collect(c) };
}

describe("Switch forwarding", () => {
  it("floods broadcast and unknown unicast, then forwards to the learnt port only", async () => {
    const { clock, sw, a, b, c, ra, rb, rc } = setup();
    expect(Array.from(a.mac)).toEqual([2, 0, 0, 0, 0, 1]);
    await a.write(frame(BROADCAST, a.mac));
    await a.write(frame(b.mac, a.mac)); // b's MAC not learnt yet: flooded
    sw.poll();
    expect([ra.length, rb.length, rc.length]).toEqual([0, 2, 2]);
    await b.write(frame(a.mac, b.mac)); // a learnt from its broadcast: forwarded
    await a.write(frame(b.mac, a.mac)); // b learnt now
    sw.poll();
    expect([ra.length, rb.length, rc.length]).toEqual([1, 3, 2]);
    const st = sw.stats();
    expect(st).toMatchObject({ sent: 4, flooded: 2, forwarded: 2, delivered: 6 });
    expect(st.ports.a).toMatchObject({ txPackets: 3, rxPackets: 1 });
    expect(st.ports.c).toMatchObject({ rxPackets: 2, rxBytes: 120 });
    expect(clock.now()).toBe(0);
  });

  it("copies frames on send and gives each receiver its own copy", async () => {
    const { sw, a, rb, rc } = setup();
    const f = frame(BROADCAST, a.mac, [1, 2, 3]);
    await a.write(f);
    f[14] = 99;
    sw.poll();
    expect(Array.from(rb[0]!.subarray(14))).toEqual([1, 2, 3]);
    rb[0]![15] = 77;
    expect(rc[0]![15]).toBe(2);
  });

  it("does not deliver until polled, and not to the sender's own port", async () => {
    const { sw, a, ra } = setup();
    await a.write(frame(BROADCAST, a.mac));
    expect(sw.pending()).toBe(2);
    await a.write(frame(a.mac, a.mac));
    sw.poll();
    expect(ra.length).toBe(0);
    expect(sw.stats().filtered).toBe(1);
  });

  it("refuses frames above the port MTU or below a header, and after disconnect", async () => {
    const { sw, a, b, rb } = setup();
    expect((await a.write(new Uint8Array(1515))).ok).toBe(false);
    const tooLarge = await a.write(new Uint8Array(1515));
    expect(!tooLarge.ok && tooLarge.error.code).toBe("too_large");
    expect((await a.write(frame(BROADCAST, a.mac, 1500))).ok).toBe(true);
    const short = await a.write(new Uint8Array(10));
    expect(!short.ok && short.error.code).toBe("io");
    expect(a.stats().txDropped).toBe(3);
    await b.disconnect();
    const res = await b.write(frame(BROADCAST, b.mac));
    expect(!res.ok && res.error.code).toBe("disconnected");
    sw.poll();
    expect(rb.length).toBe(0); // b was gone when the frame was due
  });

  it("resolves listen at disconnect and counts frames for ports without a listener", async () => {
    const clock = new SimClock();
    const sw = new Switch({ seed: 1, now: clock.now });
    const a = sw.port("a");
    const b = sw.port("b", Uint8Array.of(0x02, 0xaa, 0, 0, 0, 1), { mtu: 9000 });
    expect(b.mtu).toBe(9000);
    const listening = b.listen(() => {});
    await b.disconnect();
    expect((await listening).ok).toBe(true);
    const quiet = sw.port("quiet");
    await a.write(frame(BROADCAST, a.mac));
    sw.poll();
    expect(quiet.stats().rxDropped).toBe(1);
    expect(() => sw.port("a")).toThrow(RangeError);
  });

  it("delivers after the configured latency", async () => {
    const { clock, sw, a, rb } = setup({ latencyNs: 5000 });
    await a.write(frame(BROADCAST, a.mac));
    expect(sw.pollAt()).toBe(5000);
    sw.poll();
    expect(rb.length).toBe(0);
    clock.advanceTo(5000);
    sw.poll();
    expect(rb.length).toBe(1);
  });
});

describe("Switch impairments", () => {
  const N = 20_000;

  async function blast(imp: Impairments, seed = 5, size = 100) {
    const env = setup(imp, seed);
    await env.a.write(frame(BROADCAST, env.a.mac)); // learn a
    await env.b.write(frame(env.a.mac, env.b.mac)); // learn b
    await runFor(env.sw, env.clock, 10e6);
    env.rb.length = 0;
    const base = env.sw.stats().impairments;
    for (let i = 0; i < N; i++) {
      const f = frame(env.b.mac, env.a.mac, size);
      f[14] = i & 0xff;
      f[15] = (i >> 8) & 0xff;
      await env.a.write(f);
      if (i % 64 === 63) env.clock.advanceBy(1000);
    }
    await runFor(env.sw, env.clock, 100e6, { settle: 0 });
    const st = env.sw.stats().impairments;
    return { ...env, st, base };
  }

  function near(count: number, p: number): void {
    // Within 5 standard deviations of the binomial mean.
    const sd = Math.sqrt(N * p * (1 - p));
    expect(Math.abs(count - N * p)).toBeLessThan(5 * sd + 1);
  }

  it("loss drops about the given fraction", async () => {
    const { st, rb } = await blast({ loss: 0.1 });
    near(st.lost, 0.1);
    expect(rb.length).toBe(N - st.lost);
  });

  it("duplicate delivers about the given fraction twice", async () => {
    const { st, rb } = await blast({ duplicate: 0.05 });
    near(st.duplicated, 0.05);
    expect(rb.length).toBe(N + st.duplicated);
  });

  it("corrupt flips exactly one bit in about the given fraction", async () => {
    const { st, rb } = await blast({ corrupt: 0.2 });
    near(st.corrupted, 0.2);
    let changed = 0;
    for (const f of rb) {
      const pristine = frame(f.subarray(0, 6), f.subarray(6, 12), 100);
      const i = f[14]! | (f[15]! << 8);
      pristine[14] = i & 0xff;
      pristine[15] = (i >> 8) & 0xff;
      let bits = 0;
      for (let k = 0; k < f.length; k++) for (let x = f[k]! ^ pristine[k]!; x; x &= x - 1) bits++;
      if (bits > 0) changed++;
      expect(bits).toBeLessThanOrEqual(1); // a flip in the MACs or the index byte is invisible here
    }
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(st.corrupted);
  });

  it("truncate cuts about the given fraction short", async () => {
    const { st, rb } = await blast({ truncate: 0.3 });
    near(st.truncated, 0.3);
    const short = rb.filter((f) => f.length < 114).length;
    expect(short).toBe(st.truncated);
  });

  it("trailing appends 1..64 bytes to about the given fraction", async () => {
    const { st, rb } = await blast({ trailing: 0.15 });
    near(st.trailing, 0.15);
    const long = rb.filter((f) => f.length > 114);
    expect(long.length).toBe(st.trailing);
    for (const f of long) expect(f.length - 114).toBeLessThanOrEqual(64);
  });

  it("reorder holds frames back so that later ones overtake them", async () => {
    const { st, rb } = await blast({ reorder: 0.1, reorderDelayNs: 50_000 });
    near(st.reordered, 0.1);
    const order = rb.map((f) => f[14]! | (f[15]! << 8));
    // A frame is overtaken if one sent after it arrived before it.
    let overtaken = 0;
    let highest = -1;
    for (const i of order) {
      if (i < highest) overtaken++;
      else highest = i;
    }
    expect(overtaken).toBeLessThanOrEqual(st.reordered);
    expect(overtaken).toBeGreaterThan(st.reordered * 0.9);
    expect(rb.length).toBe(N);
  });

  it("drops frames whose payload exceeds the path MTU", async () => {
    const small = await blast({ mtu: 100 }, 5, 100);
    expect(small.rb.length).toBe(N);
    const big = await blast({ mtu: 99 }, 5, 100);
    expect(big.rb.length).toBe(0);
    expect(big.st.mtuDropped - big.base.mtuDropped).toBe(N);
  });

  it("rejects bad impairment values, quoting them", () => {
    expect(() => new Switch({ seed: 1, now: () => 0, impairments: { loss: 1.5 } })).toThrow(/loss.*1\.5/);
    expect(() => new Switch({ seed: 1, now: () => 0, impairments: { mtu: 0 } })).toThrow(RangeError);
    expect(() => new Switch({ seed: 1, now: () => 0, impairments: { latencyNs: -3 } })).toThrow(/-3/);
  });
});

describe("Switch determinism", () => {
  async function traceOf(seed: number): Promise<string[]> {
    const events: string[] = [];
    const hex = (f: Uint8Array) => Array.from(f, (x) => x.toString(16).padStart(2, "0")).join("");
    const imp: Impairments = { loss: 0.1, duplicate: 0.1, reorder: 0.2, corrupt: 0.1, truncate: 0.05, trailing: 0.05, latencyNs: 1000 };
    const env = setup(imp, seed, (e) => events.push(`${e.at} ${e.kind} ${e.from}>${e.to} ${e.reason ?? ""} ${hex(e.frame)}`));
    let n = 0;
    // Two ports answering each other through promise chains on virtual time.
    const echo = (from: SimNetwork, to: SimNetwork) => (f: Uint8Array) => {
      if (n++ < 500) void from.write(frame(to.mac, from.mac, Array.from(f.subarray(14, 30))));
    };
    await env.a.disconnect();
    const a2 = env.sw.port("a2");
    void a2.listen(echo(a2, env.b));
    await env.b.disconnect();
    const b2 = env.sw.port("b2");
    void b2.listen(echo(b2, a2));
    for (let i = 0; i < 50; i++) await a2.write(frame(BROADCAST, a2.mac, 40));
    await runUntil(env.sw, env.clock, () => n >= 500 && env.sw.pending() === 0, { maxNs: 10e9 });
    return events;
  }

  it("replays the identical delivery trace from the same seed, and a different one from another", async () => {
    const one = await traceOf(11);
    const again = await traceOf(11);
    const other = await traceOf(12);
    expect(one.length).toBeGreaterThan(500);
    expect(again).toEqual(one);
    expect(other).not.toEqual(one);
  });
});
