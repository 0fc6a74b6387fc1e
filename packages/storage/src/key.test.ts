import { describe, expect, it } from "vitest";
import { compareNames, keyToString, parseKey } from "./key.ts";

describe("parseKey", () => {
  it("accepts keys with or without a leading slash, and one trailing slash", () => {
    expect(parseKey("/a/b")).toEqual({ ok: true, value: ["a", "b"] });
    expect(parseKey("a/b")).toEqual({ ok: true, value: ["a", "b"] });
    expect(parseKey("a/b/")).toEqual({ ok: true, value: ["a", "b"] });
    expect(parseKey("/a.txt")).toEqual({ ok: true, value: ["a.txt"] });
    expect(parseKey("...")).toEqual({ ok: true, value: ["..."] });
    expect(parseKey(".hidden/..x")).toEqual({ ok: true, value: [".hidden", "..x"] });
    expect(parseKey("with space/ü")).toEqual({ ok: true, value: ["with space", "ü"] });
  });

  it("treats '' and '/' as the root", () => {
    expect(parseKey("")).toEqual({ ok: true, value: [] });
    expect(parseKey("/")).toEqual({ ok: true, value: [] });
  });

  it("rejects traversal with '..'", () => {
    expect(parseKey("../x")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "../x": '..' segment (keys cannot leave the store's root)` },
    });
    expect(parseKey("/a/../../b")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "/a/../../b": '..' segment (keys cannot leave the store's root)` },
    });
    expect(parseKey("..")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(parseKey("a/..")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
  });

  it("rejects '.' segments rather than normalising them", () => {
    expect(parseKey("a/./b")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "a/./b": '.' segment (write the key without it)` },
    });
    expect(parseKey(".")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(parseKey("/./")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
  });

  it("rejects empty segments", () => {
    expect(parseKey("a//b")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "a//b": empty segment between slashes` },
    });
    expect(parseKey("//")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "//": empty segment between slashes` },
    });
    expect(parseKey("//a")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(parseKey("a//")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
  });

  it("rejects NUL and quotes it escaped", () => {
    expect(parseKey("a\0b")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "a\\u0000b": NUL character` },
    });
    expect(parseKey("\0")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
  });
});

describe("keyToString and compareNames", () => {
  it("spells keys canonically", () => {
    expect(keyToString([])).toBe("/");
    expect(keyToString(["a", "b"])).toBe("/a/b");
  });

  it("orders by code units", () => {
    expect(["b", "B", "a", "a0", "_"].sort(compareNames)).toEqual(["B", "_", "a", "a0", "b"]);
    expect(compareNames("x", "x")).toBe(0);
  });
});
