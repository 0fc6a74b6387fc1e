/**
 * `mirage build`, `run`, `query` and `clean` for hvt and spt, on a scratch unikernel.
 * The parts that need the guest toolchain or a tender skip, saying why, without them.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, mirage } from "../../../test/support/run.ts";
import { canRunUnikernel } from "../../../test/support/tender.ts";

const scratch = join(REPO, ".test-tmp");
mkdirSync(scratch, { recursive: true });
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function unikernel(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, "build-uk-"));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const CONFIG = `import { main, register } from "@mirage-ts/mirage";\nregister("greeter", [main("./unikernel.ts", [])()]);\n`;
const APP = [
  `import { bootArg, exit, log } from "@mirage-ts/runtime";`,
  `const greeting = bootArg.string("greeting", { default: "hi", doc: "What to say." });`,
  `const code = bootArg.int("code", { default: 0, min: 0, max: 255, doc: "Exit status." });`,
  `export async function start(): Promise<void> {`,
  `  log.info(\`\${greeting()} from \${[1, 2, 3].at(-1)}\`);`,
  `  if (code() !== 0) exit(code());`,
  `}`,
  ``,
].join("\n");

describe("mirage build for hvt and spt: checks before the guest runtime is involved", () => {
  it("type-checks the unikernel as pure code: a Node API is a build error on hvt", async () => {
    const dir = unikernel({ "config.ts": CONFIG, "unikernel.ts": `export async function start(): Promise<void> {\n  process.stdout.write("x");\n}\n` });
    expect((await mirage(["configure", "-t", "hvt"], dir)).status).toBe(0);
    const r = await mirage(["build"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/unikernel\.ts:2:3: error TS25\d\d: Cannot find name 'process'/);
    expect(r.stderr).toContain("hvt images have no Node.js");
    expect(existsSync(join(dir, "dist"))).toBe(false);
  });
});

for (const target of ["hvt", "spt"] as const) {
  const available = canRunUnikernel(target);
  if (!available.ok) console.warn(`skipping mirage build/run on ${target}: ${available.reason}`);

  describe.skipIf(!available.ok)(`mirage build and run on ${target}`, () => {
    it(`builds dist/NAME.${target}, rebuilds in seconds, runs it under mirage-${target} with boot arguments and its exit status, and cleans it`, async () => {
      const dir = unikernel({ "config.ts": CONFIG, "unikernel.ts": APP });
      expect((await mirage(["configure", "-t", target], dir)).status).toBe(0);
      expect((await mirage(["query", "image"], dir)).stdout).toBe(`dist/greeter.${target}\n`);
      const first = await mirage(["build"], dir);
      expect(first.stderr).toContain(`built dist/greeter.${target}`);
      expect(first.status).toBe(0);
      const image = join(dir, "dist", `greeter.${target}`);
      const firstMtime = statSync(image).mtimeMs;

      // Up to date: run does not build again; tender options go before --.
      const ran = await mirage(["run", "--mem=32", "--", "--greeting=hej"], dir);
      expect(ran.stderr).not.toContain("bundling");
      expect(ran.stdout).toMatch(/\[INFO\] \[application\] hej from 3\n$/);
      expect(ran.status).toBe(0);
      expect(statSync(image).mtimeMs).toBe(firstMtime);

      // The app's own exit status comes through mirage run; a bad boot argument is 64, as on unix.
      expect((await mirage(["run", "--", "--code=7"], dir)).status).toBe(7);
      expect((await mirage(["run", "--", "--code=x"], dir)).status).toBe(64);
      // The tender's own refusal (a device the image does not declare) is its status 1.
      const refused = await mirage(["run", "--block:nope=/dev/null"], dir);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain("nope");

      // A changed source makes run rebuild, and the rebuild reuses the cached guest runtime.
      writeFileSync(join(dir, "unikernel.ts"), APP.replace("from ${", "again from ${"));
      const rebuilt = await mirage(["run"], dir);
      expect(rebuilt.stderr).toContain(`built dist/greeter.${target}`);
      expect(rebuilt.stdout).toContain("hi again from 3");
      expect(rebuilt.ms).toBeLessThan(30_000);

      expect((await mirage(["clean"], dir)).status).toBe(0);
      expect(existsSync(image)).toBe(false);
    }, 600_000);
  });
}
