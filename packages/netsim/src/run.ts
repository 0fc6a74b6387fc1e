import type { SimClock } from "./clock.ts";
import type { Switch } from "./switch.ts";

export interface RunOptions {
  /** Give up (throw) when the condition is still false this much virtual time later (default 60 s). */
  readonly maxNs?: number;
  /** Give up (throw) after this many steps (default 1,000,000). */
  readonly maxSteps?: number;
  /** How far to move time when nothing at all is scheduled (default 1 ms). */
  readonly tick?: number;
  /**
   * How many promise-job turns to let run between steps (default 32): enough for an app's
   * `await read()` / `await write()` chain to react before time moves on. Deterministic,
   * since the order of promise jobs is fixed by the code.
   */
  readonly settle?: number;
}

type Switches = Switch | readonly Switch[] | undefined;

/**
 * Drives a simulation on virtual time until `cond()` holds. Each step lets pending
 * promise jobs run, then delivers the switch's due frames and fires the clock's due
 * timers and pollers; when nothing is due it advances the clock to the earliest
 * deadline among switches, timers and pollers (or by `tick` when there is none).
 * Throws an Error if the condition is still false after `maxNs` or `maxSteps`.
 */
export async function runUntil(switches: Switches, clock: SimClock, cond: () => boolean, opts: RunOptions = {}): Promise<void> {
  const maxNs = opts.maxNs ?? 60e9;
  const end = clock.now() + maxNs;
  const done = await drive(switches, clock, cond, end, opts);
  if (!done) throw new Error(`runUntil: condition still false at ${clock.now()} ns (maxNs ${maxNs}, maxSteps ${opts.maxSteps ?? DEFAULT_MAX_STEPS})`);
}

/** Runs the simulation for `durationNs` of virtual time, delivering and firing everything due in it. */
export async function runFor(switches: Switches, clock: SimClock, durationNs: number, opts: Omit<RunOptions, "maxNs"> = {}): Promise<void> {
  if (!Number.isFinite(durationNs) || durationNs < 0) throw new RangeError(`runFor: duration must be a finite non-negative ns count, got ${durationNs}`);
  const end = clock.now() + durationNs;
  await drive(switches, clock, () => false, end, opts);
}

const DEFAULT_MAX_STEPS = 1_000_000;

async function drive(switches: Switches, clock: SimClock, cond: () => boolean, end: number, opts: RunOptions): Promise<boolean> {
  const list: readonly Switch[] = switches === undefined ? [] : Array.isArray(switches) ? switches : [switches as Switch];
  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  const tick = opts.tick ?? 1_000_000;
  const settleTurns = opts.settle ?? 32;
  if (!(tick > 0)) throw new RangeError(`runUntil: tick must be positive, got ${tick}`);
  for (let step = 0; ; step++) {
    for (let i = 0; i < settleTurns; i++) await undefined;
    if (cond()) return true;
    if (step >= maxSteps) return false;
    let ran = 0;
    const now = clock.now();
    for (const sw of list) {
      const at = sw.pollAt();
      if (at !== undefined && at <= now) {
        sw.poll();
        ran++;
      }
    }
    ran += clock.runDue();
    if (ran > 0) continue;
    let next = clock.pollAt();
    for (const sw of list) {
      const at = sw.pollAt();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    if (next === undefined) next = now + tick;
    if (next > end) {
      if (now < end) clock.advanceTo(end);
      // One last look: the time left may have let promise jobs finish.
      for (let i = 0; i < settleTurns; i++) await undefined;
      return cond();
    }
    if (next > now) clock.advanceTo(next);
  }
}

/** Drives the simulation until `p` settles, and returns its value (or throws its error). */
export async function runPromise<T>(switches: Switches, clock: SimClock, p: Promise<T>, opts: RunOptions = {}): Promise<T> {
  let settled = false;
  let value: T | undefined;
  let failure: { readonly error: unknown } | undefined;
  p.then(
    (v) => {
      settled = true;
      value = v;
    },
    (error: unknown) => {
      settled = true;
      failure = { error };
    },
  );
  await runUntil(switches, clock, () => settled, opts);
  if (failure !== undefined) throw failure.error;
  return value as T;
}
