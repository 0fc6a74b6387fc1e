/** Sleeping on the platform's timer. */
import { host } from "@mirage-ts/host";

function check(name: string, value: number, unit: string): void {
  // Infinity is refused too: a sleep that can never end is a bug, not a wait.
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name}: duration must be a finite, non-negative number of ${unit}, got ${String(value)}`);
  }
}

/** Resolves no earlier than `ns` nanoseconds from now. */
export function sleepNs(ns: number): Promise<void> {
  check("sleepNs", ns, "nanoseconds");
  return new Promise((resolve) => {
    host.setTimer(ns, resolve);
  });
}

/** Resolves no earlier than `ms` milliseconds from now. */
export function sleep(ms: number): Promise<void> {
  check("sleep", ms, "milliseconds");
  return sleepNs(ms * 1_000_000);
}
