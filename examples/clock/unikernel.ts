import { bootArg, log, monotonicNs, sleep, wallClock } from "@mirage-ts/runtime";

const ticks = bootArg.int("ticks", { default: 3, min: 1, max: 86400, doc: "How many times to tell the time." });

/** A speaking clock: the wall clock's time of day, and the monotonic clock's time since start. */
export async function start(): Promise<void> {
  const started = monotonicNs();
  for (let i = 0; i < ticks(); i++) {
    const now = wallClock().toISOString().slice(11, 19);
    const elapsed = ((monotonicNs() - started) / 1e9).toFixed(3);
    log.info(`The time is ${now} UTC; ${elapsed} s since start`);
    if (i + 1 < ticks()) await sleep(1000);
  }
}
