import { describe, expect, it } from "vitest";
import { TokenBucket, mayAnswerWithError } from "./icmp.ts";

describe("TokenBucket", () => {
  it("allows a burst, then the rate", () => {
    const b = new TokenBucket({ perSecond: 10, burst: 3 });
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual([true, true, true, false]);
    expect(b.take(50e6)).toBe(false); // half a token
    expect(b.take(100e6)).toBe(true);
    expect(b.take(100e6)).toBe(false);
    expect(b.take(10e9)).toBe(true); // refilled, capped at the burst
    expect(b.take(10e9) && b.take(10e9)).toBe(true);
    expect(b.take(10e9)).toBe(false);
  });
});

describe("mayAnswerWithError (RFC 1122 section 3.2.2)", () => {
  const base = { src: 0x0a000001, dstIsBroadcast: false, fragmentOffset: 0, protocol: 17, firstTransportByte: 0 };
  it("answers ordinary unicast datagrams", () => {
    expect(mayAnswerWithError(base)).toBe(true);
    expect(mayAnswerWithError({ ...base, protocol: 1, firstTransportByte: 8 })).toBe(true); // echo request
  });
  it("never answers errors, broadcasts, later fragments or non-host sources", () => {
    expect(mayAnswerWithError({ ...base, protocol: 1, firstTransportByte: 3 })).toBe(false);
    expect(mayAnswerWithError({ ...base, dstIsBroadcast: true })).toBe(false);
    expect(mayAnswerWithError({ ...base, fragmentOffset: 8 })).toBe(false);
    expect(mayAnswerWithError({ ...base, src: 0 })).toBe(false);
    expect(mayAnswerWithError({ ...base, src: 0xe0000001 })).toBe(false);
    expect(mayAnswerWithError({ ...base, src: 0xffffffff })).toBe(false);
  });
});
