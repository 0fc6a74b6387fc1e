// The guest allocator (src/runtime/alloc.c), built natively with ASan/UBSan and
// stressed by test/alloc-harness.c: random malloc/calloc/realloc/memalign/free with
// patterns checked, heap walks, exhaustion -> NULL, coalescing and reuse.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../test/support/run.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "mirage-alloc-"));
const harness = join(dir, "alloc-harness");

describe("guest allocator (native harness)", () => {
  beforeAll(async () => {
    const cc = await run("gcc", [
      "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
      "-o", harness, join(here, "alloc-harness.c"), join(here, "..", "src", "runtime", "alloc.c"),
    ]);
    expect(cc.stderr).toBe("");
    expect(cc.status).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const seed of [1, 2, 3]) {
    it(`survives 100k random operations (seed ${seed})`, async () => {
      const r = await run(harness, [String(seed), "100000"], { timeoutMs: 120_000 });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/^ok iterations=100000 /);
    }, 120_000);
  }
});
