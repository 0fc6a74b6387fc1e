/**
 * @mirage-ts/guest: builds unikernel images. Node-only build code (not a pure
 * package); the C guest runtime it compiles lives in src/runtime, the per-target
 * platform glue in src/platform-hvt.c / src/platform-spt.c (docs/guest-runtime.md).
 *
 * API
 *
 *   guestAvailable(): { ok: true } | { ok: false; reason: string }
 *     Whether this machine can build images (gcc, musl-dev, binutils, QuickJS
 *     sources). Synchronous; it does not look at the tenders.
 *
 *   buildImage({ target, script, scriptName, devices, out, onProgress? }): Promise<void>
 *     target      "hvt" | "spt"
 *     script      the bundled app: one JS *script* (not a module), ES2020
 *     scriptName  the file name stack traces show (e.g. "hello.js")
 *     devices     [{ name, kind: "net" | "block" }], in manifest (= handle) order; names
 *                 [A-Za-z0-9_-]{1,31}, at most 16
 *     out         the image to write (e.g. dist/hello.hvt); written atomically
 *     onProgress  called with one-line messages; only the first build (cold cache)
 *                 has slow steps (QuickJS for the guest and for the host, ~1 min)
 *     Steps: (a) QuickJS and the C runtime for the target, (b) the host bytecode
 *     compiler, both cached under node_modules/.cache/mirage-ts-guest/<hash> (override
 *     with MIRAGE_GUEST_CACHE); (c) script -> bytecode (a syntax error rejects with
 *     "NAME:LINE: SyntaxError: ..." and has `.syntaxError = true`); (d) the ELF notes
 *     (ABI version, target, device manifest); (e) link at 0x100000 with
 *     src/runtime/guest.ld; (f) checks: libc.a members against an allow-list, and no
 *     syscall instruction in an hvt image. Errors are Error objects with a readable
 *     message. With a warm cache a build takes about a second.
 *
 *   warmGuestCache(targets, onProgress?): Promise<void>
 *     Builds the cached parts ahead of time (tests and `mirage build` progress).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { bytecodeSource, checkDevices, type Device, notesSource } from "./build/app-source.ts";
import { linkImage } from "./build/link.ts";
import { type Progress, hostCompiler, quickjsGuestObjects, runtimeObjects } from "./build/runtime-objects.ts";
import { type Target, compiler, guestCFlags, missingTools, paths, run, runOk } from "./build/toolchain.ts";

export type { Device } from "./build/app-source.ts";
export type { Target } from "./build/toolchain.ts";
export { findSyscalls, libcMembersFromMap } from "./build/link.ts";

export interface BuildImageOptions {
  target: Target;
  script: string;
  scriptName: string;
  devices: readonly Device[];
  out: string;
  onProgress?: (msg: string) => void;
  /** Tests only: extra C sources compiled with the runtime's flags and linked in. */
  extraCSources?: readonly string[];
  /** Keep the linker map next to the image as OUT.map (for inspection). */
  keepMap?: boolean;
}

export type GuestAvailability = { ok: true } | { ok: false; reason: string };

export function guestAvailable(): GuestAvailability {
  const reason = missingTools();
  return reason === undefined ? { ok: true } : { ok: false, reason };
}

export async function warmGuestCache(targets: readonly Target[], onProgress: Progress = () => {}): Promise<void> {
  await Promise.all([quickjsGuestObjects(onProgress), hostCompiler(onProgress), ...targets.map((t) => runtimeObjects(t, onProgress))]);
}

/** Error thrown for a syntax error in the script; the message is "NAME:LINE: SyntaxError: ...". */
export class ScriptSyntaxError extends Error {
  readonly syntaxError = true;
}

export async function buildImage(opts: BuildImageOptions): Promise<void> {
  if (opts.target !== "hvt" && opts.target !== "spt") throw new Error(`guest build: unknown target "${String(opts.target)}"`);
  if (!/^[^/\0]+$/.test(opts.scriptName)) throw new Error(`guest build: bad script name "${opts.scriptName}"`);
  checkDevices(opts.devices);
  const missing = missingTools();
  if (missing) throw new Error(`guest build: cannot build ${opts.target} images: ${missing}`);
  const progress: Progress = opts.onProgress ?? (() => {});

  const [quickjs, compilerTool, runtime] = await Promise.all([
    quickjsGuestObjects(progress),
    hostCompiler(progress),
    runtimeObjects(opts.target, progress),
  ]);

  const work = mkdtempSync(join(tmpdir(), "mirage-guest-"));
  try {
    const scriptPath = join(work, "app.js");
    const bytecode = join(work, "app.bc");
    writeFileSync(scriptPath, opts.script);
    const compiled = await run(compilerTool, [scriptPath, opts.scriptName, bytecode]);
    if (compiled.code === 1) throw new ScriptSyntaxError(compiled.stderr.trim());
    if (compiled.code !== 0) throw new Error(`guest build: compiling ${opts.scriptName} to bytecode failed: ${compiled.stderr.trim()}`);

    writeFileSync(join(work, "app-notes.c"), notesSource(opts.target, opts.devices));
    writeFileSync(join(work, "app-bytecode.S"), bytecodeSource(bytecode));
    const cc = await compiler();
    const p = paths();
    const flags = [...guestCFlags(cc.include), "-Wall", "-Wextra", "-Werror", "-I", p.abiIncludeDir, "-isystem", p.quickjsDir, "-DMIRAGE_GUEST"];
    const appSources = ["app-notes.c", "app-bytecode.S", ...(opts.extraCSources ?? []).map((s) => resolve(s))];
    const appObjects = await Promise.all(
      appSources.map(async (src, i) => {
        const obj = join(work, `app-${i}.o`);
        await runOk("gcc", [...flags, "-c", src.startsWith("/") ? src : join(work, src), "-o", obj], `compiling ${src}`);
        return obj;
      }),
    );

    const out = resolve(opts.out);
    mkdirSync(dirname(out), { recursive: true });
    progress(`linking ${opts.out}`);
    await linkImage({
      target: opts.target,
      objects: [...runtime.objects, ...appObjects, ...quickjs],
      linkerScript: runtime.linkerScript,
      out,
      mapFile: opts.keepMap ? `${out}.map` : join(work, "image.map"),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
