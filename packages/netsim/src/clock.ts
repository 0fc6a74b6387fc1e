import { MinHeap } from "./heap.ts";

/**
 * Time as a stack's async shell needs it: a monotonic clock in nanoseconds and a
 * cancellable one-shot timer. `@mirage-ts/runtime` provides the real-time version
 * (`{ now: monotonicNs, setTimer }`); `SimClock` provides a virtual one. A stack that
 * accepts `{ now, setTimer }` as an option (defaulting to the runtime's) can be run by
 * the simulator on virtual time, deterministically and without sleeping.
 */
export interface VirtualTime {
  /** Nanoseconds since an arbitrary origin; never goes backwards. */
  now(): number;
  /** Calls `fn` once, `delayNs` from now; the returned function cancels it. */
  setTimer(delayNs: number, fn: () => void): () => void;
}

/**
 * Something with deadlines that wants to be polled when they pass: a switch, or a
 * state machine (DESIGN.md section 4: `pollAt()` and `poll(now)`), registered as is.
 */
export interface Poller {
  pollAt(): number | undefined;
  poll(now: number): void;
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * Virtual time. It only moves when told to (`advanceTo`, or `runUntil`), and then
 * `runDue` fires timers and polls pollers whose deadlines have passed, timers in
 * deadline order and, at equal deadlines, in the order they were set.
 * `now` and `setTimer` are bound, so `clock.now` can be passed around on its own.
 */
export class SimClock implements VirtualTime {
  private t: number;
  private seq = 0;
  private readonly timers = new MinHeap<Timer>();
  private readonly pollers: Poller[] = [];

  constructor(startNs = 0) {
    if (!Number.isFinite(startNs) || startNs < 0) throw new RangeError(`SimClock: start must be a finite non-negative ns count, got ${startNs}`);
    this.t = startNs;
  }

  readonly now = (): number => this.t;

  readonly setTimer = (delayNs: number, fn: () => void): (() => void) => {
    if (!Number.isFinite(delayNs) || delayNs < 0) throw new RangeError(`setTimer: delay must be a finite non-negative number of ns, got ${delayNs}`);
    if (typeof fn !== "function") throw new TypeError(`setTimer: fn must be a function, got ${typeof fn}`);
    const timer: Timer = { at: this.t + delayNs, seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /** Resolves after `delayNs` of virtual time (for app code running in a simulation). */
  sleep(delayNs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayNs, resolve));
  }

  /** Moves time forward to `ns` (no-op if equal); does not fire anything by itself. */
  advanceTo(ns: number): void {
    if (!Number.isFinite(ns) || ns < this.t) throw new RangeError(`SimClock.advanceTo: ${ns} is before now (${this.t})`);
    this.t = ns;
  }

  advanceBy(deltaNs: number): void {
    this.advanceTo(this.t + deltaNs);
  }

  /** Registers a poller (a stack's state machines, a switch); returns a function that removes it. */
  addPoller(poller: Poller): () => void {
    this.pollers.push(poller);
    return () => {
      const i = this.pollers.indexOf(poller);
      if (i >= 0) this.pollers.splice(i, 1);
    };
  }

  /** The earliest pending deadline among timers and pollers, or undefined if none. */
  pollAt(): number | undefined {
    this.dropCancelled();
    let next = this.timers.peek()?.at;
    for (const p of this.pollers) {
      const at = p.pollAt();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Number of timers still armed (cancelled ones excluded once swept). */
  pendingTimers(): number {
    this.dropCancelled();
    return this.timers.size;
  }

  /**
   * Fires the timers due now (not those they set themselves: those wait for the next
   * call, so a timer that re-arms itself with delay 0 cannot spin forever) and polls
   * every poller whose deadline has passed. Returns how many things ran.
   */
  runDue(): number {
    const limit = this.seq;
    let ran = 0;
    for (;;) {
      const top = this.timers.peek();
      if (top === undefined || top.at > this.t || top.seq >= limit) break;
      this.timers.pop();
      if (top.cancelled) continue;
      ran++;
      top.fn();
    }
    for (const p of this.pollers.slice()) {
      const at = p.pollAt();
      if (at !== undefined && at <= this.t) {
        ran++;
        p.poll(this.t);
      }
    }
    return ran;
  }

  private dropCancelled(): void {
    for (;;) {
      const top = this.timers.peek();
      if (top === undefined || !top.cancelled) return;
      this.timers.pop();
    }
  }
}
