/**
 * The JS half of the guest's event loop (the C half is in packages/guest). The C loop
 * runs pending jobs, calls `idle(readySet)`, runs jobs again and then sleeps until the
 * deadline `idle` returned or until a net device has input. `idle` delivers the
 * frames of ready devices and fires due timers: it is the only place where time
 * passes for JS code, exactly like one turn of a MirageOS `yield`.
 */
import type { CancelTimer } from "@mirage-ts/host";
import { TimerHeap } from "./timer-heap.ts";

/** A net device's receive side: reads at most `budget` queued frames; true if more may remain. */
export type NetDrain = (budget: number) => boolean;

/** Frames read from one device per turn before timers and other devices get theirs. */
export const NET_BATCH = 64;

export class EventLoop {
  private readonly timers = new TimerHeap();
  private readonly readers = new Map<number, NetDrain>();

  /**
   * `discard(handle, budget)` reads and drops up to `budget` frames of a device that
   * has input but no reader (not listening yet, e.g. during `--delay`, or never
   * acquired); true if more may remain. Without it such a device would stay ready
   * and the C loop would spin instead of sleeping. Dropping matches unix, where the
   * kernel drops what arrives on a tap nobody has open.
   */
  constructor(
    private readonly monotonicNs: () => number,
    private readonly discard?: (handle: number, budget: number) => boolean,
  ) {}

  /** Calls `fn` once at or after `delayNs` from now; the returned function cancels it. */
  setTimer(delayNs: number, fn: () => void): CancelTimer {
    const entry = this.timers.push(this.monotonicNs() + (delayNs > 0 ? delayNs : 0), fn);
    return () => {
      // Marked as well as removed: it may already sit in the batch `idle` is firing.
      entry.cancelled = true;
      this.timers.remove(entry);
    };
  }

  /** Makes `idle` drain net handle `handle` whenever its ready bit is set. One reader per handle. */
  addReader(handle: number, drain: NetDrain): void {
    if (!Number.isInteger(handle) || handle < 0 || handle > 31) throw new RangeError(`net handle must be 0..31, got ${String(handle)}`);
    if (this.readers.has(handle)) throw new Error(`net handle ${handle} already has a reader`);
    this.readers.set(handle, drain);
  }

  removeReader(handle: number): void {
    this.readers.delete(handle);
  }

  /** Timers still queued (for tests and diagnostics). */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /**
   * One turn: deliver frames of the devices in `readySet`, then fire every timer due
   * now (timers set by those callbacks wait for the next turn, so a callback that
   * re-arms itself with delay 0 cannot starve the network). Returns the next deadline
   * in monotonic ns, "now" when a device still has frames queued, or -1 for none.
   */
  idle(readySet: number): number {
    let backlog = false;
    for (let rest = readySet >>> 0; rest !== 0; rest &= rest - 1) {
      const handle = 31 - Math.clz32(rest & -rest);
      const drain = this.readers.get(handle);
      if (drain ? drain(NET_BATCH) : this.discard?.(handle, NET_BATCH)) backlog = true;
    }
    const now = this.monotonicNs();
    for (const entry of this.timers.popDue(now)) {
      if (!entry.cancelled) entry.fn();
    }
    if (backlog) return now;
    return this.timers.peekDeadline() ?? -1;
  }
}
