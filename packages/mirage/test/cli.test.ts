import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO, mirage, run } from "../../../test/support/run.ts";

// Unikernel folders made by the tests live inside the repository, so that
// "@mirage-ts/..." imports resolve as they do for examples/.
const scratch = join(REPO, ".test-tmp");
mkdirSync(scratch, { recursive: true });
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function unikernel(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, "cli-"));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const APP = `import type { KvRo } from "@mirage-ts/devices";\nexport async function start(_kv: KvRo): Promise<void> {}\n`;
const GOOD = `import { crunch, kvRo, main, register } from "@mirage-ts/mirage";\nregister("good", [main("./unikernel.ts", [kvRo])(crunch("data"))]);\n`;

describe("mirage configure: bad input gets one clear message and a non-zero exit", () => {
  it("says what to do when there is no config.ts", async () => {
    const r = await mirage(["configure"], unikernel({}));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mirage: no config\.ts in .* \(run mirage in a unikernel's folder, or name one with -f FILE\)/);
  });

  it("reports a syntax error with config.ts's own path and line", async () => {
    const dir = unikernel({ "config.ts": `import { main } from "@mirage-ts/mirage";\nconst x = ;\n` });
    const r = await mirage(["configure"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^config\.ts:2:11: error TS1109: Expression expected\.$/m);
  });

  it("reports a device of the wrong type as a TypeScript error at its line", async () => {
    const dir = unikernel({
      "config.ts": `import { blockOfFile, kvRo, main, register } from "@mirage-ts/mirage";\nconst app = main("./unikernel.ts", [kvRo]);\nregister("bad", [app(blockOfFile("disk.img"))]);\n`,
      "unikernel.ts": APP,
    });
    const r = await mirage(["configure"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^config\.ts:3:22: error TS2345: Argument of type 'ImplNode<"block">' is not assignable/m);
    expect(existsSync(join(dir, "mirage"))).toBe(false);
  });

  it("reports the wrong number of devices as a TypeScript error", async () => {
    const dir = unikernel({
      "config.ts": `import { crunch, kvRo, main, register } from "@mirage-ts/mirage";\nconst app = main("./unikernel.ts", [kvRo]);\nregister("bad", [app(crunch("a"), crunch("b"))]);\n`,
    });
    const r = await mirage(["configure"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^config\.ts:3:35: error TS2554: Expected 1 arguments, but got 2\.$/m);
  });

  it("reports an exception thrown by config.ts at its line", async () => {
    const dir = unikernel({
      "config.ts": `import { main, register, ramdisk } from "@mirage-ts/mirage";\n\nconst disk = ramdisk("d", 1000);\nregister("x", [main("./u.ts", [])()]);\n`,
    });
    const r = await mirage(["configure"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mirage: config\.ts:3:\d+: error: ramdisk: size must be a positive multiple of 512 bytes, got 1000$/m);
  });

  it("reports a config that never registers", async () => {
    const r = await mirage(["configure"], unikernel({ "config.ts": `export const nothing = 1;\n` }));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("config.ts: error: the config never calls register(name, jobs)");
  });

  it("reports an unknown device type: a TypeScript error in a typed config, a located error in a forged one", async () => {
    const typed = unikernel({ "config.ts": `import { gpu, main, register } from "@mirage-ts/mirage";\nregister("x", [main("./u.ts", [gpu])()]);\n` });
    const t = await mirage(["configure"], typed);
    expect(t.status).toBe(1);
    expect(t.stderr).toMatch(/^config\.ts:1:10: error TS2305: Module '"@mirage-ts\/mirage"' has no exported member 'gpu'\.$/m);

    const forged = unikernel({
      "config.ts": `import { main, register, type Device, type DeviceType } from "@mirage-ts/mirage";\nconst gpu = { kind: "gpu", interfaceName: "Gpu" } as DeviceType<"gpu">;\nconst dev = { node: "impl", kind: "gpu", impl: "cuda", args: [], deps: [], at: undefined } as Device<"gpu">;\nregister("x", [main("./u.ts", [gpu])(dev)]);\n`,
    });
    const f = await mirage(["configure"], forged);
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/^mirage: config\.ts(:\d+:\d+)?: error: unknown device type 'gpu' \(known: kv_ro, kv_rw, block, network, stack\)$/m);
  });

  it("rejects an unknown target and names the known ones; unbuilt targets are 'not available yet'", async () => {
    const dir = unikernel({ "config.ts": GOOD, "unikernel.ts": APP });
    const unknown = await mirage(["configure", "-t", "solaris"], dir);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("mirage: unknown target 'solaris' (targets: unix, hvt, spt, virtio, xen, qubes)");
    for (const t of ["virtio", "xen", "qubes"]) {
      const r = await mirage(["configure", "--target", t], dir);
      expect(r.status, t).toBe(1);
      expect(r.stderr, t).toContain(`mirage: target ${t} is not available yet (available: unix, hvt, spt)`);
    }
  });

  it("rejects configure options the config does not declare", async () => {
    const r = await mirage(["configure", "--kv-ro=direct"], unikernel({ "config.ts": GOOD, "unikernel.ts": APP }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/error: unknown configure option --kv-ro; this config declares none/);
  });

  it("says to configure first when building an unconfigured folder", async () => {
    const r = await mirage(["build"], unikernel({ "config.ts": GOOD }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not configured: run `mirage configure -t unix` first, then `mirage build`/);
  });

  it("reports a type error in the unikernel at build time", async () => {
    const dir = unikernel({
      "config.ts": GOOD,
      "unikernel.ts": `import type { Block } from "@mirage-ts/devices";\nexport async function start(_disk: Block): Promise<void> {}\n`,
      "data/a.txt": "a",
    });
    expect((await mirage(["configure"], dir)).status).toBe(0);
    const r = await mirage(["build"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/mirage\/main\.ts:\d+:\d+: error TS2345: Argument of type 'KvRo' is not assignable to parameter of type 'Block'/);
  });
});

describe("mirage configure, describe, query, clean", () => {
  it("shows with --dry-run what it would write, and writes nothing", async () => {
    const dir = unikernel({ "config.ts": GOOD, "unikernel.ts": APP });
    const r = await mirage(["configure", "--dry-run"], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("mirage/main.ts (would be written)");
    expect(r.stdout).toContain('const kvRo0 = await connectDevice(\'crunch("data")\'');
    expect(r.stdout).toContain("crunched at build time: data -> mirage/crunch-data.ts");
    expect(existsSync(join(dir, "mirage"))).toBe(false);
  });

  it("takes another config file with -f, and puts mirage/ beside it", async () => {
    const dir = unikernel({ "sub/other.ts": GOOD.replace('"good"', '"other"'), "sub/unikernel.ts": APP });
    const r = await mirage(["configure", "-f", "sub/other.ts"], dir);
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "sub/mirage/build.json"), "utf8"))).toMatchObject({ name: "other", config: "other.ts" });
    const q = await mirage(["query", "name", "-f", "sub/other.ts"], dir);
    expect(q.stdout).toBe("other\n");
  });

  it("describes the graph as text and as Graphviz that dot renders", async () => {
    const kv = join(REPO, "examples", "kv-ro");
    const text = await mirage(["describe", "-t", "unix", "--kv-ro=direct"], kv);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain("job       start(KvRo) from ./unikernel.ts");
    expect(text.stdout).toMatch(/\* direct => kv_ro: directKvRo\("data"\)/);
    const dot = await mirage(["describe", "--dot", "-t", "unix"], kv);
    expect(dot.status).toBe(0);
    expect(dot.stdout).toMatch(/^digraph "kv-ro" \{/);
    const hasDot = (await run("sh", ["-c", "command -v dot"])).status === 0;
    if (!hasDot) {
      console.warn("skipping the Graphviz render check: `dot` is not installed (apt-get install graphviz)");
      return;
    }
    const file = join(mkdtempSync(join(scratch, "dot-")), "g.dot");
    made.push(join(file, ".."));
    writeFileSync(file, dot.stdout);
    const svg = await run("dot", ["-Tsvg", file]);
    expect(svg.stderr).toBe("");
    expect(svg.status).toBe(0);
    expect(svg.stdout).toContain("<svg");
    expect(svg.stdout).toContain("directKvRo(&quot;data&quot;)");
  });

  it("answers queries: packages, files, options", async () => {
    const kv = join(REPO, "examples", "kv-ro");
    expect((await mirage(["query", "packages", "-t", "unix", "--kv-ro=direct"], kv)).stdout).toBe("@mirage-ts/platform-node\n@mirage-ts/runtime\n");
    expect((await mirage(["query", "files", "-t", "unix", "--kv-ro=crunch"], kv)).stdout).toBe("mirage/main.ts\nmirage/build.json\nmirage/crunch-data.ts\ndist/kv-ro\n");
    expect((await mirage(["query", "options", "-t", "unix", "--kv-ro=crunch"], kv)).stdout).toMatch(/^--kv-ro=crunch\tcrunch\|direct\t/);
    const bad = await mirage(["query", "colour"], kv);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("unknown query 'colour' (one of: name, target, packages, files, options, image, devices)");
  });

  it("answers queries for hvt and spt: the image, its devices and the packages the image links", async () => {
    const web = join(REPO, "examples", "static-website");
    expect((await mirage(["query", "image", "-t", "hvt"], web)).stdout).toBe("dist/static-website.hvt\n");
    expect((await mirage(["query", "image", "-t", "spt"], web)).stdout).toBe("dist/static-website.spt\n");
    expect((await mirage(["query", "image", "-t", "unix"], web)).stdout).toBe("dist/static-website\n");
    expect((await mirage(["query", "devices", "-t", "hvt"], web)).stdout).toBe("net\tservice\t--net:service=TAP\n");
    expect((await mirage(["describe", "-t", "spt"], web)).stdout).toContain('network: defaultNetwork()  (net device "service" of the image: --net:service=TAP)');
    expect((await mirage(["query", "devices", "-t", "spt"], join(REPO, "examples", "block"))).stdout).toBe("block\tdisk\t--block:disk=FILE\n");
    expect((await mirage(["query", "packages", "-t", "hvt"], web)).stdout).toBe(
      "@mirage-ts/platform-unikernel\n@mirage-ts/runtime\n@mirage-ts/storage\n@mirage-ts/tcpip/boot\n",
    );
  });

  it("refuses a unix-only device when configuring for hvt, saying what to use instead", async () => {
    const dir = unikernel({
      "config.ts": `import { directKvRo, kvRo, main, register } from "@mirage-ts/mirage";\nregister("d", [main("./unikernel.ts", [kvRo])(directKvRo("data"))]);\n`,
      "unikernel.ts": APP,
    });
    const r = await mirage(["configure", "-t", "hvt"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^mirage: config\.ts:2:\d+: error: directKvRo\("data"\) is not available on target hvt \(only unix\): .*crunch/m);
  });

  it("mirage run on hvt/spt refuses a stray argument before -- without building", async () => {
    const dir = unikernel({ "config.ts": GOOD, "unikernel.ts": APP, "data/a.txt": "a" });
    expect((await mirage(["configure", "-t", "spt"], dir)).status).toBe(0);
    const r = await mirage(["run", "--ipv4=10.0.0.2/24"], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("mirage: unexpected argument '--ipv4=10.0.0.2/24' before --: tender options are --mem=MiB");
    expect(existsSync(join(dir, "dist"))).toBe(false);
  });

  it("cleans mirage/ and dist/", async () => {
    const dir = unikernel({ "config.ts": GOOD, "unikernel.ts": APP, "data/a.txt": "a" });
    expect((await mirage(["configure"], dir)).status).toBe(0);
    expect((await mirage(["build"], dir)).status).toBe(0);
    expect(existsSync(join(dir, "dist", "good"))).toBe(true);
    expect((await mirage(["clean"], dir)).status).toBe(0);
    expect(existsSync(join(dir, "dist"))).toBe(false);
    expect(existsSync(join(dir, "mirage"))).toBe(false);
  });

  it("has --help, help COMMAND and --version", async () => {
    const help = await mirage(["--help"], REPO);
    expect(help.status).toBe(0);
    for (const c of ["configure", "build", "run", "clean", "describe", "query", "help"]) expect(help.stdout).toContain(c);
    const configureHelp = await mirage(["help", "configure"], REPO);
    expect(configureHelp.stdout).toContain("--dry-run");
    expect(configureHelp.stdout).toContain("-t, --target <target>");
    const version = await mirage(["--version"], REPO);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const unknown = await mirage(["frobnicate"], REPO);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
  });
});
