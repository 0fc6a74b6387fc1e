/**
 * Where the guest's inputs live and how they are compiled: the C sources of this
 * package, QuickJS from the `qjsc` npm package, Debian's musl (`musl-dev`) and the
 * host gcc. Every path is found at run time (this file may be bundled elsewhere by
 * esbuild, so nothing is located relative to the running file).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const QUICKJS_VERSION = "2021-03-27";
export const MUSL_LIB_DIR = "/usr/lib/x86_64-linux-musl";
export const MUSL_INCLUDE_DIR = "/usr/include/x86_64-linux-musl";
export const MUSL_LIBC = join(MUSL_LIB_DIR, "libc.a");

export type Target = "hvt" | "spt";

export interface Paths {
  guestDir: string; // packages/guest
  runtimeDir: string; // packages/guest/src/runtime
  abiIncludeDir: string; // packages/tender/include
  quickjsDir: string; // node_modules/qjsc/deps/quickjs_2021_03_27
  cacheRoot: string; // node_modules/.cache/mirage-ts-guest
}

let cachedPaths: Paths | undefined;

export function paths(): Paths {
  if (cachedPaths) return cachedPaths;
  const require = createRequire(import.meta.url);
  const guestDir = dirname(require.resolve("@mirage-ts/guest/package.json"));
  const fromGuest = createRequire(join(guestDir, "package.json"));
  const qjscDir = dirname(fromGuest.resolve("qjsc/package.json"));
  const quickjsDir = join(qjscDir, "deps", `quickjs_${QUICKJS_VERSION.replaceAll("-", "_")}`);
  const tenderDir = dirname(fromGuest.resolve("@mirage-ts/tender/package.json"));
  const nodeModules = dirname(qjscDir);
  cachedPaths = {
    guestDir,
    runtimeDir: join(guestDir, "src", "runtime"),
    abiIncludeDir: join(tenderDir, "include"),
    quickjsDir,
    cacheRoot: process.env.MIRAGE_GUEST_CACHE ?? join(nodeModules, ".cache", "mirage-ts-guest"),
  };
  return cachedPaths;
}

/** QuickJS files compiled into both the guest and the host compiler (no libbf: CONFIG_BIGNUM is off). */
export const QUICKJS_SOURCES = ["quickjs.c", "libregexp.c", "libunicode.c", "cutils.c"];

/** The same defines on both sides, so the host's bytecode is what the guest reads. */
export const QUICKJS_DEFINES = ["-D_GNU_SOURCE", `-DCONFIG_VERSION="${QUICKJS_VERSION}"`];

/** Upstream warnings we silence (flags only: upstream files are never patched). */
export const QUICKJS_WARNING_FLAGS = [
  "-Wall",
  "-Wextra",
  "-Werror",
  "-Wno-sign-compare",
  "-Wno-unused-parameter",
  "-Wno-implicit-fallthrough",
  "-Wno-cast-function-type",
  "-Wno-enum-conversion",
];

export const OUR_WARNING_FLAGS = ["-Wall", "-Wextra", "-Werror"];

/** Freestanding-ish x86_64 code against musl's headers: static, no PIC, default SSE. */
export function guestCFlags(gccInclude: string): string[] {
  return [
    "-O2",
    "-g0",
    "-nostdinc",
    "-isystem",
    MUSL_INCLUDE_DIR,
    "-isystem",
    gccInclude,
    "-fno-pie",
    "-fno-pic",
    "-fno-stack-protector",
    "-fno-asynchronous-unwind-tables",
    "-fno-unwind-tables",
    "-ffunction-sections",
    "-fdata-sections",
    ...QUICKJS_DEFINES,
  ];
}

export const HOST_CFLAGS = ["-O2", ...QUICKJS_DEFINES];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, capturing its output (never throws on exit status). */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

/** Runs a command and throws an Error carrying its stderr when it fails. */
export async function runOk(cmd: string, args: string[], what: string, opts: { cwd?: string } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts).catch((e: Error) => {
    throw new Error(`guest build: ${what}: cannot run ${cmd}: ${e.message}`);
  });
  if (r.code !== 0) throw new Error(`guest build: ${what} failed (${cmd} exit ${r.code}):\n${(r.stderr + r.stdout).trim()}`);
  return r;
}

export interface Compiler {
  version: string; // first line of `gcc --version`
  include: string; // gcc's own include dir (stddef.h, stdarg.h)
  libgcc: string;
}

let cachedCompiler: Promise<Compiler> | undefined;

export function compiler(): Promise<Compiler> {
  cachedCompiler ??= (async () => {
    const v = await runOk("gcc", ["--version"], "gcc --version");
    const inc = await runOk("gcc", ["-print-file-name=include"], "gcc -print-file-name");
    const lib = await runOk("gcc", ["-print-libgcc-file-name"], "gcc -print-libgcc-file-name");
    return { version: v.stdout.split("\n")[0] ?? "", include: inc.stdout.trim(), libgcc: lib.stdout.trim() };
  })();
  return cachedCompiler;
}

/** What is missing on this machine to build guests, or undefined when nothing is (synchronous). */
export function missingTools(): string | undefined {
  const works = (cmd: string) => {
    const r = spawnSync(cmd, ["--version"], { stdio: "ignore" });
    return !r.error && r.status === 0;
  };
  if (!works("gcc")) return "gcc is not installed (apt-get install gcc)";
  if (!existsSync(MUSL_LIBC) || !existsSync(join(MUSL_INCLUDE_DIR, "stdio.h")))
    return `musl-dev is not installed (${MUSL_LIBC} missing; apt-get install musl-dev)`;
  if (!works("objdump") || !works("ar")) return "binutils (objdump, ar) is not installed";
  let p: Paths;
  try {
    p = paths();
  } catch (e) {
    return `cannot find the qjsc npm package (QuickJS sources): ${(e as Error).message}`;
  }
  for (const f of QUICKJS_SOURCES)
    if (!existsSync(join(p.quickjsDir, f))) return `QuickJS source ${join(p.quickjsDir, f)} is missing (npm install)`;
  return undefined;
}

/** Runs `jobs` with at most `limit` at once; rejects with the first failure. */
export async function parallel(jobs: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && failed === undefined) {
      const job = jobs[next++]!;
      try {
        await job();
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  if (failed !== undefined) throw failed;
}
