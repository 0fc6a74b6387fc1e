import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, mirage, run } from "../../../test/support/run.ts";

const scratch = join(REPO, ".test-tmp");
mkdirSync(scratch, { recursive: true });
const dir = mkdtempSync(join(scratch, "build-"));
const away = mkdtempSync(join(tmpdir(), "mirage-away-"));
afterAll(() => [dir, away].forEach((d) => rmSync(d, { recursive: true, force: true })));

const CONFIG = `import { main, register } from "@mirage-ts/mirage";\nregister("crash", [main("./unikernel.ts", [])()]);\n`;
const APP = `import { bootArg, log } from "@mirage-ts/runtime";
const mode = bootArg.string("mode", { default: "ok", doc: "ok, throw or reject" });
export async function start(): Promise<void> {
  log.info(\`mode \${mode()}\`);
  if (mode() === "throw") throw new Error("boom from start");
  if (mode() === "reject") void Promise.reject(new Error("nobody handles this"));
  if (mode() === "reject") await new Promise(() => {});
}
`;

describe("the unix build", () => {
  it("makes one executable whose stack traces point into unikernel.ts, in the repository or copied anywhere", async () => {
    writeFileSync(join(dir, "config.ts"), CONFIG);
    writeFileSync(join(dir, "unikernel.ts"), APP);
    expect((await mirage(["configure"], dir)).status).toBe(0);
    const built = await mirage(["build"], dir);
    expect(built.stderr).toMatch(/type-checking[\s\S]*bundling[\s\S]*built dist\/crash/);
    // Inside the repository Node loads it as an ES module (package.json "type": "module"),
    // outside as CommonJS: it must run either way.
    copyFileSync(join(dir, "dist", "crash"), join(away, "crash"));
    for (const bin of [join(dir, "dist", "crash"), join(away, "crash")]) {
      const r = await run(bin, ["--mode=throw"], { cwd: "/" });
      expect(r.status, bin).toBe(1);
      expect(r.stderr, bin).toMatch(/^crash: fatal error: Error: boom from start\n\s+at start \(.*unikernel\.ts:5:\d+\)/);
    }
  });

  it("treats an unhandled rejection as fatal: its stack and exit 1", async () => {
    const r = await run(join(dir, "dist", "crash"), ["--mode=reject"], { cwd: "/" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("nobody handles this");
    expect(r.stderr).toMatch(/unikernel\.ts:6:\d+/);
  });

  it("mirage run passes boot arguments after --, rebuilds when a source changed, and returns the exit status", async () => {
    const ok = await mirage(["run", "--", "--mode=ok"], dir);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("[application] mode ok");
    expect(ok.stderr).not.toContain("bundling"); // up to date: no rebuild
    writeFileSync(join(dir, "unikernel.ts"), APP.replace("mode ${mode()}", "now in mode ${mode()}"));
    const future = new Date(Date.now() + 5000);
    utimesSync(join(dir, "unikernel.ts"), future, future);
    const rebuilt = await mirage(["run", "--", "--mode=throw"], dir);
    expect(rebuilt.stderr).toContain("bundling");
    expect(rebuilt.stdout).toContain("now in mode throw");
    expect(rebuilt.status).toBe(1);
  });
});
