import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dictionaryDigest, valueDigest } from "./digest.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe("digests", () => {
  it("hashes values with SHA-256 (FIPS 180-2 vectors)", () => {
    expect(hex(valueDigest(new Uint8Array(0)))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(valueDigest(ascii("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashes a dictionary's sorted listing: kind, name length, name, child digest", () => {
    const dA = valueDigest(ascii("A"));
    const dSub = dictionaryDigest([]);
    const got = dictionaryDigest([
      ["sub", "dictionary", dSub],
      ["a", "value", dA],
    ]);
    const expected = createHash("sha256")
      .update(Buffer.from([0x76, 0, 0, 0, 1]))
      .update("a")
      .update(dA)
      .update(Buffer.from([0x64, 0, 0, 0, 3]))
      .update("sub")
      .update(dSub)
      .digest("hex");
    expect(hex(got)).toBe(expected);
    expect(hex(dSub)).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("changes with names, kinds and contents", () => {
    const d = valueDigest(ascii("x"));
    const base = hex(dictionaryDigest([["a", "value", d]]));
    expect(hex(dictionaryDigest([["b", "value", d]]))).not.toBe(base);
    expect(hex(dictionaryDigest([["a", "dictionary", d]]))).not.toBe(base);
    expect(hex(dictionaryDigest([["a", "value", valueDigest(ascii("y"))]]))).not.toBe(base);
  });
});
