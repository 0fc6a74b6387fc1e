import { describe, expect, it } from "vitest";
import type { KvRw } from "@mirage-ts/devices";
import { kvRwMem } from "./kv-mem.ts";
import { dictionaryDigest, valueDigest } from "./digest.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const OK = { ok: true, value: undefined };

/** A fake clock: 1000, 1001, ... one tick per call. */
function clock(): () => number {
  let t = 1000;
  return () => t++;
}

async function store(): Promise<KvRw> {
  const kv = kvRwMem({ now: clock() }); // root created at 1000
  expect(await kv.set("/a/b.txt", bytes("hello"))).toEqual(OK); // 1001
  expect(await kv.set("c", bytes(""))).toEqual(OK); // 1002
  return kv;
}

describe("kvRwMem reads", () => {
  it("gets, sizes and lists", async () => {
    const kv = await store();
    expect(await kv.get("a/b.txt")).toEqual({ ok: true, value: bytes("hello") });
    expect(await kv.get("/a/b.txt/")).toEqual({ ok: true, value: bytes("hello") });
    expect(await kv.get("c")).toEqual({ ok: true, value: bytes("") });
    expect(await kv.size("a/b.txt")).toEqual({ ok: true, value: 5 });
    expect(await kv.list("/")).toEqual({ ok: true, value: [["a", "dictionary"], ["c", "value"]] });
    expect(await kv.list("")).toEqual({ ok: true, value: [["a", "dictionary"], ["c", "value"]] });
    expect(await kv.list("a")).toEqual({ ok: true, value: [["b.txt", "value"]] });
  });

  it("says what exists", async () => {
    const kv = await store();
    expect(await kv.exists("/")).toEqual({ ok: true, value: "dictionary" });
    expect(await kv.exists("a")).toEqual({ ok: true, value: "dictionary" });
    expect(await kv.exists("a/b.txt")).toEqual({ ok: true, value: "value" });
    expect(await kv.exists("nope")).toEqual({ ok: true, value: null });
    expect(await kv.exists("c/under-a-value")).toEqual({ ok: true, value: null });
    expect(await kv.exists("../x")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
  });

  it("reads parts", async () => {
    const kv = await store();
    expect(await kv.getPartial("a/b.txt", 1, 3)).toEqual({ ok: true, value: bytes("ell") });
    expect(await kv.getPartial("a/b.txt", 3, 100)).toEqual({ ok: true, value: bytes("lo") });
    expect(await kv.getPartial("a/b.txt", 5, 1)).toEqual({ ok: true, value: bytes("") });
    expect(await kv.getPartial("a/b.txt", 99, 1)).toEqual({ ok: true, value: bytes("") });
    expect(await kv.getPartial("a/b.txt", 0, 0)).toEqual({ ok: true, value: bytes("") });
    await expect(kv.getPartial("a/b.txt", -1, 1)).rejects.toThrow(new RangeError("getPartial: offset must be a non-negative integer, got -1"));
    await expect(kv.getPartial("a/b.txt", 0, 1.5)).rejects.toThrow(new RangeError("getPartial: length must be a non-negative integer, got 1.5"));
    expect(await kv.getPartial("a", 0, 1)).toMatchObject({ ok: false, error: { code: "value_expected" } });
  });

  it("returns every read error code", async () => {
    const kv = await store();
    expect(await kv.get("nope")).toEqual({ ok: false, error: { code: "not_found", message: `no entry at "/nope"` } });
    expect(await kv.get("c/x")).toEqual({ ok: false, error: { code: "not_found", message: `no entry at "/c/x"` } });
    expect(await kv.get("a")).toEqual({ ok: false, error: { code: "value_expected", message: `"/a" is a dictionary, not a value` } });
    expect(await kv.size("/")).toEqual({ ok: false, error: { code: "value_expected", message: `"/" is a dictionary, not a value` } });
    expect(await kv.list("c")).toEqual({ ok: false, error: { code: "dictionary_expected", message: `"/c" is a value, not a dictionary` } });
    expect(await kv.lastModified("nope")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await kv.digest("nope")).toMatchObject({ ok: false, error: { code: "not_found" } });
    for (const key of ["../x", "/a/../../b", "a/./b", "a//b", "a\0b"]) {
      expect(await kv.get(key)).toMatchObject({ ok: false, error: { code: "invalid_key" } });
      expect(await kv.set(key, bytes("x"))).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    }
  });

  it("hands out copies and stores copies", async () => {
    const kv = kvRwMem();
    const input = bytes("abc");
    await kv.set("k", input);
    input[0] = 0x7a;
    const first = await kv.get("k");
    if (first.ok) first.value[1] = 0x7a;
    expect(await kv.get("k")).toEqual({ ok: true, value: bytes("abc") });
    const d = await kv.digest("k");
    if (d.ok) d.value.fill(0);
    expect(await kv.digest("k")).toEqual({ ok: true, value: valueDigest(bytes("abc")) });
  });
});

describe("kvRwMem writes", () => {
  it("replaces values and creates parents", async () => {
    const kv = await store();
    expect(await kv.set("a/b.txt", bytes("bye"))).toEqual(OK);
    expect(await kv.get("a/b.txt")).toEqual({ ok: true, value: bytes("bye") });
    expect(await kv.set("x/y/z", bytes("deep"))).toEqual(OK);
    expect(await kv.list("x")).toEqual({ ok: true, value: [["y", "dictionary"]] });
    expect(await kv.get("/x/y/z")).toEqual({ ok: true, value: bytes("deep") });
  });

  it("refuses to set through or over the wrong kind", async () => {
    const kv = await store();
    expect(await kv.set("c/d/e", bytes("x"))).toEqual({ ok: false, error: { code: "dictionary_expected", message: `"/c" is a value, not a dictionary` } });
    expect(await kv.list("/")).toEqual({ ok: true, value: [["a", "dictionary"], ["c", "value"]] });
    expect(await kv.set("a", bytes("x"))).toEqual({ ok: false, error: { code: "value_expected", message: `"/a" is a dictionary, not a value` } });
    expect(await kv.set("/", bytes("x"))).toEqual({ ok: false, error: { code: "value_expected", message: `"/" is a dictionary, not a value` } });
    await expect(kv.set("k", "text" as unknown as Uint8Array)).rejects.toThrow(TypeError);
  });

  it("removes values and dictionaries recursively", async () => {
    const kv = await store();
    expect(await kv.remove("a/b.txt")).toEqual(OK);
    expect(await kv.list("a")).toEqual({ ok: true, value: [] });
    expect(await kv.set("a/q/r", bytes("1"))).toEqual(OK);
    expect(await kv.remove("/a")).toEqual(OK);
    expect(await kv.exists("a/q/r")).toEqual({ ok: true, value: null });
    expect(await kv.list("/")).toEqual({ ok: true, value: [["c", "value"]] });
    expect(await kv.remove("a")).toEqual({ ok: false, error: { code: "not_found", message: `no entry at "/a"` } });
    expect(await kv.remove("c/x")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await kv.remove("../c")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(await kv.remove("/")).toEqual(OK);
    expect(await kv.list("/")).toEqual({ ok: true, value: [] });
  });

  it("renames values and dictionaries", async () => {
    const kv = await store();
    expect(await kv.rename("a/b.txt", "d/e.txt")).toEqual(OK);
    expect(await kv.get("d/e.txt")).toEqual({ ok: true, value: bytes("hello") });
    expect(await kv.exists("a/b.txt")).toEqual({ ok: true, value: null });
    expect(await kv.rename("d", "a/moved")).toEqual(OK);
    expect(await kv.get("a/moved/e.txt")).toEqual({ ok: true, value: bytes("hello") });
    expect(await kv.list("/")).toEqual({ ok: true, value: [["a", "dictionary"], ["c", "value"]] });
    // Replaces a value.
    expect(await kv.rename("c", "a/moved/e.txt")).toEqual(OK);
    expect(await kv.get("a/moved/e.txt")).toEqual({ ok: true, value: bytes("") });
    expect(await kv.list("/")).toEqual({ ok: true, value: [["a", "dictionary"]] });
    // Same key: nothing to do.
    expect(await kv.rename("a", "/a/")).toEqual(OK);
    expect(await kv.exists("a/moved/e.txt")).toEqual({ ok: true, value: "value" });
  });

  it("returns every rename error code", async () => {
    const kv = await store();
    expect(await kv.rename("a", "a/inside")).toEqual({
      ok: false,
      error: { code: "rename_source_prefix", message: `cannot rename "/a" to "/a/inside": the destination is inside the source` },
    });
    expect(await kv.rename("/", "x")).toMatchObject({ ok: false, error: { code: "rename_source_prefix" } });
    expect(await kv.rename("c", "c/x")).toMatchObject({ ok: false, error: { code: "rename_source_prefix" } });
    expect(await kv.rename("c", "a")).toEqual({
      ok: false,
      error: { code: "already_present", message: `cannot rename "/c": "/a" is an existing dictionary` },
    });
    expect(await kv.rename("a/b.txt", "/")).toMatchObject({ ok: false, error: { code: "already_present" } });
    expect(await kv.rename("a/b.txt", "c/x")).toEqual({ ok: false, error: { code: "dictionary_expected", message: `"/c" is a value, not a dictionary` } });
    expect(await kv.rename("nope", "x")).toEqual({ ok: false, error: { code: "not_found", message: `no entry at "/nope"` } });
    expect(await kv.rename("../a", "x")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(await kv.rename("a", "x/../../y")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    // Nothing moved.
    expect(await kv.get("a/b.txt")).toEqual({ ok: true, value: bytes("hello") });
    expect(await kv.get("c")).toEqual({ ok: true, value: bytes("") });
  });
});

describe("kvRwMem lastModified", () => {
  it("stamps values when set and dictionaries when anything below changes", async () => {
    const kv = await store();
    expect(await kv.lastModified("a/b.txt")).toEqual({ ok: true, value: 1001 });
    expect(await kv.lastModified("a")).toEqual({ ok: true, value: 1001 });
    expect(await kv.lastModified("c")).toEqual({ ok: true, value: 1002 });
    expect(await kv.lastModified("/")).toEqual({ ok: true, value: 1002 });
    expect(await kv.set("a/n", bytes(""))).toEqual(OK); // 1003
    expect(await kv.lastModified("a")).toEqual({ ok: true, value: 1003 });
    expect(await kv.lastModified("a/b.txt")).toEqual({ ok: true, value: 1001 });
    expect(await kv.remove("a/n")).toEqual(OK); // 1004
    expect(await kv.lastModified("a")).toEqual({ ok: true, value: 1004 });
    expect(await kv.rename("a/b.txt", "z/b.txt")).toEqual(OK); // 1005, keeps the value's own time
    expect(await kv.lastModified("z/b.txt")).toEqual({ ok: true, value: 1001 });
    expect(await kv.lastModified("z")).toEqual({ ok: true, value: 1005 });
    expect(await kv.lastModified("a")).toEqual({ ok: true, value: 1005 });
    expect(await kv.lastModified("/")).toEqual({ ok: true, value: 1005 });
  });

  it("defaults to Date.now", async () => {
    const before = Date.now();
    const kv = kvRwMem();
    await kv.set("k", bytes("v"));
    const t = await kv.lastModified("k");
    expect(t.ok && t.value >= before && t.value <= Date.now()).toBe(true);
  });
});

describe("kvRwMem digests", () => {
  it("digests values and dictionaries, and follows changes", async () => {
    const kv = await store();
    const dB = valueDigest(bytes("hello"));
    const dA = dictionaryDigest([["b.txt", "value", dB]]);
    const dRoot = dictionaryDigest([["a", "dictionary", dA], ["c", "value", valueDigest(bytes(""))]]);
    expect(await kv.digest("a/b.txt")).toEqual({ ok: true, value: dB });
    expect(await kv.digest("a")).toEqual({ ok: true, value: dA });
    expect(await kv.digest("/")).toEqual({ ok: true, value: dRoot });
    expect(Buffer.from(dB).toString("hex")).toBe("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
    await kv.set("a/b.txt", bytes("HELLO"));
    const dA2 = dictionaryDigest([["b.txt", "value", valueDigest(bytes("HELLO"))]]);
    expect(await kv.digest("a")).toEqual({ ok: true, value: dA2 });
    expect(await kv.digest("/")).toEqual({
      ok: true,
      value: dictionaryDigest([["a", "dictionary", dA2], ["c", "value", valueDigest(bytes(""))]]),
    });
    await kv.rename("a", "b");
    expect(await kv.digest("/")).toEqual({
      ok: true,
      value: dictionaryDigest([["b", "dictionary", dA2], ["c", "value", valueDigest(bytes(""))]]),
    });
    await kv.remove("b");
    expect(await kv.digest("/")).toEqual({ ok: true, value: dictionaryDigest([["c", "value", valueDigest(bytes(""))]]) });
  });
});
