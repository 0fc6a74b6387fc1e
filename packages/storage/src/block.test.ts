import { describe, expect, it } from "vitest";
import { checkRequest, ramdisk } from "./block.ts";

const OK = { ok: true, value: undefined };

describe("checkRequest", () => {
  const info = { sectorSize: 512, sectorCount: 4, readWrite: true };
  it("accepts whole sectors inside the device", () => {
    expect(checkRequest(info, 0, 512)).toEqual(OK);
    expect(checkRequest(info, 0, 2048)).toEqual(OK);
    expect(checkRequest(info, 3, 512)).toEqual(OK);
  });
  it("refuses the rest with literal messages", () => {
    expect(checkRequest(info, 4, 512)).toEqual({ ok: false, error: { code: "out_of_range", message: "block request: sectors 4..4 are outside the device's 4 sectors" } });
    expect(checkRequest(info, 3, 1024, "d")).toEqual({ ok: false, error: { code: "out_of_range", message: `block device "d": sectors 3..4 are outside the device's 4 sectors` } });
    expect(checkRequest(info, -1, 512)).toEqual({ ok: false, error: { code: "out_of_range", message: "block request: start sector -1 is not a non-negative integer" } });
    expect(checkRequest(info, 0.5, 512)).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(checkRequest(info, NaN, 512)).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(checkRequest(info, 2 ** 53, 512)).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(checkRequest(info, 0, 0)).toEqual({ ok: false, error: { code: "unaligned", message: "block request: buffer of 0 bytes is not a whole, non-zero number of 512-byte sectors" } });
    expect(checkRequest(info, 0, 511)).toMatchObject({ ok: false, error: { code: "unaligned" } });
    expect(checkRequest(info, 0, 513)).toMatchObject({ ok: false, error: { code: "unaligned" } });
  });
});

describe("ramdisk", () => {
  it("validates its geometry", () => {
    expect(() => ramdisk({ name: "r", sizeBytes: 1000 })).toThrow(new RangeError(`ramdisk "r": sizeBytes must be a positive multiple of 512, got 1000`));
    expect(() => ramdisk({ name: "r", sizeBytes: 0 })).toThrow(RangeError);
    expect(() => ramdisk({ name: "r", sizeBytes: -512 })).toThrow(RangeError);
    expect(() => ramdisk({ name: "r", sizeBytes: 4096, sectorSize: 0 })).toThrow(new RangeError(`ramdisk "r": sectorSize must be a positive integer, got 0`));
    expect(ramdisk({ name: "r", sizeBytes: 4096, sectorSize: 4096 }).info).toEqual({ sectorSize: 4096, sectorCount: 1, readWrite: true });
  });

  it("starts zeroed, reads back what was written", async () => {
    const disk = ramdisk({ name: "r", sizeBytes: 2048 });
    expect(disk.info).toEqual({ sectorSize: 512, sectorCount: 4, readWrite: true });
    const buf = new Uint8Array(2048).fill(0xff);
    expect(await disk.read(0, buf)).toEqual(OK);
    expect(buf.every((b) => b === 0)).toBe(true);
    const data = Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff);
    expect(await disk.write(1, data)).toEqual(OK);
    data.fill(0); // the disk kept its own copy
    const back = new Uint8Array(1024);
    expect(await disk.read(1, back)).toEqual(OK);
    expect(back).toEqual(Uint8Array.from({ length: 1024 }, (_, i) => i & 0xff));
    const all = new Uint8Array(2048);
    expect(await disk.read(0, all)).toEqual(OK);
    expect(all.subarray(0, 512).every((b) => b === 0)).toBe(true);
    expect(all[512 + 255]).toBe(255);
    expect(all.subarray(1536).every((b) => b === 0)).toBe(true);
  });

  it("returns typed errors for bad requests, never throws", async () => {
    const disk = ramdisk({ name: "r", sizeBytes: 2048 });
    expect(await disk.read(4, new Uint8Array(512))).toEqual({ ok: false, error: { code: "out_of_range", message: `block device "r": sectors 4..4 are outside the device's 4 sectors` } });
    expect(await disk.write(3, new Uint8Array(1024))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.read(-1, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.write(1.5, new Uint8Array(512))).toMatchObject({ ok: false, error: { code: "out_of_range" } });
    expect(await disk.read(0, new Uint8Array(100))).toMatchObject({ ok: false, error: { code: "unaligned" } });
    expect(await disk.write(0, new Uint8Array(0))).toMatchObject({ ok: false, error: { code: "unaligned" } });
  });

  it("refuses everything after disconnect", async () => {
    const disk = ramdisk({ name: "r", sizeBytes: 512 });
    await disk.disconnect();
    const error = { code: "disconnected", message: `block device "r" is disconnected` };
    expect(await disk.read(0, new Uint8Array(512))).toEqual({ ok: false, error });
    expect(await disk.write(0, new Uint8Array(512))).toEqual({ ok: false, error });
    expect(await disk.read(9, new Uint8Array(3))).toEqual({ ok: false, error });
  });
});
