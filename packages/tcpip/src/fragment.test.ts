import { describe, expect, it } from "vitest";
import { fragmentSpans } from "./fragment.ts";

describe("fragmentSpans", () => {
  it("splits into 8-byte aligned pieces that fit the MTU", () => {
    // A 4008-byte ICMP message (4000 data bytes) over a 1500-byte MTU, as ping -s 4000 does.
    expect(fragmentSpans(4008, 1500)).toEqual([
      { offset: 0, length: 1480, more: true },
      { offset: 1480, length: 1480, more: true },
      { offset: 2960, length: 1048, more: false },
    ]);
    // 576-byte MTU: 556 bytes of room round down to 552.
    expect(fragmentSpans(1000, 576).map((s) => s.length)).toEqual([552, 448]);
    expect(fragmentSpans(0, 1500)).toEqual([{ offset: 0, length: 0, more: false }]);
    expect(() => fragmentSpans(100, 24)).toThrow(RangeError);
  });
});
