// The host bytecode compiler (src/compiler/mirage-qjs-compile.c): syntax errors come
// back as NAME:LINE, valid scripts become bytecode, and buildImage reports the same.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../test/support/run.ts";
import { hostCompiler } from "../src/build/runtime-objects.ts";
import { ScriptSyntaxError, buildImage, guestAvailable } from "../src/index.ts";

const avail = guestAvailable();
if (!avail.ok) console.log(`skipping the bytecode compiler tests: ${avail.reason}`);
const dir = mkdtempSync(join(tmpdir(), "mirage-qjsc-"));
let tool = "";

describe.skipIf(!avail.ok)("mirage-qjs-compile", () => {
  beforeAll(async () => {
    tool = await hostCompiler(() => {});
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reports a syntax error as NAME:LINE and exits 1", async () => {
    const src = join(dir, "bad.js");
    writeFileSync(src, "const a = 1;\nconst b = 2;\n\nlet c = a + * b;\n");
    const r = await run(tool, [src, "my-app.js", join(dir, "bad.bc")]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("my-app.js:4: SyntaxError: unexpected token in expression: '*'");
  });

  it("compiles a script to bytecode, raw or as C", async () => {
    const src = join(dir, "ok.js");
    writeFileSync(src, "function add(a, b) { return a + b; }\nadd(1, 2);\n");
    const raw = await run(tool, [src, "ok.js", join(dir, "ok.bc")]);
    expect(raw.status).toBe(0);
    expect(readFileSync(join(dir, "ok.bc")).length).toBeGreaterThan(20);
    const c = await run(tool, ["-c", "app_code", src, "ok.js", join(dir, "ok.c")]);
    expect(c.status).toBe(0);
    const text = readFileSync(join(dir, "ok.c"), "utf8");
    expect(text).toContain("const uint8_t app_code[");
    expect(text).toMatch(/const uint64_t app_code_len = \d+;/);
  });

  it("fails with status 2 and a reason when the script cannot be read", async () => {
    const r = await run(tool, [join(dir, "missing.js"), "x.js", join(dir, "x.bc")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("cannot read");
  });

  it("makes buildImage reject with a ScriptSyntaxError", async () => {
    const err = await buildImage({ target: "spt", script: "let x = {\n", scriptName: "broken.js", devices: [], out: join(dir, "never.spt") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ScriptSyntaxError);
    expect((err as Error).message).toMatch(/^broken\.js:2: SyntaxError: /);
  });
});
