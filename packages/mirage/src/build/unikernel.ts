import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { BuildManifest } from "../codegen/index.ts";
import { GENERATED_DIR } from "../codegen/index.ts";
import { CliError } from "../cli/errors.ts";
import { esbuildFailure } from "./esbuild-errors.ts";
import { loadGuest } from "./guest-api.ts";
import { displayPath, typecheck } from "./typecheck.ts";

/** The bundle's entry: the prelude of missing built-ins first, then the generated main.ts (ES module order). */
export function unikernelEntrySource(): string {
  return [
    `import "@mirage-ts/platform-unikernel/prelude";`,
    `import "./${GENERATED_DIR}/main.ts";`,
    "",
  ].join("\n");
}

/**
 * Bundles mirage/main.ts, the app and its libraries into one script for QuickJS
 * 2021-03-27: ES2020 syntax (esbuild lowers newer syntax; newer built-ins come from
 * the prelude), no Node API, the ambient runtime bound to platform-unikernel.
 */
export async function bundleUnikernel(dir: string, manifest: BuildManifest): Promise<string> {
  const result = await build({
    absWorkingDir: dir,
    stdin: { contents: unikernelEntrySource(), resolveDir: dir, sourcefile: `${manifest.name}-entry.ts`, loader: "ts" },
    bundle: true,
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    format: "iife",
    target: "es2020",
    write: false,
    alias: { "@mirage-ts/host": "@mirage-ts/platform-unikernel/host" },
    logLevel: "silent",
    legalComments: "none",
  }).catch(esbuildFailure("bundling failed"));
  for (const w of result.warnings) {
    // A construct esbuild cannot lower to ES2020 would fail inside the guest instead.
    if (/not available in the configured target environment/.test(w.text)) {
      const at = w.location ? `${w.location.file}:${w.location.line}:${w.location.column + 1}: ` : "";
      throw new CliError(`bundling failed:\n${at}error: ${w.text} (the ${manifest.target} target runs QuickJS, ES2020 syntax)`);
    }
  }
  return result.outputFiles[0]!.text;
}

/**
 * `mirage build` for hvt and spt: type-check as pure code, bundle, then let the
 * guest runtime (@mirage-ts/guest) compile the script to bytecode and link it with
 * the C runtime into dist/NAME.hvt or dist/NAME.spt, with the device manifest the
 * tender reads. The guest caches its compiled runtime, so only the first build is slow.
 */
export async function buildUnikernelImage(dir: string, manifest: BuildManifest, progress: (msg: string) => void): Promise<string> {
  const target = manifest.target;
  if (target !== "hvt" && target !== "spt") throw new CliError(`buildUnikernelImage: ${target} is not a unikernel target`);
  const entry = join(dir, GENERATED_DIR, "main.ts");
  progress(`type-checking ${displayPath(entry)} and the unikernel (pure ECMAScript: no Node API on ${target})`);
  const problems = typecheck([entry], []);
  if (problems.length) {
    const hint = problems.some((p) => /error TS25(80|91)/.test(p))
      ? `\n(${target} images have no Node.js: use @mirage-ts/runtime's services and the devices passed to start)`
      : "";
    throw new CliError(`the unikernel does not type-check:\n${problems.join("\n")}${hint}`);
  }

  progress(`bundling ${manifest.name}.js for QuickJS`);
  const script = await bundleUnikernel(dir, manifest);
  const out = join(dir, "dist", `${manifest.name}.${target}`);
  mkdirSync(join(dir, "dist"), { recursive: true });
  const guest = await loadGuest(dir);
  const devices = manifest.devices ?? [];
  progress(
    `building ${displayPath(out)}${devices.length ? ` (devices: ${devices.map((d) => `${d.kind} ${d.name}`).join(", ")})` : ""}`,
  );
  try {
    await guest.buildImage({ target, script, scriptName: `${manifest.name}.js`, devices, out, onProgress: progress });
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`building ${displayPath(out)} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return out;
}
