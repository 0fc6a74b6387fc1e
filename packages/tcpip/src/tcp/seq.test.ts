import { describe, expect, it } from "vitest";
import { seqAdd, seqGe, seqGt, seqInRange, seqLe, seqLt, seqMax, seqMin, seqSub } from "./seq.ts";

describe("sequence arithmetic", () => {
  it("adds and wraps", () => {
    expect(seqAdd(0xffffffff, 1)).toBe(0);
    expect(seqAdd(0xfffffff0, 0x20)).toBe(0x10);
    expect(seqAdd(5, -10)).toBe(0xfffffffb);
  });

  it("compares across the wrap", () => {
    expect(seqLt(0xffffffff, 0)).toBe(true);
    expect(seqGt(0, 0xffffffff)).toBe(true);
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqLe(7, 7)).toBe(true);
    expect(seqGe(7, 7)).toBe(true);
    expect(seqGt(7, 7)).toBe(false);
    expect(seqSub(0x10, 0xfffffff0)).toBe(0x20);
    expect(seqSub(0xfffffff0, 0x10)).toBe(-0x20);
    expect(seqMax(0xfffffff0, 0x10)).toBe(0x10);
    expect(seqMin(0xfffffff0, 0x10)).toBe(0xfffffff0);
  });

  it("checks ranges that straddle zero", () => {
    expect(seqInRange(0, 0xfffffff0, 0x10)).toBe(true);
    expect(seqInRange(0xfffffff0, 0xfffffff0, 0x10)).toBe(true);
    expect(seqInRange(0x10, 0xfffffff0, 0x10)).toBe(false);
    expect(seqInRange(0x11, 0xfffffff0, 0x10)).toBe(false);
  });

  it("treats distances just under 2^31 as ahead", () => {
    expect(seqGt(seqAdd(1000, 0x7fffffff), 1000)).toBe(true);
    expect(seqLt(seqAdd(1000, 0x80000001), 1000)).toBe(true);
  });
});
