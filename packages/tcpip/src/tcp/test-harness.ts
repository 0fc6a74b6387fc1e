/**
 * Test support (not exported by the package): TCP layers on a fake clock, either
 * alone with captured output or two back-to-back over an in-memory link with seeded
 * loss, reordering and duplication. Pure, so it compiles with the core.
 */
import type { TcpRepr } from "@mirage-ts/wire";
import type { TcpOptions } from "./config.ts";
import { createTcpLayer } from "./layer.ts";
import type { TcpEnv, TcpLayer } from "./types.ts";

export const MS = 1_000_000;
export const A = 0x0a000001;
export const B = 0x0a000002;

/** mulberry32: a small seeded PRNG for reproducible impairments. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Sent {
  readonly src: number;
  readonly dst: number;
  readonly seg: TcpRepr;
}

export class Clock {
  now = 1_000_000_000;
}

/** One layer whose output is captured, for driving it with hand-made segments. */
export function captureLayer(clock: Clock, options?: TcpOptions, seed = 1, addr = A, mss = 1460): { layer: TcpLayer; out: Sent[] } {
  const rand = prng(seed);
  const out: Sent[] = [];
  const env: TcpEnv = {
    now: () => clock.now,
    random: (n) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)),
    output: (src, dst, seg) => out.push({ src, dst, seg }),
    mss: () => mss,
    sourceFor: () => addr,
    schedule: () => {},
  };
  return { layer: createTcpLayer(env, options), out };
}

export interface Impairments {
  readonly loss?: number;
  readonly duplicate?: number;
  /** Probability that a segment gets extra random delay (so later ones overtake it). */
  readonly reorder?: number;
  readonly delay?: number;
  readonly jitter?: number;
}

interface InFlight {
  at: number;
  order: number;
  to: TcpLayer;
  src: number;
  dst: number;
  seg: TcpRepr;
}

/** Two layers, A and B, joined by a link with a one-way delay and optional impairments. */
export class Link {
  readonly clock = new Clock();
  readonly a: TcpLayer;
  readonly b: TcpLayer;
  private queue: InFlight[] = [];
  private order = 0;
  private readonly rand: () => number;
  impair: Impairments;
  delivered = 0;
  dropped = 0;
  /** Every segment put on the link, for inspection. */
  readonly trace: Sent[] = [];
  traceOn = false;

  constructor(seed: number, impair: Impairments = {}, optsA?: TcpOptions, optsB?: TcpOptions, mss = 1460) {
    this.rand = prng(seed);
    this.impair = impair;
    this.a = createTcpLayer(this.env(A, () => this.b, mss), optsA);
    this.b = createTcpLayer(this.env(B, () => this.a, mss), optsB);
  }

  private env(addr: number, peer: () => TcpLayer, mss: number): TcpEnv {
    return {
      now: () => this.clock.now,
      random: (n) => Uint8Array.from({ length: n }, () => Math.floor(this.rand() * 256)),
      output: (src, dst, seg) => this.put(peer(), src, dst, seg),
      mss: () => mss,
      sourceFor: () => addr,
      schedule: () => {},
    };
  }

  private put(to: TcpLayer, src: number, dst: number, seg: TcpRepr): void {
    if (this.traceOn) this.trace.push({ src, dst, seg });
    const im = this.impair;
    if (im.loss !== undefined && this.rand() < im.loss) {
      this.dropped++;
      return;
    }
    const copies = im.duplicate !== undefined && this.rand() < im.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = im.delay ?? 1 * MS;
      if (im.jitter !== undefined) delay += Math.floor(this.rand() * im.jitter);
      if (im.reorder !== undefined && this.rand() < im.reorder) delay += Math.floor(this.rand() * 5 * MS);
      this.queue.push({ at: this.clock.now + delay, order: this.order++, to, src, dst, seg });
    }
  }

  /** The next moment something happens, or undefined if nothing ever will. */
  nextEvent(): number | undefined {
    let t = Infinity;
    for (const p of this.queue) if (p.at < t) t = p.at;
    const pa = this.a.pollAt();
    const pb = this.b.pollAt();
    if (pa !== undefined && pa < t) t = pa;
    if (pb !== undefined && pb < t) t = pb;
    return t === Infinity ? undefined : t;
  }

  /** Advances the clock to the next event and processes everything due then. */
  step(): boolean {
    const t = this.nextEvent();
    if (t === undefined) return false;
    if (t > this.clock.now) this.clock.now = t;
    const due = this.queue.filter((p) => p.at <= this.clock.now).sort((x, y) => x.at - y.at || x.order - y.order);
    this.queue = this.queue.filter((p) => p.at > this.clock.now);
    for (const p of due) {
      this.delivered++;
      p.to.input(p.src, p.dst, p.seg);
    }
    const now = this.clock.now;
    const pa = this.a.pollAt();
    if (pa !== undefined && pa <= now) this.a.poll();
    const pb = this.b.pollAt();
    if (pb !== undefined && pb <= now) this.b.poll();
    return true;
  }

  /**
   * Steps until `done()` or the clock passes `limit` ns from now; `flush` lets the
   * application's promises run between steps (tests pass a macrotask yield).
   */
  async run(done: () => boolean, flush: () => Promise<void>, limit = 600_000 * MS): Promise<boolean> {
    const end = this.clock.now + limit;
    await flush();
    while (!done()) {
      if (this.clock.now > end) return false;
      if (!this.step()) {
        await flush();
        if (done()) return true;
        if (this.nextEvent() === undefined) return false;
        continue;
      }
      await flush();
    }
    return true;
  }
}
