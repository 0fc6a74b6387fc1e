import { describe, expect, it } from "vitest";
import { ConfigError, blockDeviceName, generate, type Target } from "../src/codegen/index.ts";
import { blockOfFile, directKvRo, socketStack } from "../src/dsl/devices.ts";
import { takeRegistration } from "../src/dsl/job.ts";
import type { Device, Registration } from "../src/dsl/graph.ts";

/** Evaluates examples/NAME/config.ts in-process and returns what it registered. */
async function registrationOf(name: string): Promise<Registration> {
  takeRegistration();
  await import(`../../../examples/${name}/config.ts`);
  const reg = takeRegistration();
  if (!reg) throw new Error(`examples/${name}/config.ts registered nothing`);
  return reg;
}

/** A registration of one job taking `devices`, built in this file (so errors point here). */
function registrationWith(devices: readonly Device[]): Registration {
  return { name: "t", jobs: [{ node: "job", module: "./unikernel.ts", start: "start", types: [], devices, at: undefined }], at: undefined };
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
  { example: "network", target: "hvt", golden: "network.hvt" },
  { example: "block", target: "spt", golden: "block.spt" },
  { example: "static-website", target: "hvt", golden: "static-website.hvt" },
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

  it("records the image's devices for the tender on hvt and spt: defaultNetwork is \"service\", blockOfFile is named after its file", async () => {
    const web = generate({ registration: await registration("static-website"), target: "hvt", options: {}, configPath: "config.ts" });
    expect(web.manifest.devices).toEqual([{ name: "service", kind: "net" }]);
    const disk = generate({ registration: await registration("block"), target: "spt", options: {}, configPath: "config.ts" });
    expect(disk.manifest.devices).toEqual([{ name: "disk", kind: "block" }]);
    const hello = generate({ registration: await registration("hello"), target: "hvt", options: {}, configPath: "config.ts" });
    expect(hello.manifest.devices).toEqual([]);
    const unix = generate({ registration: await registration("block"), target: "unix", options: {}, configPath: "config.ts" });
    expect(unix.manifest).not.toHaveProperty("devices");
  });

  it("refuses a unix-only device on hvt and spt, naming it, its line in config.ts and what to use instead", () => {
    for (const [device, instead] of [
      [directKvRo("htdocs"), /^directKvRo\("htdocs"\) is not available on target hvt \(only unix\): .*crunch/],
      [socketStack(), /^socketStack\(\) is not available on target hvt \(only unix\): .*genericStack\(defaultNetwork\(\)\)/],
    ] as const) {
      const reg = registrationWith([device]);
      let error: unknown;
      try {
        generate({ registration: reg, target: "hvt", options: {}, configPath: "config.ts" });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(instead);
      expect((error as ConfigError).at).toMatch(/golden\.test\.ts:\d+:\d+$/);
    }
  });

  it("names block devices after their file and refuses two devices of one name", () => {
    expect(blockDeviceName("disk.img")).toBe("disk");
    expect(blockDeviceName("data/my disk.v2.img")).toBe("my_disk_v2");
    expect(blockDeviceName("storage")).toBe("storage");
    expect(blockDeviceName(".img")).toBe("");
    expect(blockDeviceName("x".repeat(40) + ".img")).toBe("x".repeat(31));
    const two = registrationWith([blockOfFile("a/disk.img"), blockOfFile("b/disk.raw")]);
    expect(() => generate({ registration: two, target: "hvt", options: {}, configPath: "config.ts" })).toThrow(
      /blockOfFile\("b\/disk\.raw"\) and blockOfFile\("a\/disk\.img"\) would both be the device "disk" of the hvt image/,
    );
    // unix opens the files themselves, so the names do not matter there.
    expect(() => generate({ registration: two, target: "unix", options: {}, configPath: "config.ts" })).not.toThrow();
    const nameless = registrationWith([blockOfFile(".img")]);
    expect(() => generate({ registration: nameless, target: "spt", options: {}, configPath: "config.ts" })).toThrow(/leaves no name/);
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
