import { describe, expect, it } from "vitest";
import { randomBytes, randomInt } from "./random.ts";

describe("randomBytes (real Node host)", () => {
  it("returns the requested number of bytes, different each time", () => {
    expect(randomBytes(0)).toEqual(new Uint8Array(0));
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(a.length).toBe(32);
    expect(a).not.toEqual(b);
    expect(randomBytes(100_000).length).toBe(100_000);
  });

  it("rejects bad lengths", () => {
    expect(() => randomBytes(-1)).toThrow(/got -1/);
    expect(() => randomBytes(2.5)).toThrow(RangeError);
  });

  it("looks uniform at the byte level", () => {
    const counts = new Array<number>(256).fill(0);
    for (const b of randomBytes(256 * 400)) counts[b]!++;
    // Expected 400 per value; a fair generator stays far inside these bounds.
    expect(Math.min(...counts)).toBeGreaterThan(250);
    expect(Math.max(...counts)).toBeLessThan(550);
  });
});

describe("randomInt", () => {
  it("stays within [0, bound)", () => {
    expect(randomInt(1)).toBe(0);
    for (const bound of [2, 3, 7, 1000, 2 ** 31 + 1, 2 ** 32 - 1, 2 ** 32]) {
      for (let i = 0; i < 200; i++) {
        const x = randomInt(bound);
        expect(Number.isInteger(x)).toBe(true);
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(bound);
      }
    }
  });

  it("covers a small range evenly", () => {
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 6000; i++) counts[randomInt(6)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
  });

  it("is unbiased where plain modulo would not be", () => {
    // With bound = 3·2^30, x mod bound hits [0, 2^30) twice as often as the rest.
    const bound = 3 * 2 ** 30;
    let low = 0;
    const n = 6000;
    for (let i = 0; i < n; i++) if (randomInt(bound) < 2 ** 30) low++;
    expect(low / n).toBeGreaterThan(0.28);
    expect(low / n).toBeLessThan(0.39);
  });

  it("rejects bounds outside 1..2^32", () => {
    for (const bad of [0, -1, 1.5, 2 ** 32 + 1, Number.NaN, Infinity]) expect(() => randomInt(bad)).toThrow(RangeError);
    expect(() => randomInt(0)).toThrow(/got 0/);
  });
});
