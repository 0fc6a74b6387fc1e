import { createCipheriv, createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { addToCounter, Fortuna, FORTUNA_MAX_REQUEST, FORTUNA_MIN_POOL_SIZE } from "./fortuna.ts";

// An independent model of the generator on node:crypto, to cross-check the noble-based one.
const sha = (b: Uint8Array): Uint8Array => new Uint8Array(createHash("sha256").update(b).digest());
const shad = (b: Uint8Array): Uint8Array => sha(sha(b));
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
};

class Model {
  key: Uint8Array = new Uint8Array(32);
  counter = 0n;
  reseed(seed: Uint8Array): void {
    this.key = shad(concat(this.key, seed));
    this.counter += 1n;
  }
  stream(n: number): Uint8Array {
    const iv = Buffer.from(this.counter.toString(16).padStart(32, "0"), "hex");
    const c = createCipheriv("aes-256-ctr", this.key, iv);
    return new Uint8Array(Buffer.concat([c.update(new Uint8Array(n)), c.final()]));
  }
  chunk(n: number): Uint8Array {
    const blocks = Math.ceil(n / 16);
    const s = this.stream(blocks * 16 + 32);
    this.counter += BigInt(blocks + 2);
    this.key = s.slice(blocks * 16);
    return s.slice(0, n);
  }
  generate(n: number): Uint8Array {
    const parts: Uint8Array[] = [];
    for (let off = 0; off < n; off += FORTUNA_MAX_REQUEST) parts.push(this.chunk(Math.min(FORTUNA_MAX_REQUEST, n - off)));
    return concat(...parts);
  }
}

const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
const fixedClock = (): { now: () => number; t: number } => {
  const c = { t: 0, now: () => c.t };
  return c;
};

describe("Fortuna generator", () => {
  it("refuses to generate before it is seeded", () => {
    const f = new Fortuna({ now: () => 0 });
    expect(f.seeded).toBe(false);
    expect(() => f.generate(16)).toThrow(/not seeded/);
    expect(() => f.generate(0)).toThrow(/not seeded/);
  });

  it("matches AES-256-CTR and SHA-256d from node:crypto for a fixed seed", () => {
    const f = new Fortuna({ now: () => 0 });
    const m = new Model();
    f.reseed(seed);
    m.reseed(seed);
    expect(f.seeded).toBe(true);
    // Odd sizes check the partial last block and that the rekey uses the blocks after it.
    for (const n of [16, 1, 31, 32, 33, 100, 0, 4096]) {
      expect(Buffer.from(f.generate(n)).toString("hex")).toBe(Buffer.from(m.generate(n)).toString("hex"));
    }
  });

  it("pins the first output for the fixed seed", () => {
    const f = new Fortuna({ now: () => 0 });
    f.reseed(seed);
    const m = new Model();
    m.reseed(seed);
    const expected = m.stream(16);
    expect(f.generate(16)).toEqual(expected);
  });

  it("rekeys after every request, so equal requests give different output", () => {
    const f = new Fortuna({ now: () => 0 });
    f.reseed(seed);
    expect(f.generate(32)).not.toEqual(f.generate(32));
  });

  it("splits requests over 2^20 bytes, rekeying between parts", () => {
    const f = new Fortuna({ now: () => 0 });
    const m = new Model();
    f.reseed(seed);
    m.reseed(seed);
    const n = FORTUNA_MAX_REQUEST * 2 + 1000;
    const got = f.generate(n);
    expect(got.length).toBe(n);
    expect(Buffer.from(got).equals(Buffer.from(m.generate(n)))).toBe(true);
    // One uninterrupted keystream would be different after the first 2^20 bytes.
    const single = new Model();
    single.reseed(seed);
    const stream = single.stream(FORTUNA_MAX_REQUEST + 16);
    expect(got.subarray(0, FORTUNA_MAX_REQUEST)).toEqual(stream.subarray(0, FORTUNA_MAX_REQUEST));
    expect(got.subarray(FORTUNA_MAX_REQUEST, FORTUNA_MAX_REQUEST + 16)).not.toEqual(stream.subarray(FORTUNA_MAX_REQUEST));
  });

  it("adds to the 128-bit counter with carries through every byte, wrapping at 2^128", () => {
    const c = new Uint8Array(16).fill(0xff);
    c[0] = 0xfe;
    addToCounter(c, 1);
    expect(Buffer.from(c).toString("hex")).toBe("ff" + "00".repeat(15));
    addToCounter(c, 2 ** 40 + 5);
    expect(Buffer.from(c).toString("hex")).toBe("ff" + "00".repeat(9) + "010000000005");
    c.fill(0xff);
    addToCounter(c, 3);
    expect(Buffer.from(c).toString("hex")).toBe("00".repeat(15) + "02");
  });

  it("propagates counter carries like the model over many requests", () => {
    // Carry propagation is observable through the model: drive many requests and compare.
    const f = new Fortuna({ now: () => 0 });
    const m = new Model();
    f.reseed(seed);
    m.reseed(seed);
    for (let i = 0; i < 300; i++) expect(f.generate(48)).toEqual(m.generate(48));
  });

  it("rejects bad lengths", () => {
    const f = new Fortuna({ now: () => 0 });
    f.reseed(seed);
    expect(() => f.generate(-1)).toThrow(RangeError);
    expect(() => f.generate(1.5)).toThrow(RangeError);
    expect(() => f.generate(Number.NaN)).toThrow(/NaN/);
  });
});

describe("Fortuna accumulator", () => {
  /** Fills pool i with `k` events of 32 bytes (34 bytes each with the header). */
  const fill = (f: Fortuna, pool: number, byte: number, k = 2): Uint8Array[] => {
    const events: Uint8Array[] = [];
    for (let j = 0; j < k; j++) {
      const data = new Uint8Array(32).fill(byte + j);
      f.addRandomEvent(7, pool, data);
      events.push(concat(Uint8Array.of(7, 32), data));
    }
    return events;
  };

  it("seeds itself from pool 0 once it holds 64 bytes", () => {
    const f = new Fortuna({ now: () => 0 });
    f.addRandomEvent(7, 0, new Uint8Array(30));
    expect(f.pool0Bytes).toBe(32);
    expect(() => f.generate(1)).toThrow(/not seeded/);
    f.addRandomEvent(7, 0, new Uint8Array(30));
    expect(f.pool0Bytes).toBe(FORTUNA_MIN_POOL_SIZE);
    const out = f.generate(16);
    expect(f.reseedCount).toBe(1);
    expect(f.pool0Bytes).toBe(0);

    const m = new Model();
    const pool0 = concat(Uint8Array.of(7, 30), new Uint8Array(30), Uint8Array.of(7, 30), new Uint8Array(30));
    m.reseed(shad(pool0));
    expect(out).toEqual(m.generate(16));
  });

  it("splits events over 32 bytes and frames each part", () => {
    const f = new Fortuna({ now: () => 0 });
    const data = Uint8Array.from({ length: 40 }, (_, i) => i);
    f.addRandomEvent(3, 0, data);
    expect(f.pool0Bytes).toBe(2 + 32 + 2 + 8);
    expect(() => f.generate(0)).toThrow(/not seeded/); // 44 bytes: below the threshold, no reseed
    expect(f.reseedCount).toBe(0);
    f.addRandomEvent(3, 0, new Uint8Array(20));
    f.reseed(seed); // seeded directly, so generate may run; pools untouched
    const m = new Model();
    m.reseed(seed);
    m.reseed(
      shad(concat(Uint8Array.of(3, 32), data.subarray(0, 32), Uint8Array.of(3, 8), data.subarray(32), Uint8Array.of(3, 20), new Uint8Array(20))),
    );
    expect(f.generate(16)).toEqual(m.generate(16));
  });

  it("draws pool i into reseed r iff 2^i divides r, and waits 100 ms between reseeds", () => {
    const clock = fixedClock();
    const f = new Fortuna({ now: clock.now });
    const m = new Model();
    const pools: Uint8Array[][] = Array.from({ length: 32 }, () => []);
    const add = (pool: number, byte: number): void => {
      pools[pool]!.push(...fill(f, pool, byte));
    };
    for (let r = 1; r <= 8; r++) {
      // Fresh events in pools 0..3 before every reseed.
      for (let i = 0; i < 4; i++) add(i, r * 16 + i * 2);
      clock.t += 100_000_000;
      const out = f.generate(16);
      expect(f.reseedCount).toBe(r);
      const used: Uint8Array[] = [];
      for (let i = 0; i < 32 && r % 2 ** i === 0; i++) {
        used.push(shad(concat(...pools[i]!)));
        pools[i] = [];
      }
      // Reseed r uses pools 0..v where 2^v is the largest power of two dividing r.
      expect(used.length).toBe(Math.log2(r & -r) + 1);
      m.reseed(concat(...used));
      expect(out).toEqual(m.generate(16));
    }
    // Pool 0 is full again but less than 100 ms passed: no reseed.
    add(0, 200);
    clock.t += 99_999_999;
    f.generate(16);
    m.generate(16);
    expect(f.reseedCount).toBe(8);
    clock.t += 1;
    f.generate(16);
    expect(f.reseedCount).toBe(9);
  });

  it("validates events", () => {
    const f = new Fortuna({ now: () => 0 });
    expect(() => f.addRandomEvent(256, 0, new Uint8Array(1))).toThrow(RangeError);
    expect(() => f.addRandomEvent(0, 32, new Uint8Array(1))).toThrow(/0\.\.31, got 32/);
    expect(() => f.addRandomEvent(0, 0, new Uint8Array(0))).toThrow(RangeError);
  });
});

describe("Fortuna entropy source", () => {
  it("seeds from 32 bytes of entropy on first use", () => {
    const calls: number[] = [];
    const f = new Fortuna({
      now: () => 0,
      entropy: (n) => {
        calls.push(n);
        return new Uint8Array(n).fill(9);
      },
    });
    const out = f.generate(16);
    expect(calls).toEqual([32]);
    const m = new Model();
    m.reseed(new Uint8Array(32).fill(9));
    expect(out).toEqual(m.generate(16));
  });

  it("feeds entropy and jitter into the pools round-robin, at most once per interval", () => {
    const clock = fixedClock();
    let calls = 0;
    const f = new Fortuna({
      now: clock.now,
      entropy: (n) => {
        calls++;
        return new Uint8Array(n).fill(calls);
      },
    });
    f.generate(1);
    expect(calls).toBe(1);
    clock.t = 999_999_999;
    f.generate(1);
    expect(calls).toBe(1);
    clock.t = 1_000_000_000;
    f.generate(1); // feeds pool 0: 2+32 entropy + 2+4 jitter = 40 bytes
    expect(calls).toBe(2);
    expect(f.pool0Bytes).toBe(40);
    // The next 31 feeds go to pools 1..31, then pool 0 again crosses 64 bytes and reseeds.
    for (let k = 2; k <= 33; k++) {
      clock.t = k * 1_000_000_000;
      f.generate(1);
    }
    expect(calls).toBe(34);
    expect(f.reseedCount).toBe(1);
    expect(f.pool0Bytes).toBe(0);
  });
});
