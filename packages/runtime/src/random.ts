/**
 * The unikernel's random numbers: one Fortuna instance, seeded from the platform's
 * entropy on first use and topped up from it as requests come in (see fortuna.ts).
 */
import { host } from "@mirage-ts/host";
import { Fortuna } from "./fortuna.ts";

let generator: Fortuna | undefined;

// Created lazily so importing the runtime never touches the host before it is needed.
function rng(): Fortuna {
  generator ??= new Fortuna({ now: () => host.monotonicNs(), entropy: (n) => host.entropy(n) });
  return generator;
}

/** `length` cryptographically secure random bytes. */
export function randomBytes(length: number): Uint8Array {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`randomBytes: length must be a non-negative integer, got ${String(length)}`);
  }
  return rng().generate(length);
}

const TWO_32 = 2 ** 32;

/**
 * A uniform integer in [0, bound), 1 <= bound <= 2^32. Draws 32-bit words and rejects
 * those in the incomplete last stretch of size 2^32 mod bound, so no value is favoured.
 */
export function randomInt(bound: number): number {
  if (!Number.isInteger(bound) || bound < 1 || bound > TWO_32) {
    throw new RangeError(`randomInt: bound must be an integer in 1..2^32, got ${String(bound)}`);
  }
  const limit = TWO_32 - (TWO_32 % bound);
  for (;;) {
    const b = randomBytes(4);
    const x = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    if (x < limit) return x % bound;
  }
}
