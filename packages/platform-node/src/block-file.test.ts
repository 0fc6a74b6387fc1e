import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MirageError } from "@mirage-ts/devices";
import { blockOfFile } from "./block-file.ts";

const OK = { ok: true, value: undefined };
let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), "block-file-"));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

async function image(name: string, size: number): Promise<string> {
  const path = join(base, name);
  await writeFile(path, new Uint8Array(size));
  return path;
}

describe("blockOfFile", () => {
  it("refuses files of the wrong shape with one-line messages", async () => {
    const missing = join(base, "disk.img");
    await expect(blockOfFile(missing)).rejects.toThrow(
      new MirageError("device", `block device ${missing}: no such file (create it with e.g. \`truncate -s 1M ${missing}\`)`),
    );
    await expect(blockOfFile(missing)).rejects.toMatchObject({ name: "MirageError", code: "device" });
    await expect(blockOfFile(base)).rejects.toThrow(`block device ${base}: not a regular file`);
    const odd = await image("odd.img", 1000);
    await expect(blockOfFile(odd)).rejects.toThrow(`block device ${odd}: size 1000 bytes is not a positive multiple of 512`);
    const empty = await image("empty.img", 0);
    await expect(blockOfFile(empty)).rejects.toThrow(`block device ${empty}: size 0 bytes is not a positive multiple of 512`);
  });

  it("reads and writes whole sectors at their positions", async () => {
    const path = await image("rw.img", 4 * 512);
    const disk = await blockOfFile(path);
    expect(disk.info).toEqual({ sectorSize: 512, sectorCount: 4, readWrite: true });
    const data = Uint8Array.from({ length: 1024 }, (_, i) => (i * 7) & 0xff);
    expect(await disk.write(2, data)).toEqual(OK);
    const back = new Uint8Array(1024).fill(0xaa);
    expect(await disk.read(2, back)).toEqual(OK);
    expect(back).toEqual(data);
    const first = new Uint8Array(512).fill(0xaa);
    expect(await disk.read(0, first)).toEqual(OK);
    expect(first.every((b) => b === 0)).toBe(true);
    await disk.disconnect();
    const onDisk = await readFile(path);
    expect(onDisk.length).toBe(2048);
    expect(new Uint8Array(onDisk.subarray(1024))).toEqual(data);
  });

  it("returns the ramdisk's typed errors for bad requests", async () => {
    const path = await image("bad.img", 4 * 512);
    const disk = await blockOfFile(path);
    expect(await disk.read(4, new Uint8Array(512))).toEqual({
      ok: false,
      error: { code: "out_of_range", message: `block device ${JSON.stringify(path)}: sectors 4..4 are outside the device's 4 sectors` },
    });
    expect(await disk.write(3, new Uint8Array(1024))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.read(-1, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.read(0.5, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.read(0, new Uint8Array(100))).toMatchObject({ ok: false, error: { code: "unaligned" } });
    expect(await disk.write(0, new Uint8Array(0))).toMatchObject({ ok: false, error: { code: "unaligned" } });
    await disk.disconnect();
    await disk.disconnect(); // idempotent
    const error = { code: "disconnected", message: `block device ${JSON.stringify(path)} is disconnected` };
    expect(await disk.read(0, new Uint8Array(512))).toEqual({ ok: false, error });
    expect(await disk.write(0, new Uint8Array(512))).toEqual({ ok: false, error });
  });

  it("reports a file that shrank under it as io", async () => {
    const path = await image("shrink.img", 4 * 512);
    const disk = await blockOfFile(path);
    await writeFile(path, new Uint8Array(512));
    expect(await disk.read(2, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "io" } });
    await disk.disconnect();
  });

  // Root opens anything read-write, so this needs an unprivileged user.
  const isRoot = process.getuid?.() === 0;
  if (isRoot) console.warn("skipping the read-only fallback test: root may write any file, so it cannot be observed");
  it.skipIf(isRoot)("falls back to read-only when it may not write", async () => {
    const path = await image("ro.img", 512);
    await chmod(path, 0o444);
    const disk = await blockOfFile(path);
    expect(disk.info).toEqual({ sectorSize: 512, sectorCount: 1, readWrite: false });
    expect(await disk.read(0, new Uint8Array(512))).toEqual(OK);
    expect(await disk.write(0, new Uint8Array(512))).toEqual({
      ok: false,
      error: { code: "read_only", message: `block device ${JSON.stringify(path)} is read-only` },
    });
    await disk.disconnect();
  });
});
