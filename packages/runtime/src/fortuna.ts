/**
 * The Fortuna CSPRNG (Ferguson, Schneier, Kohno: "Cryptography Engineering", ch. 9),
 * shaped like mirage-crypto-rng's: an AES-256-CTR generator with a 128-bit counter,
 * rekeyed from its own output after every request so earlier output cannot be
 * recomputed from a later state, and an accumulator of 32 SHA-256 pools that reseeds
 * the generator on a schedule which lets an attacker who can inject predictable
 * events only starve the low pools, never all of them.
 *
 * The class never touches the host: its clock and (optional) entropy source are
 * constructor arguments, so tests drive it deterministically.
 */
import { ctr } from "@noble/ciphers/aes.js";
import { sha256 } from "@noble/hashes/sha2.js";

export const FORTUNA_POOLS = 32;
/** Pool 0 must hold this many bytes before a reseed (F&S's MinPoolSize). */
export const FORTUNA_MIN_POOL_SIZE = 64;
/** Largest single generator request; bigger ones are split, rekeying between parts (F&S 9.4.4). */
export const FORTUNA_MAX_REQUEST = 1 << 20;
/** Reseeds from pools are at least this far apart, so a flood of events cannot churn the key. */
export const FORTUNA_RESEED_INTERVAL_NS = 100_000_000;
/** Default spacing between pulls from the `entropy` option. */
export const FORTUNA_FEED_INTERVAL_NS = 1_000_000_000;

const BLOCK = 16;
const KEY_BYTES = 32;
const MAX_EVENT_BYTES = 32;

/** Source ids the self-feeding path uses in event headers. */
const SOURCE_ENTROPY = 0;
const SOURCE_JITTER = 1;

type Sha256 = ReturnType<typeof sha256.create>;

export interface FortunaOptions {
  /** Monotonic clock in nanoseconds: paces reseeds and entropy pulls. */
  readonly now: () => number;
  /**
   * Fresh seed material. When given, the generator seeds itself from 32 bytes on first
   * use, and before a request at least `feedIntervalNs` after the last pull it feeds 32
   * more bytes plus clock jitter into the next pool, round-robin. Pull-based on purpose:
   * a periodic timer would keep a unikernel alive with nothing else to do.
   */
  readonly entropy?: (length: number) => Uint8Array;
  readonly feedIntervalNs?: number;
}

/** SHA_d-256 as mirage-crypto-rng uses it: SHA-256 applied twice, against length extension. */
function shad256(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** Adds `n` (a non-negative safe integer) to a 128-bit big-endian counter, wrapping. Exported for tests. */
export function addToCounter(counter: Uint8Array, n: number): void {
  let carry = n;
  for (let i = BLOCK - 1; i >= 0 && carry > 0; i--) {
    const sum = counter[i]! + (carry % 256);
    counter[i] = sum & 0xff;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
}

export class Fortuna {
  readonly #now: () => number;
  readonly #entropy: ((length: number) => Uint8Array) | undefined;
  readonly #feedIntervalNs: number;
  #key: Uint8Array = new Uint8Array(KEY_BYTES);
  // F&S mark an unseeded generator by a zero counter; a flag says the same more plainly.
  readonly #counter = new Uint8Array(BLOCK);
  #seeded = false;
  readonly #pools: Sha256[] = [];
  #pool0Bytes = 0;
  #reseedCount = 0;
  #lastReseedNs: number | undefined;
  #lastFeedNs: number | undefined;
  #feedPool = 0;

  constructor(options: FortunaOptions) {
    if (typeof options?.now !== "function") throw new TypeError("Fortuna: options.now must be a function");
    this.#now = options.now;
    this.#entropy = options.entropy;
    this.#feedIntervalNs = options.feedIntervalNs ?? FORTUNA_FEED_INTERVAL_NS;
    if (!(this.#feedIntervalNs >= 0)) {
      throw new RangeError(`Fortuna: feedIntervalNs must be non-negative, got ${String(options.feedIntervalNs)}`);
    }
    for (let i = 0; i < FORTUNA_POOLS; i++) this.#pools.push(sha256.create());
  }

  /** Whether the generator has been seeded (by `reseed`, a pool reseed or the entropy option). */
  get seeded(): boolean {
    return this.#seeded;
  }

  /** How many reseeds from the pools have happened; reseed r drew pool i iff 2^i divides r. */
  get reseedCount(): number {
    return this.#reseedCount;
  }

  /** Bytes (headers included) gathered in pool 0 since the last pool reseed. */
  get pool0Bytes(): number {
    return this.#pool0Bytes;
  }

  /** Mixes `seed` into the generator key directly: K = SHA_d-256(K || seed), C = C + 1. */
  reseed(seed: Uint8Array): void {
    if (!(seed instanceof Uint8Array)) throw new TypeError("Fortuna.reseed: seed must be a Uint8Array");
    const input = new Uint8Array(KEY_BYTES + seed.length);
    input.set(this.#key, 0);
    input.set(seed, KEY_BYTES);
    this.#key.fill(0);
    this.#key = shad256(input);
    input.fill(0);
    addToCounter(this.#counter, 1);
    this.#seeded = true;
  }

  /**
   * Adds an event from entropy source `source` (0..255) to pool `pool` (0..31). Each
   * event is framed as source byte, length byte, data (F&S 9.5.6); data longer than 32
   * bytes is split into several events for the same pool.
   */
  addRandomEvent(source: number, pool: number, data: Uint8Array): void {
    if (!Number.isInteger(source) || source < 0 || source > 255) {
      throw new RangeError(`Fortuna: source must be an integer in 0..255, got ${String(source)}`);
    }
    if (!Number.isInteger(pool) || pool < 0 || pool >= FORTUNA_POOLS) {
      throw new RangeError(`Fortuna: pool must be an integer in 0..${FORTUNA_POOLS - 1}, got ${String(pool)}`);
    }
    if (!(data instanceof Uint8Array) || data.length === 0) {
      throw new RangeError("Fortuna: event data must be a non-empty Uint8Array");
    }
    const hash = this.#pools[pool]!;
    for (let off = 0; off < data.length; off += MAX_EVENT_BYTES) {
      const part = data.subarray(off, Math.min(off + MAX_EVENT_BYTES, data.length));
      hash.update(Uint8Array.of(source, part.length));
      hash.update(part);
      if (pool === 0) this.#pool0Bytes += 2 + part.length;
    }
  }

  /** `length` pseudo-random bytes. Throws if the generator was never seeded. */
  generate(length: number): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`Fortuna: length must be a non-negative integer, got ${String(length)}`);
    }
    const now = this.#now();
    this.#feedFromSource(now);
    if (
      this.#pool0Bytes >= FORTUNA_MIN_POOL_SIZE &&
      (this.#lastReseedNs === undefined || now - this.#lastReseedNs >= FORTUNA_RESEED_INTERVAL_NS)
    ) {
      this.#reseedFromPools(now);
    }
    if (!this.#seeded) {
      throw new Error("Fortuna: generator not seeded; reseed it or add entropy to the pools before generating");
    }
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += FORTUNA_MAX_REQUEST) {
      this.#generateChunk(out.subarray(off, Math.min(off + FORTUNA_MAX_REQUEST, length)));
    }
    return out;
  }

  #feedFromSource(now: number): void {
    const entropy = this.#entropy;
    if (entropy === undefined) return;
    if (!this.#seeded) {
      this.reseed(entropy(KEY_BYTES));
      this.#lastFeedNs = now;
      return;
    }
    if (this.#lastFeedNs !== undefined && now - this.#lastFeedNs < this.#feedIntervalNs) return;
    const pool = this.#feedPool;
    this.#feedPool = (pool + 1) % FORTUNA_POOLS;
    this.addRandomEvent(SOURCE_ENTROPY, pool, entropy(KEY_BYTES));
    // The clock's low bits add a little timing jitter; cheap, and independent of the host RNG.
    const t = now % 2 ** 32;
    this.addRandomEvent(SOURCE_JITTER, pool, Uint8Array.of(t >>> 24, (t >>> 16) & 0xff, (t >>> 8) & 0xff, t & 0xff));
    this.#lastFeedNs = now;
  }

  #reseedFromPools(now: number): void {
    const r = ++this.#reseedCount;
    const digests: Uint8Array[] = [];
    // Pool i joins every 2^i-th reseed, so pool 31 holds entropy for ~2^31 reseeds.
    for (let i = 0, period = 1; i < FORTUNA_POOLS && r % period === 0; i++, period *= 2) {
      digests.push(sha256(this.#pools[i]!.digest()));
      this.#pools[i] = sha256.create();
    }
    this.#pool0Bytes = 0;
    this.#lastReseedNs = now;
    const seed = new Uint8Array(digests.length * KEY_BYTES);
    digests.forEach((d, i) => seed.set(d, i * KEY_BYTES));
    this.reseed(seed);
    seed.fill(0);
  }

  /** Fills `dst` (at most FORTUNA_MAX_REQUEST bytes) from the generator, then rekeys. */
  #generateChunk(dst: Uint8Array): void {
    const blocks = Math.ceil(dst.length / BLOCK);
    // Keystream for the output blocks plus two more blocks that become the next key.
    const stream = ctr(this.#key, this.#counter).encrypt(new Uint8Array(blocks * BLOCK + KEY_BYTES));
    addToCounter(this.#counter, blocks + 2);
    dst.set(stream.subarray(0, dst.length));
    this.#key.fill(0);
    this.#key = stream.slice(blocks * BLOCK);
    stream.fill(0);
  }
}
