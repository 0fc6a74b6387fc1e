import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildExample, exampleDir, logMessages, runUnikernel } from "../../test/support/example.ts";

const expected = [
  /^\/hello\.txt: 40 bytes, sha256 [0-9a-f]{16}\.\.\.$/,
  /^\/secret: 18 bytes, sha256 [0-9a-f]{16}\.\.\.$/,
  /^\/sub\/nested\.txt: 12 bytes, sha256 [0-9a-f]{16}\.\.\.$/,
  /^secret: the cake is a lie$/,
  /^\.\.\/config\.ts: invalid_key$/,
];

function expectListing(stdout: string): void {
  const msgs = logMessages(stdout);
  expect(msgs).toHaveLength(expected.length);
  msgs.forEach((m, i) => expect(m).toMatch(expected[i]!));
}

// One test: both variants build in the same folder, so they must not run concurrently.
describe("examples/kv-ro", () => {
  it("serves data/ crunched into the image by default, and read at run time with --kv-ro=direct", async () => {
    const crunched = await buildExample("kv-ro");
    // Crunched: the image carries the files, so it works from a folder without data/.
    const away = mkdtempSync(join(tmpdir(), "kv-ro-"));
    try {
      const moved = join(away, "kv-ro");
      copyFileSync(crunched, moved);
      const r = await runUnikernel(moved, [], away);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expectListing(r.stdout);

      const direct = await buildExample("kv-ro", ["--kv-ro=direct"]);
      const here = await runUnikernel(direct, [], exampleDir("kv-ro"));
      expect(here.status).toBe(0);
      expectListing(here.stdout);
      // Direct: read at run time, relative to the working directory; without data/ it cannot connect.
      const missing = await runUnikernel(direct, [], away);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/^kv-ro: cannot connect device directKvRo\("data"\): .*data/);
      // ... and it sees changes without a rebuild.
      cpSync(join(exampleDir("kv-ro"), "data"), join(away, "data"), { recursive: true });
      writeFileSync(join(away, "data", "secret"), "a new secret\n");
      const updated = await runUnikernel(direct, [], away);
      expect(updated.status).toBe(0);
      expect(logMessages(updated.stdout)).toContain("secret: a new secret");
    } finally {
      rmSync(away, { recursive: true, force: true });
    }
  });
});
