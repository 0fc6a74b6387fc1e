import { describe, expect, it } from "vitest";
import { decodeBase64, encodeBase64 } from "./base64.ts";

const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

// RFC 4648 section 10.
const VECTORS: Array<[string, string]> = [
  ["", ""],
  ["f", "Zg=="],
  ["fo", "Zm8="],
  ["foo", "Zm9v"],
  ["foob", "Zm9vYg=="],
  ["fooba", "Zm9vYmE="],
  ["foobar", "Zm9vYmFy"],
];

describe("base64", () => {
  it.each(VECTORS)("RFC 4648 vector %j <-> %j", (plain, encoded) => {
    expect(encodeBase64(ascii(plain))).toBe(encoded);
    expect(decodeBase64(encoded)).toEqual({ ok: true, value: ascii(plain) });
  });

  it("uses the standard alphabet, including + and /", () => {
    expect(encodeBase64(Uint8Array.of(0xfb, 0xff, 0xbf))).toBe("+/+/");
    expect(decodeBase64("+/+/")).toEqual({ ok: true, value: Uint8Array.of(0xfb, 0xff, 0xbf) });
  });

  it("round-trips every byte value and every length up to 100", () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(decodeBase64(encodeBase64(all))).toEqual({ ok: true, value: all });
    for (let n = 0; n <= 100; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = encodeBase64(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64"));
      expect(decodeBase64(text)).toEqual({ ok: true, value: bytes });
    }
  });

  it("round-trips large inputs (chunked encoding)", () => {
    const bytes = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 7919) & 0xff);
    const text = encodeBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString("base64"));
    const back = decodeBase64(text);
    expect(back.ok && Buffer.from(back.value).equals(bytes)).toBe(true);
  });

  it("rejects bad input with invalid_base64", () => {
    const bad = (text: string, message: string) =>
      expect(decodeBase64(text)).toEqual({ ok: false, error: { code: "invalid_base64", message: `invalid base64: ${message}` } });
    bad("Zg=", "length 3 is not a multiple of 4");
    bad("Zm9", "length 3 is not a multiple of 4");
    bad("Zm9v\n", "length 5 is not a multiple of 4");
    bad("Zm 9", `character " " at offset 2`);
    bad("Zm9-", `character "-" at offset 3`);
    bad("Zm9_", `character "_" at offset 3`);
    bad("Zmé9", `character "é" at offset 2`);
    bad("=Zm9", "padding '=' before the end at offset 0");
    bad("Zg==Zm9v", "padding '=' before the end at offset 2");
    bad("Z===", "padding '=' before the end at offset 1");
    bad("====", "padding '=' before the end at offset 0");
    bad("Zm=v", "padding '=' before the end at offset 2");
    // Non-canonical: unused bits must be zero (RFC 4648 section 3.5).
    bad("Zh==", "non-zero padding bits at offset 1");
    bad("Zm9=", "non-zero padding bits at offset 2");
  });
});
