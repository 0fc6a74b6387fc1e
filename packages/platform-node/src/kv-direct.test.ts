import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MirageError } from "@mirage-ts/devices";
import type { KvRo } from "@mirage-ts/devices";
import { crunchStore, dictionaryDigest, encodeBase64, valueDigest } from "@mirage-ts/storage";
import { directKvRo } from "./kv-direct.ts";

const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

let base: string;
let root: string;
let kv: KvRo;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "kv-direct-"));
  root = join(base, "root");
  await mkdir(join(root, "css"), { recursive: true });
  await writeFile(join(root, "index.html"), "<h1>hi</h1>");
  await writeFile(join(root, "css", "site.css"), "body{}");
  await writeFile(join(base, "secret"), "outside");
  await mkdir(join(base, "outdir"));
  await symlink(join(base, "secret"), join(root, "escape"));
  await symlink(join(base, "outdir"), join(root, "escape-dir"));
  await symlink("css/site.css", join(root, "alias.css")); // stays inside: allowed
  await symlink("nowhere", join(root, "dangling"));
  await utimes(join(root, "index.html"), 1_700_000_000, 1_700_000_000.5);
  kv = await directKvRo(root);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("directKvRo", () => {
  it("refuses a missing folder or a file", async () => {
    await expect(directKvRo(join(base, "missing"))).rejects.toThrow(new MirageError("device", `directKvRo ${join(base, "missing")}: no such folder`));
    await expect(directKvRo(join(base, "secret"))).rejects.toThrow(`directKvRo ${join(base, "secret")}: not a directory`);
    await expect(directKvRo(join(base, "secret"))).rejects.toBeInstanceOf(MirageError);
  });

  it("reads files, sizes and partial ranges", async () => {
    expect(await kv.get("index.html")).toEqual({ ok: true, value: bytes("<h1>hi</h1>") });
    expect(await kv.get("/css/site.css")).toEqual({ ok: true, value: bytes("body{}") });
    expect(await kv.get("alias.css")).toEqual({ ok: true, value: bytes("body{}") });
    expect(await kv.size("index.html")).toEqual({ ok: true, value: 11 });
    expect(await kv.getPartial("index.html", 4, 2)).toEqual({ ok: true, value: bytes("hi") });
    expect(await kv.getPartial("index.html", 9, 100)).toEqual({ ok: true, value: bytes("1>") });
    expect(await kv.getPartial("index.html", 100, 1)).toEqual({ ok: true, value: bytes("") });
    await expect(kv.getPartial("index.html", -1, 1)).rejects.toThrow(RangeError);
  });

  it("lists servable entries only, sorted", async () => {
    expect(await kv.list("/")).toEqual({ ok: true, value: [["alias.css", "value"], ["css", "dictionary"], ["index.html", "value"]] });
    expect(await kv.list("css")).toEqual({ ok: true, value: [["site.css", "value"]] });
    expect(await kv.exists("/")).toEqual({ ok: true, value: "dictionary" });
    expect(await kv.exists("css")).toEqual({ ok: true, value: "dictionary" });
    expect(await kv.exists("index.html")).toEqual({ ok: true, value: "value" });
    expect(await kv.exists("nope")).toEqual({ ok: true, value: null });
    expect(await kv.exists("dangling")).toEqual({ ok: true, value: null });
    expect(await kv.exists("index.html/x")).toEqual({ ok: true, value: null });
  });

  it("returns the usual error codes", async () => {
    expect(await kv.get("nope")).toEqual({ ok: false, error: { code: "not_found", message: `no entry at "/nope"` } });
    expect(await kv.get("index.html/x")).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(await kv.get("css")).toEqual({ ok: false, error: { code: "value_expected", message: `"/css" is a dictionary, not a value` } });
    expect(await kv.size("css")).toMatchObject({ ok: false, error: { code: "value_expected" } });
    expect(await kv.list("index.html")).toEqual({ ok: false, error: { code: "dictionary_expected", message: `"/index.html" is a value, not a dictionary` } });
  });

  it("refuses traversal and links that leave the root", async () => {
    for (const key of ["../secret", "/css/../../secret", "css/./site.css", "css//site.css", "index.html\0"]) {
      expect(await kv.get(key)).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    }
    expect(await kv.get("escape")).toEqual({
      ok: false,
      error: { code: "invalid_key", message: `invalid key "/escape": it leads outside the store's root through a symbolic link` },
    });
    expect(await kv.exists("escape")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
    expect(await kv.list("escape-dir")).toMatchObject({ ok: false, error: { code: "invalid_key" } });
  });

  it("reports mtimes in whole milliseconds", async () => {
    expect(await kv.lastModified("index.html")).toEqual({ ok: true, value: 1_700_000_000_500 });
    const dir = await kv.lastModified("css");
    expect(dir.ok && dir.value > 0).toBe(true);
  });

  it("digests exactly like the pure stores", async () => {
    const css = dictionaryDigest([["site.css", "value", valueDigest(bytes("body{}"))]]);
    expect(await kv.digest("css/site.css")).toEqual({ ok: true, value: valueDigest(bytes("body{}")) });
    expect(await kv.digest("css")).toEqual({ ok: true, value: css });
    const crunched = crunchStore({
      files: [
        { path: "alias.css", mtimeMs: 0, base64: encodeBase64(bytes("body{}")) },
        { path: "css/site.css", mtimeMs: 0, base64: encodeBase64(bytes("body{}")) },
        { path: "index.html", mtimeMs: 0, base64: encodeBase64(bytes("<h1>hi</h1>")) },
      ],
    });
    expect(await kv.digest("/")).toEqual(await crunched.digest("/"));
  });

  it("reports a link loop in a digest as io", async () => {
    const loopRoot = join(base, "loop");
    await mkdir(join(loopRoot, "d"), { recursive: true });
    await symlink("..", join(loopRoot, "d", "up"));
    const loop = await directKvRo(loopRoot);
    expect(await loop.list("d/up/d")).toEqual({ ok: true, value: [["up", "dictionary"]] });
    expect(await loop.digest("/")).toMatchObject({ ok: false, error: { code: "io", message: `"/d/up": symbolic link loop` } });
  });
});
