import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/block", () => {
  let bin = "";
  const work = mkdtempSync(join(tmpdir(), "block-"));
  beforeAll(async () => {
    bin = await buildExample("block");
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("writes, reads back and verifies sectors of a 1 MiB disk.img, and refuses to read past its end", async () => {
    writeFileSync(join(work, "disk.img"), new Uint8Array(1 << 20));
    const r = await runUnikernel(bin, [], work);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(logMessages(r.stdout)).toEqual([
      "disk: 2048 sectors of 512 bytes, read-write",
      "wrote, read back and verified 16 sectors",
      "read past the end: out_of_range",
    ]);
  });

  it("says clearly when disk.img is missing, and exits 2", async () => {
    const empty = mkdtempSync(join(tmpdir(), "block-empty-"));
    try {
      const r = await runUnikernel(bin, [], empty);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^block: cannot connect device blockOfFile\("disk\.img"\): .*disk\.img.*no such file/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      // --name renames the unikernel in its messages.
      const named = await runUnikernel(bin, ["--name=store"], empty);
      expect(named.stderr).toMatch(/^store: cannot connect device/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("refuses a disk.img whose size is not whole sectors", async () => {
    writeFileSync(join(work, "disk.img"), new Uint8Array(1000));
    const r = await runUnikernel(bin, [], work);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("disk.img");
  });
});
