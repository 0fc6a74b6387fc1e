import { seededRandom } from "@mirage-ts/netsim";
import { describe, expect, it } from "vitest";
import { fold, internetChecksum, pseudoHeaderSum, sum16 } from "./checksum.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

/** The textbook definition, word by word with an immediate end-around carry. */
function naive(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    sum += (bytes[i]! << 8) | (i + 1 < bytes.length ? bytes[i + 1]! : 0);
    if (sum > 0xffff) sum = (sum & 0xffff) + 1;
  }
  return ~sum & 0xffff;
}

describe("Internet checksum (RFC 1071)", () => {
  it("matches the RFC 1071 section 3 example", () => {
    // 0001 f203 f4f5 f6f7 sums to ddf2 (with carries folded); the checksum is its complement.
    const b = hex("0001f203f4f5f6f7");
    expect(fold(sum16(b))).toBe(0xddf2);
    expect(internetChecksum(b)).toBe(0x220d);
  });

  it("computes a real IPv4 header checksum and verifies to zero", () => {
    // The ICMP echo request Linux sent in our capture, checksum field zeroed: it was 0xcdbc.
    const header = hex("4500003c58f0400040010000 0a090002 0a090001");
    expect(internetChecksum(header)).toBe(0xcdbc);
    header[10] = 0xcd;
    header[11] = 0xbc;
    expect(internetChecksum(header)).toBe(0);
  });

  it("pads an odd final byte with zero", () => {
    expect(internetChecksum(hex("01"))).toBe(~0x0100 & 0xffff);
    expect(internetChecksum(hex("0102 03"))).toBe(~(0x0102 + 0x0300) & 0xffff);
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
  });

  it("honours start/end and sums incrementally", () => {
    const b = hex("ffff ffff 1234 5678 9abc def0 0f");
    expect(internetChecksum(b, 2, 6)).toBe(naive(b.subarray(2, 6)));
    const whole = sum16(b);
    const split = sum16(b, 6, b.length, sum16(b, 0, 6));
    expect(fold(split)).toBe(fold(whole));
  });

  it("builds the pseudo-header sum from its fields", () => {
    const ph = hex("0a090002 0a090001 0006 0028");
    expect(fold(pseudoHeaderSum(0x0a090002, 0x0a090001, 6, 40))).toBe(fold(sum16(ph)));
  });

  it("agrees with the naive definition on random data", () => {
    const next = seededRandom(0x5eed1071);
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(next() * 300);
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = Math.floor(next() * 256);
      // Bias some buffers towards all ones, where carries pile up.
      if (n % 5 === 0) b.fill(0xff, 0, Math.floor(len / 2));
      const start = len > 0 ? Math.floor(next() * len) : 0;
      expect(internetChecksum(b), `len ${len}`).toBe(naive(b));
      expect(internetChecksum(b, start, len)).toBe(naive(b.subarray(start)));
    }
  });

  it("stays exact for sums beyond 32 bits", () => {
    const big = new Uint8Array(1 << 20).fill(0xff);
    expect(internetChecksum(big)).toBe(naive(big));
    expect(fold(0xffff * 0x10000 + 0xffff)).toBe(0xffff);
    expect(fold(2 ** 48)).toBe(1); // 2^16 is 1 modulo 0xffff
    expect(fold(2 ** 40)).toBe(256);
  });
});
