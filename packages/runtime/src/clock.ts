/** Clocks, straight from the platform: a monotonic one for intervals, a wall clock for people. */
import { host } from "@mirage-ts/host";

/** Nanoseconds since an arbitrary origin; never goes backwards. Use it to measure intervals. */
export function monotonicNs(): number {
  return host.monotonicNs();
}

/** Milliseconds since the Unix epoch (UTC), possibly fractional. May jump when the clock is set. */
export function wallClockMs(): number {
  return host.wallClockMs();
}

/** The wall clock as a Date. */
export function wallClock(): Date {
  return new Date(host.wallClockMs());
}
