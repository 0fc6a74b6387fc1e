/**
 * @module @mirage-ts/runtime
 *
 * The ambient runtime: what every unikernel has and imports rather than receives as a
 * device — sleep, monotonic and wall clocks, a Fortuna CSPRNG seeded from the
 * platform's entropy, logs with per-source levels, typed boot arguments, exit codes,
 * and `boot`, the entry point generated code calls.
 *
 * Pure ECMAScript 2022: every effect goes through `@mirage-ts/host`, which the build
 * binds to the target's platform, so the same code runs on Node.js and in QuickJS.
 * Misuse (a negative sleep, a bad boot argument declaration) throws TypeError or
 * RangeError quoting the bad value; bad input at boot is one line on stderr and exit 64.
 */
export { sleep, sleepNs } from "./sleep.ts";
export { monotonicNs, wallClockMs, wallClock } from "./clock.ts";
export { randomBytes, randomInt } from "./random.ts";
export { Fortuna, type FortunaOptions } from "./fortuna.ts";
export { createLog, log, type Log, type LogLevel, type LogThreshold } from "./log.ts";
export { bootArg } from "./args.ts";
export { boot, connectDevice, onExit, unikernelName, type BootInfo } from "./boot.ts";
export { exit, EXIT } from "./exit.ts";
export { setTimer } from "./timer.ts";
