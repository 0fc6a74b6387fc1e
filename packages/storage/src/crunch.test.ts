import { describe, expect, it } from "vitest";
import { crunchStore } from "./crunch.ts";
import type { CrunchData } from "./crunch.ts";
import { dictionaryDigest, valueDigest } from "./digest.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const DATA: CrunchData = {
  files: [
    { path: "index.html", mtimeMs: 1000, base64: "PGgxPmhpPC9oMT4=" }, // "<h1>hi</h1>"
    { path: "css/site.css", mtimeMs: 3000, base64: "Ym9keXt9" }, // "body{}"
    { path: "css/empty", mtimeMs: 2000, base64: "" },
  ],
};

describe("crunchStore", () => {
  it("serves the crunched files", async () => {
    const kv = crunchStore(DATA);
    expect(await kv.get("/index.html")).toEqual({ ok: true, value: bytes("<h1>hi</h1>") });
    expect(await kv.get("css/site.css")).toEqual({ ok: true, value: bytes("body{}") });
    expect(await kv.get("css/empty")).toEqual({ ok: true, value: bytes("") });
    expect(await kv.getPartial("index.html", 4, 2)).toEqual({ ok: true, value: bytes("hi") });
    expect(await kv.size("index.html")).toEqual({ ok: true, value: 11 });
    expect(await kv.size("css/site.css")).toEqual({ ok: true, value: 6 });
    expect(await kv.size("css/empty")).toEqual({ ok: true, value: 0 });
    expect(await kv.list("/")).toEqual({ ok: true, value: [["css", "dictionary"], ["index.html", "value"]] });
    expect(await kv.list("css")).toEqual({ ok: true, value: [["empty", "value"], ["site.css", "value"]] });
    expect(await kv.exists("css")).toEqual({ ok: true, value: "dictionary" });
    expect(await kv.exists("index.html/x")).toEqual({ ok: true, value: null });
  });

  it("has read-only errors and refuses traversal", async () => {
    const kv = crunchStore(DATA);
    expect(await kv.get("nope")).toEqual({ ok: false, error: { code: "not_found", message: `no entry at "/nope"` } });
    expect(await kv.get("css")).toMatchObject({ ok: false, error: { code: "value_expected" } });
    expect(await kv.list("index.html")).toMatchObject({ ok: false, error: { code: "dictionary_expected" } });
    expect(await kv.get("../index.html")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(await kv.get("css/../index.html")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(await kv.get("./index.html")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect("set" in kv).toBe(false);
  });

  it("gives files their mtime and dictionaries the newest below them", async () => {
    const kv = crunchStore(DATA);
    expect(await kv.lastModified("index.html")).toEqual({ ok: true, value: 1000 });
    expect(await kv.lastModified("css/empty")).toEqual({ ok: true, value: 2000 });
    expect(await kv.lastModified("css")).toEqual({ ok: true, value: 3000 });
    expect(await kv.lastModified("/")).toEqual({ ok: true, value: 3000 });
    expect(await crunchStore({ files: [] }).lastModified("/")).toEqual({ ok: true, value: 0 });
    expect(await crunchStore({ files: [] }).list("/")).toEqual({ ok: true, value: [] });
  });

  it("digests like every other store", async () => {
    const kv = crunchStore(DATA);
    const css = dictionaryDigest([
      ["empty", "value", valueDigest(bytes(""))],
      ["site.css", "value", valueDigest(bytes("body{}"))],
    ]);
    expect(await kv.digest("css")).toEqual({ ok: true, value: css });
    expect(await kv.digest("/")).toEqual({
      ok: true,
      value: dictionaryDigest([["css", "dictionary", css], ["index.html", "value", valueDigest(bytes("<h1>hi</h1>"))]]),
    });
  });

  it("rejects bad data at construction", () => {
    const one = (path: string, base64 = "") => ({ files: [{ path, mtimeMs: 0, base64 }] });
    expect(() => crunchStore(one("../x"))).toThrow(new TypeError(`crunchStore: invalid key "../x": '..' segment (keys cannot leave the store's root)`));
    expect(() => crunchStore(one(""))).toThrow(new TypeError(`crunchStore: file path "" names the root`));
    expect(() => crunchStore(one("a", "abc"))).toThrow(new TypeError(`crunchStore: "a" has base64 of length 3, not a multiple of 4`));
    expect(() => crunchStore({ files: [{ path: "a", mtimeMs: NaN, base64: "" }] })).toThrow(TypeError);
    expect(() =>
      crunchStore({ files: [{ path: "a", mtimeMs: 0, base64: "" }, { path: "/a", mtimeMs: 0, base64: "" }] }),
    ).toThrow(new TypeError(`crunchStore: "/a" appears twice, or as both a file and a folder`));
    expect(() =>
      crunchStore({ files: [{ path: "a", mtimeMs: 0, base64: "" }, { path: "a/b", mtimeMs: 0, base64: "" }] }),
    ).toThrow(new TypeError(`crunchStore: "a/b" needs "/a" to be a folder, but it is a file`));
    expect(() =>
      crunchStore({ files: [{ path: "a/b", mtimeMs: 0, base64: "" }, { path: "a", mtimeMs: 0, base64: "" }] }),
    ).toThrow(TypeError);
  });

  it("reports corrupt base64 as io when first read", async () => {
    const kv = crunchStore({ files: [{ path: "bad", mtimeMs: 0, base64: "Zm-v" }] });
    expect(await kv.size("bad")).toEqual({ ok: true, value: 3 });
    expect(await kv.get("bad")).toEqual({
      ok: false,
      error: { code: "io", message: `crunched file "/bad" is corrupt: invalid base64: character "-" at offset 2` },
    });
    expect(await kv.digest("/")).toMatchObject({ ok: false, error: { code: "io" } });
  });
});
