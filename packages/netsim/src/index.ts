/**
 * @module @mirage-ts/netsim
 *
 * A deterministic network simulator for testing stacks: `Switch`, an in-memory
 * learning Ethernet switch whose ports are `Network` devices, with seeded
 * impairments (loss, duplication, reordering, corruption, truncation, trailing
 * bytes, MTU limits, latency); `SimClock`, virtual time with timers and pollers; and
 * `runUntil`/`runFor`, which drive both. A run is a pure function of its seed and its
 * inputs: no wall clock, no host randomness, no sleeping.
 *
 * To run a stack on virtual time, the stack takes a `VirtualTime`
 * (`{ now(): number; setTimer(delayNs, fn): () => void }`) as an option, defaulting to
 * `{ now: monotonicNs, setTimer }` from @mirage-ts/runtime; a test passes a `SimClock`:
 *
 * ```ts
 * const clock = new SimClock();
 * const sw = new Switch({ seed: 42, now: clock.now, impairments: { loss: 0.1 } });
 * const a = await directStack(sw.port("a"), { ipv4: "10.0.0.1/24", time: clock });
 * const b = await directStack(sw.port("b"), { ipv4: "10.0.0.2/24", time: clock });
 * await runUntil(sw, clock, () => received === expected, { maxNs: 60e9 });
 * ```
 *
 * Pure ECMAScript 2022.
 */
export { seededRandom, seededUint32 } from "./random.ts";
export { SimClock } from "./clock.ts";
export type { VirtualTime, Poller } from "./clock.ts";
export { Switch, SimNetwork } from "./switch.ts";
export type { SwitchOptions, PortOptions, SwitchStats, TraceEvent, DropReason } from "./switch.ts";
export type { Impairments, ImpairmentStats } from "./impairments.ts";
export { runUntil, runFor, runPromise } from "./run.ts";
export type { RunOptions } from "./run.ts";
