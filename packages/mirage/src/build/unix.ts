import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import type { BuildManifest } from "../codegen/index.ts";
import { GENERATED_DIR } from "../codegen/index.ts";
import { CliError } from "../cli/errors.ts";
import { esbuildFailure } from "./esbuild-errors.ts";
import { nodeBuiltinsPlugin } from "./node-builtins.ts";
import { displayPath, typecheck } from "./typecheck.ts";

/**
 * Network unikernels need the tap addon (a .node file); embedding it keeps dist/NAME
 * one file that runs from anywhere (platform-node writes it out on first use).
 */
function embedTapAddon(dir: string, progress: (msg: string) => void): Record<string, string> {
  const pkg = createRequire(join(dir, "package.json")).resolve("@mirage-ts/platform-node/package.json");
  const addon = join(dirname(pkg), "native", "build", "Release", "mirage_tap.node");
  if (!existsSync(addon)) {
    progress(`warning: the tap addon is not built (${addon}); tap devices will need MIRAGE_TAP_ADDON at run time`);
    return {};
  }
  progress("embedding the tap addon");
  return { __MIRAGE_TAP_ADDON__: JSON.stringify(readFileSync(addon).toString("base64")) };
}

/**
 * Bundles mirage/main.ts, the app and its libraries into one executable script,
 * dist/NAME, that needs only Node.js. The ambient runtime is bound to platform-node
 * by an alias; the inline source map makes stack traces point into unikernel.ts.
 */
export async function buildUnix(dir: string, manifest: BuildManifest, progress: (msg: string) => void): Promise<string> {
  const entry = join(dir, GENERATED_DIR, "main.ts");
  progress(`type-checking ${displayPath(entry)} and the unikernel`);
  const problems = typecheck([entry], ["node"]);
  if (problems.length) throw new CliError(`the unikernel does not type-check:\n${problems.join("\n")}`);

  const define = manifest.packages.includes("@mirage-ts/platform-node/net") ? embedTapAddon(dir, progress) : {};
  const outfile = join(dir, "dist", manifest.name);
  progress(`bundling ${displayPath(outfile)}`);
  mkdirSync(join(dir, "dist"), { recursive: true });
  const result = await build({
    absWorkingDir: dir,
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "iife",
    target: "node20",
    outfile,
    write: false,
    sourcemap: "inline",
    alias: { "@mirage-ts/host": "@mirage-ts/platform-node/host" },
    define,
    plugins: [nodeBuiltinsPlugin()],
    banner: { js: "#!/usr/bin/env -S node --enable-source-maps" },
    logLevel: "silent",
  }).catch(esbuildFailure(`bundling failed`));
  writeFileSync(outfile, result.outputFiles[0]!.contents);
  chmodSync(outfile, 0o755);
  return outfile;
}
