/**
 * Builds (once, then from the cache) what every app image links against:
 *   quickjs-guest-KEY/   QuickJS compiled for the guest (musl headers, static, no PIC)
 *   qjs-host-KEY/        mirage-qjs-compile, the host bytecode compiler (host gcc + glibc)
 *   runtime-TARGET-KEY/  the C runtime (src/runtime) + platform-TARGET.o + guest.ld
 * Each KEY hashes the sources, flags, compiler version and libc.a that went in.
 */
import { copyFileSync, existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { Hasher, cachedDir } from "./cache.ts";
import { checkMuslLayout } from "./musl-check.ts";
import {
  HOST_CFLAGS,
  MUSL_LIBC,
  OUR_WARNING_FLAGS,
  QUICKJS_SOURCES,
  QUICKJS_WARNING_FLAGS,
  type Target,
  compiler,
  guestCFlags,
  parallel,
  paths,
  runOk,
} from "./toolchain.ts";

export type Progress = (msg: string) => void;

const JOBS = Math.max(1, availableParallelism());

function quickjsInputs(h: Hasher): Hasher {
  const dir = paths().quickjsDir;
  for (const f of readdirSync(dir).sort()) if (f.endsWith(".h") || QUICKJS_SOURCES.includes(f)) h.file(join(dir, f));
  return h;
}

async function compileAll(sources: string[], outDir: string, flags: string[], what: string): Promise<string[]> {
  const objects = sources.map((s) => join(outDir, basename(s).replace(/\.[cS]$/, ".o")));
  await parallel(
    sources.map((src, i) => () => runOk("gcc", [...flags, "-c", src, "-o", objects[i]!], `${what}: compiling ${basename(src)}`).then(() => undefined)),
    JOBS,
  );
  return objects;
}

/** QuickJS objects for the guest; returns their paths. */
export async function quickjsGuestObjects(progress: Progress): Promise<string[]> {
  const cc = await compiler();
  const flags = [...guestCFlags(cc.include), ...QUICKJS_WARNING_FLAGS];
  const key = quickjsInputs(new Hasher()).text("flags", flags.join(" ")).text("cc", cc.version).digest();
  const dir = await cachedDir(paths().cacheRoot, `quickjs-guest-${key}`, async (tmp) => {
    progress("guest runtime: compiling QuickJS for the guest (first build only, takes a minute)");
    await compileAll(QUICKJS_SOURCES.map((f) => join(paths().quickjsDir, f)), tmp, flags, "QuickJS (guest)");
  });
  return QUICKJS_SOURCES.map((f) => join(dir, f.replace(/\.c$/, ".o")));
}

/** The host bytecode compiler; returns the executable's path. */
export async function hostCompiler(progress: Progress): Promise<string> {
  const cc = await compiler();
  const p = paths();
  const tool = join(p.guestDir, "src", "compiler", "mirage-qjs-compile.c");
  const key = quickjsInputs(new Hasher())
    .file(tool)
    .text("flags", [...HOST_CFLAGS, ...QUICKJS_WARNING_FLAGS].join(" "))
    .text("cc", cc.version)
    .digest();
  const dir = await cachedDir(p.cacheRoot, `qjs-host-${key}`, async (tmp) => {
    progress("guest runtime: compiling the host bytecode compiler (first build only)");
    const objs = await compileAll(QUICKJS_SOURCES.map((f) => join(p.quickjsDir, f)), tmp, [...HOST_CFLAGS, ...QUICKJS_WARNING_FLAGS], "QuickJS (host)");
    await runOk(
      "gcc",
      [...HOST_CFLAGS, ...OUR_WARNING_FLAGS, "-isystem", p.quickjsDir, tool, ...objs, "-lm", "-lpthread", "-o", join(tmp, "mirage-qjs-compile")],
      "linking mirage-qjs-compile",
    );
  });
  return join(dir, "mirage-qjs-compile");
}

export interface RuntimeObjects {
  objects: string[]; // runtime + platform objects, in link order
  linkerScript: string;
}

function platformSource(target: Target): string {
  return join(paths().guestDir, "src", `platform-${target}.c`);
}

/** The C runtime and the target's platform object. */
export async function runtimeObjects(target: Target, progress: Progress): Promise<RuntimeObjects> {
  const cc = await compiler();
  const p = paths();
  const platform = platformSource(target);
  if (!existsSync(platform)) throw new Error(`guest build: ${platform} is missing: the ${target} platform is not available`);
  const runtimeFiles = readdirSync(p.runtimeDir).sort();
  const sources = runtimeFiles.filter((f) => f.endsWith(".c") || f.endsWith(".S")).map((f) => join(p.runtimeDir, f));
  const flags = [...guestCFlags(cc.include), ...OUR_WARNING_FLAGS, "-DMIRAGE_GUEST", "-isystem", p.quickjsDir, "-I", p.abiIncludeDir];
  const h = new Hasher().text("target", target).text("flags", flags.join(" ")).text("cc", cc.version);
  for (const f of runtimeFiles) h.file(join(p.runtimeDir, f));
  h.file(join(p.guestDir, "src", "platform.h")).file(platform).file(join(p.abiIncludeDir, "mirage_abi.h"));
  h.file(join(p.quickjsDir, "quickjs.h")).file(MUSL_LIBC);
  const dir = await cachedDir(p.cacheRoot, `runtime-${target}-${h.digest()}`, async (tmp) => {
    progress(`guest runtime: compiling the C runtime for ${target}`);
    await checkMuslLayout(tmp);
    await compileAll([...sources, platform], tmp, flags, `runtime (${target})`);
    copyFileSync(join(p.runtimeDir, "guest.ld"), join(tmp, "guest.ld"));
  });
  const objects = [...sources, platform].map((s) => join(dir, basename(s).replace(/\.[cS]$/, ".o")));
  return { objects, linkerScript: join(dir, "guest.ld") };
}
