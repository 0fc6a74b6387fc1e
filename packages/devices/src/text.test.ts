import { describe, expect, it } from "vitest";
import { utf8Decode, utf8Encode } from "./text.ts";

describe("utf8", () => {
  it("encodes like the WHATWG encoder", () => {
    for (const s of ["", "hello", "é", "€", "𝄞", "mixed é€𝄞 text", "\u0000", "a\u{10FFFF}b", "\ud800", "x\udc00y", "\ud83d"]) {
      expect(Array.from(utf8Encode(s))).toEqual(Array.from(new TextEncoder().encode(s)));
    }
    expect(Array.from(utf8Encode("\ud800"))).toEqual([0xef, 0xbf, 0xbd]);
  });

  it("decodes like TextDecoder, replacing invalid sequences", () => {
    const cases = [[0x68, 0x69], [0xc3, 0xa9], [0xf0, 0x9d, 0x84, 0x9e], [0xff], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x61, 0xf0, 0x9d, 0x62]];
    for (const c of cases) {
      const bytes = Uint8Array.from(c);
      expect(utf8Decode(bytes), JSON.stringify(c)).toBe(new TextDecoder().decode(bytes));
    }
  });
});
