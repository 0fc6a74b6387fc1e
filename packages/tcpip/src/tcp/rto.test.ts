import { describe, expect, it } from "vitest";
import { RtoEstimator } from "./rto.ts";

const MS = 1_000_000;
const bounds = { initial: 1000 * MS, min: 200 * MS, max: 60_000 * MS };

describe("RtoEstimator (RFC 6298)", () => {
  it("starts at the initial RTO and backs off exponentially up to the maximum", () => {
    const r = new RtoEstimator(bounds);
    expect(r.rto()).toBe(1000 * MS);
    r.backoff();
    expect(r.rto()).toBe(2000 * MS);
    r.backoff();
    r.backoff();
    expect(r.rto()).toBe(8000 * MS);
    for (let i = 0; i < 20; i++) r.backoff();
    expect(r.rto()).toBe(60_000 * MS);
    r.resetBackoff();
    expect(r.rto()).toBe(1000 * MS);
  });

  it("computes SRTT and RTTVAR from the first and later samples", () => {
    const r = new RtoEstimator(bounds);
    r.sample(400 * MS);
    expect(r.srtt).toBe(400 * MS);
    expect(r.rttvar).toBe(200 * MS);
    expect(r.rto()).toBe(400 * MS + 800 * MS);
    r.sample(200 * MS);
    // RTTVAR = 3/4*200 + 1/4*|400-200| = 200; SRTT = 7/8*400 + 1/8*200 = 375.
    expect(r.rttvar).toBeCloseTo(200 * MS);
    expect(r.srtt).toBeCloseTo(375 * MS);
    expect(r.rto()).toBeCloseTo(1175 * MS);
  });

  it("clamps to the minimum and a sample clears the backoff", () => {
    const r = new RtoEstimator(bounds);
    for (let i = 0; i < 50; i++) r.sample(1 * MS);
    expect(r.rto()).toBe(200 * MS);
    r.backoff();
    expect(r.rto()).toBe(400 * MS);
    r.sample(1 * MS);
    expect(r.rto()).toBe(200 * MS);
  });
});
