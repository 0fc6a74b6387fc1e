import { err, ok } from "@mirage-ts/devices";
import type { NetError, Network, NetworkStats, Result } from "@mirage-ts/devices";
import { MinHeap } from "./heap.ts";
import { checkImpairments, DEFAULT_REORDER_DELAY_NS, emptyImpairmentStats, MAX_TRAILING } from "./impairments.ts";
import type { ImpairmentStats, Impairments } from "./impairments.ts";
import { seededRandom } from "./random.ts";

const ETH_HEADER = 14;

export interface SwitchOptions {
  /** Seeds the PRNG behind every impairment: the same seed and inputs give the same run. */
  readonly seed: number;
  /** The clock deliveries are scheduled on, in ns (e.g. `simClock.now`). */
  readonly now: () => number;
  readonly impairments?: Impairments;
  /** Called for every delivery and every drop, for debugging and determinism checks. */
  readonly trace?: (event: TraceEvent) => void;
}

export interface PortOptions {
  /** The MTU the port reports (default 1500); larger frames are refused with `too_large`. */
  readonly mtu?: number;
}

export type DropReason = "loss" | "mtu" | "no_listener";

export interface TraceEvent {
  readonly kind: "deliver" | "drop";
  /** Virtual time of the event, ns. */
  readonly at: number;
  readonly from: string;
  readonly to: string;
  readonly reason?: DropReason;
  /** The frame as delivered (or as it would have been); do not keep or modify it. */
  readonly frame: Uint8Array;
}

export interface SwitchStats {
  /** Frames accepted from ports. */
  sent: number;
  /** Copies handed to a listener. */
  delivered: number;
  /** Frames sent to every other port (broadcast, multicast, unknown destination). */
  flooded: number;
  /** Frames sent to the one port that owns the destination MAC. */
  forwarded: number;
  /** Frames whose destination lives on the sending port (dropped, as a real switch does). */
  filtered: number;
  impairments: ImpairmentStats;
  ports: Record<string, NetworkStats>;
}

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly from: string;
  readonly to: SimNetwork;
  readonly frame: Uint8Array;
}

function macKey(b: Uint8Array, off: number): number {
  return (b[off]! * 0x10000 + b[off + 1]! * 0x100 + b[off + 2]!) * 0x1000000 + (b[off + 3]! * 0x10000 + b[off + 4]! * 0x100 + b[off + 5]!);
}

/**
 * A deterministic in-memory learning Ethernet switch. A frame is copied when sent,
 * its source MAC is learnt for the sending port, and it goes to the port that owns
 * its destination MAC or, for broadcast, multicast and unknown destinations, to every
 * other port. Each copy then passes the impairments and is queued for delivery at
 * `now() + latency (+ reorder delay)`. Nothing is delivered until `poll()`; drive it
 * with `runUntil` or register it with `SimClock.addPoller`.
 */
export class Switch {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly trace: ((event: TraceEvent) => void) | undefined;
  private impairments: Impairments;
  private readonly portsByName = new Map<string, SimNetwork>();
  private readonly macTable = new Map<number, SimNetwork>();
  private readonly queue = new MinHeap<InFlight>();
  private seq = 0;
  private readonly counters = { sent: 0, delivered: 0, flooded: 0, forwarded: 0, filtered: 0 };
  private readonly impairmentStats = emptyImpairmentStats();

  constructor(opts: SwitchOptions) {
    if (typeof opts.now !== "function") throw new TypeError(`Switch: now must be a function, got ${typeof opts.now}`);
    this.now = opts.now;
    this.random = seededRandom(opts.seed);
    this.trace = opts.trace;
    this.impairments = checkImpairments(opts.impairments ?? {});
  }

  /** Replaces the impairments for frames sent from now on (frames in flight keep theirs). */
  setImpairments(impairments: Impairments): void {
    this.impairments = checkImpairments(impairments);
  }

  /** Plugs in a new port. The default MAC is 02:00:00:00:00:NN, NN counting ports from 1. */
  port(name: string, mac?: Uint8Array, options: PortOptions = {}): SimNetwork {
    if (this.portsByName.has(name)) throw new RangeError(`Switch.port: a port named ${JSON.stringify(name)} exists already`);
    if (mac !== undefined && !(mac instanceof Uint8Array && mac.length === 6)) throw new TypeError(`Switch.port: mac must be 6 bytes, got ${String(mac)}`);
    const mtu = options.mtu ?? 1500;
    if (!Number.isInteger(mtu) || mtu < 68) throw new RangeError(`Switch.port: mtu must be an integer >= 68, got ${mtu}`);
    const n = this.portsByName.size + 1;
    const address = mac ? mac.slice() : Uint8Array.of(0x02, 0, 0, 0, (n >> 8) & 0xff, n & 0xff);
    const port = new SimNetwork(this, name, address, mtu);
    this.portsByName.set(name, port);
    return port;
  }

  /** When the next frame is due, or undefined if none is in flight. */
  pollAt(): number | undefined {
    return this.queue.peek()?.at;
  }

  /** Frames in flight. */
  pending(): number {
    return this.queue.size;
  }

  /**
   * Delivers every frame due by `now()`. Frames sent by listeners during this call wait
   * for the next poll even with zero latency, so two stacks cannot ping-pong forever.
   */
  poll(): void {
    const limit = this.seq;
    const now = this.now();
    for (;;) {
      const top = this.queue.peek();
      if (top === undefined || top.at > now || top.seq >= limit) return;
      this.queue.pop();
      top.to.deliver(top.from, top.frame, now);
    }
  }

  stats(): SwitchStats {
    const ports: Record<string, NetworkStats> = {};
    for (const [name, p] of this.portsByName) ports[name] = p.stats();
    return { ...this.counters, impairments: { ...this.impairmentStats }, ports };
  }

  /** @internal Called by SimNetwork.write with a frame already checked for size. */
  send(from: SimNetwork, frame: Uint8Array): void {
    const copy = frame.slice();
    this.counters.sent++;
    const src = macKey(copy, 6);
    if ((copy[6]! & 1) === 0) this.macTable.set(src, from); // never learn a group address
    const owner = (copy[0]! & 1) === 0 ? this.macTable.get(macKey(copy, 0)) : undefined;
    if (owner !== undefined && !owner.disconnected) {
      if (owner === from) {
        this.counters.filtered++;
        return;
      }
      this.counters.forwarded++;
      this.schedule(from.name, owner, copy);
      return;
    }
    this.counters.flooded++;
    for (const port of this.portsByName.values()) {
      if (port !== from && !port.disconnected) this.schedule(from.name, port, copy.slice());
    }
  }

  /** @internal */
  traceEvent(event: TraceEvent): void {
    this.trace?.(event);
  }

  /** @internal */
  delivered(from: string, to: string, frame: Uint8Array, at: number): void {
    this.counters.delivered++;
    this.trace?.({ kind: "deliver", at, from, to, frame });
  }

  private schedule(from: string, to: SimNetwork, frame: Uint8Array): void {
    const imp = this.impairments;
    const st = this.impairmentStats;
    const now = this.now();
    const rnd = this.random;
    if (imp.mtu !== undefined && frame.length - ETH_HEADER > imp.mtu) {
      st.mtuDropped++;
      this.trace?.({ kind: "drop", at: now, from, to: to.name, reason: "mtu", frame });
      return;
    }
    if (imp.loss && rnd() < imp.loss) {
      st.lost++;
      this.trace?.({ kind: "drop", at: now, from, to: to.name, reason: "loss", frame });
      return;
    }
    if (imp.corrupt && rnd() < imp.corrupt && frame.length > 0) {
      st.corrupted++;
      const bit = Math.floor(rnd() * frame.length * 8);
      frame[bit >> 3]! ^= 1 << (bit & 7);
    }
    if (imp.truncate && rnd() < imp.truncate && frame.length > 0) {
      st.truncated++;
      frame = frame.subarray(0, Math.floor(rnd() * frame.length));
    }
    if (imp.trailing && rnd() < imp.trailing) {
      st.trailing++;
      const extra = 1 + Math.floor(rnd() * MAX_TRAILING);
      const longer = new Uint8Array(frame.length + extra);
      longer.set(frame);
      for (let i = frame.length; i < longer.length; i++) longer[i] = Math.floor(rnd() * 256);
      frame = longer;
    }
    let at = now + (imp.latencyNs ?? 0);
    const duplicate = imp.duplicate !== undefined && imp.duplicate > 0 && rnd() < imp.duplicate;
    if (imp.reorder && rnd() < imp.reorder) {
      st.reordered++;
      at += imp.reorderDelayNs ?? DEFAULT_REORDER_DELAY_NS;
    }
    this.queue.push({ at, seq: this.seq++, from, to, frame });
    if (duplicate) {
      st.duplicated++;
      this.queue.push({ at, seq: this.seq++, from, to, frame: frame.slice() });
    }
  }
}

function emptyStats(): NetworkStats {
  return { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0, rxDropped: 0, txDropped: 0 };
}

/** One switch port, as a `Network` device. Create with `Switch.port`. */
export class SimNetwork implements Network {
  private onFrame: ((frame: Uint8Array) => void) | undefined;
  private finishListen: (() => void) | undefined;
  private counters = emptyStats();
  /** @internal */
  disconnected = false;

  constructor(
    private readonly sw: Switch,
    readonly name: string,
    readonly mac: Uint8Array,
    readonly mtu: number,
  ) {}

  listen(onFrame: (frame: Uint8Array) => void): Promise<Result<void, NetError>> {
    if (typeof onFrame !== "function") throw new TypeError(`SimNetwork.listen: onFrame must be a function, got ${typeof onFrame}`);
    if (this.disconnected) return Promise.resolve(err({ code: "disconnected", message: `port ${this.name} is disconnected` }));
    if (this.onFrame !== undefined) throw new TypeError(`SimNetwork.listen: port ${this.name} already has a listener`);
    this.onFrame = onFrame;
    return new Promise((resolve) => {
      this.finishListen = () => resolve(ok(undefined));
    });
  }

  write(frame: Uint8Array): Promise<Result<void, NetError>> {
    if (this.disconnected) {
      this.counters.txDropped++;
      return Promise.resolve(err({ code: "disconnected", message: `port ${this.name} is disconnected` }));
    }
    if (frame.length > this.mtu + ETH_HEADER) {
      this.counters.txDropped++;
      return Promise.resolve(err({ code: "too_large", message: `frame of ${frame.length} bytes exceeds MTU ${this.mtu} + ${ETH_HEADER}` }));
    }
    if (frame.length < ETH_HEADER) {
      this.counters.txDropped++;
      return Promise.resolve(err({ code: "io", message: `frame of ${frame.length} bytes is shorter than an Ethernet header` }));
    }
    this.counters.txPackets++;
    this.counters.txBytes += frame.length;
    this.sw.send(this, frame);
    return Promise.resolve(ok(undefined));
  }

  stats(): NetworkStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = emptyStats();
  }

  disconnect(): Promise<void> {
    this.disconnected = true;
    this.onFrame = undefined;
    const finish = this.finishListen;
    this.finishListen = undefined;
    finish?.();
    return Promise.resolve();
  }

  /** @internal Hands one frame (already this port's own copy) to the listener. */
  deliver(from: string, frame: Uint8Array, now: number): void {
    const onFrame = this.onFrame;
    if (onFrame === undefined) {
      this.counters.rxDropped++;
      this.sw.traceEvent({ kind: "drop", at: now, from, to: this.name, reason: "no_listener", frame });
      return;
    }
    this.counters.rxPackets++;
    this.counters.rxBytes += frame.length;
    this.sw.delivered(from, this.name, frame, now);
    onFrame(frame);
  }
}
