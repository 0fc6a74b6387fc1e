import { describe, expect, it } from "vitest";
import { ConfigError, generate, type Target } from "../src/codegen/index.ts";
import { takeRegistration } from "../src/dsl/job.ts";
import type { Registration } from "../src/dsl/graph.ts";

/** Evaluates examples/NAME/config.ts in-process and returns what it registered. */
async function registrationOf(name: string): Promise<Registration> {
  takeRegistration();
  await import(`../../../examples/${name}/config.ts`);
  const reg = takeRegistration();
  if (!reg) throw new Error(`examples/${name}/config.ts registered nothing`);
  return reg;
}

const cache = new Map<string, Promise<Registration>>();
const registration = (name: string) => cache.get(name) ?? cache.set(name, registrationOf(name)).get(name)!;

const cases: Array<{ example: string; target: Target; options?: Record<string, string>; golden: string }> = [
  { example: "hello", target: "unix", golden: "hello.unix" },
  { example: "hello", target: "hvt", golden: "hello.hvt" },
  { example: "kv-ro", target: "unix", golden: "kv-ro.unix" },
  { example: "kv-ro", target: "unix", options: { "kv-ro": "direct" }, golden: "kv-ro.unix.direct" },
  { example: "kv-ro", target: "hvt", options: { "kv-ro": "direct" }, golden: "kv-ro.hvt" },
  { example: "block", target: "unix", golden: "block.unix" },
  { example: "network", target: "unix", golden: "network.unix" },
  { example: "network", target: "unix", options: { net: "direct" }, golden: "network.unix.direct" },
];

describe("generated main.ts (golden files in test/golden)", () => {
  for (const c of cases) {
    it(`${c.example} for ${c.target}${c.options ? ` with ${JSON.stringify(c.options)}` : ""}`, async () => {
      const { files } = generate({ registration: await registration(c.example), target: c.target, options: c.options ?? {}, configPath: "config.ts" });
      const main = files.find((f) => f.path === "mirage/main.ts")!;
      await expect(main.contents).toMatchFileSnapshot(`golden/${c.golden}.main.ts`);
    });
  }

  it("records what the build needs in mirage/build.json", async () => {
    const { files, manifest } = generate({ registration: await registration("kv-ro"), target: "unix", options: {}, configPath: "config.ts" });
    expect(manifest).toEqual({
      name: "kv-ro",
      target: "unix",
      options: {},
      config: "config.ts",
      crunch: [{ dir: "data", module: "crunch-data.ts" }],
      packages: ["@mirage-ts/runtime", "@mirage-ts/storage"],
    });
    expect(JSON.parse(files.find((f) => f.path === "mirage/build.json")!.contents)).toEqual(manifest);
  });

  it("refuses a unix-only device on another target, naming it and its line in config.ts", async () => {
    const reg = await registration("block");
    let error: unknown;
    try {
      generate({ registration: reg, target: "hvt", options: {}, configPath: "config.ts" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^blockOfFile\("disk\.img"\) is not available on target hvt/);
    expect((error as ConfigError).at).toMatch(/examples\/block\/config\.ts:4:\d+$/);
  });

  it("rejects configure options the config does not declare, or values it does not offer", async () => {
    const reg = await registration("kv-ro");
    expect(() => generate({ registration: reg, target: "unix", options: { "kv-rw": "x" }, configPath: "config.ts" })).toThrow(
      "unknown configure option --kv-rw; this config has --kv-ro",
    );
    expect(() => generate({ registration: reg, target: "unix", options: { "kv-ro": "fat" }, configPath: "config.ts" })).toThrow(
      '--kv-ro must be one of crunch, direct, got "fat"',
    );
  });
});
