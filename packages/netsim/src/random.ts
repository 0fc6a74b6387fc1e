/**
 * A small, fast, seedable PRNG for simulations: xoshiro128** (Blackman and Vigna,
 * 2018) with its 128-bit state filled from the seed by splitmix32. 32-bit integer
 * arithmetic only (Math.imul, >>>), so it is cheap under an interpreter and gives the
 * same sequence on every engine. Not cryptographic: never use it for ISNs or keys.
 */

/** Returns a generator of floats in [0, 1), fully determined by `seed` (an integer). */
export function seededRandom(seed: number): () => number {
  const next = seededUint32(seed);
  return () => next() / 4294967296;
}

/** Returns a generator of unsigned 32-bit integers, fully determined by `seed`. */
export function seededUint32(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seededRandom: seed must be a safe integer, got ${seed}`);
  // Fold the high bits in too so that seeds differing only above bit 31 differ.
  let sm = (seed >>> 0) ^ Math.imul(Math.floor(Math.abs(seed) / 4294967296) | 0, 0x9e3779b9) ^ (seed < 0 ? 0x5bd1e995 : 0);
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let s0 = splitmix();
  let s1 = splitmix();
  let s2 = splitmix();
  let s3 = splitmix();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1; // the all-zero state is a fixed point
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
