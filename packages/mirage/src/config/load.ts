import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import type { Registration } from "../dsl/graph.ts";
import { takeRegistration } from "../dsl/job.ts";
import { displayPath, typecheck } from "../build/typecheck.ts";
import { CliError } from "../cli/errors.ts";
import { esbuildFailure } from "../build/esbuild-errors.ts";

/** A loaded config file: what it registered, and where it lives. */
export interface LoadedConfig {
  /** Absolute path of config.ts. */
  readonly path: string;
  /** The unikernel folder: config.ts's folder, where mirage/ and dist/ go. */
  readonly dir: string;
  readonly registration: Registration;
}

/** "file:line:col" of the first stack frame inside `file`, if any. */
function frameIn(stack: string, file: string): string | undefined {
  for (const line of stack.split("\n")) {
    const at = line.indexOf(file);
    if (at < 0) continue;
    const m = /^:(\d+):(\d+)/.exec(line.slice(at + file.length));
    if (m) return `${displayPath(file)}:${m[1]}:${m[2]}`;
  }
  return undefined;
}

/**
 * Loads config.ts the way a user expects errors from it: first type-checked (wrong
 * device types and counts are TypeScript errors, reported with config.ts's own
 * path and line), then bundled and evaluated; an exception it throws is reported at
 * its line in config.ts too.
 */
export async function loadConfig(file: string | undefined, progress: (msg: string) => void): Promise<LoadedConfig> {
  const path = resolve(file ?? "config.ts");
  const shown = displayPath(path);
  if (!existsSync(path)) {
    throw new CliError(
      file ? `${shown}: no such config file` : `no config.ts in ${process.cwd()} (run mirage in a unikernel's folder, or name one with -f FILE)`,
    );
  }
  progress(`checking ${shown}`);
  // Config files live by the pure rules too: no Node types in scope.
  const problems = typecheck([path], []);
  if (problems.length) throw new CliError(`${shown} does not type-check:\n${problems.join("\n")}`);

  const tmp = mkdtempSync(join(tmpdir(), "mirage-config-"));
  const outfile = join(tmp, "config.mjs");
  try {
    const result = await build({
      entryPoints: [path],
      bundle: true,
      format: "esm",
      platform: "neutral",
      outfile,
      sourcemap: "inline",
      write: false,
      logLevel: "silent",
    }).catch(esbuildFailure(`${shown} could not be loaded`));
    writeFileSync(outfile, result.outputFiles[0]!.contents);
    process.setSourceMapsEnabled(true);
    takeRegistration();
    try {
      await import(pathToFileURL(outfile).href);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const where = frameIn(err.stack ?? "", path) ?? shown;
      throw new CliError(`${where}: error: ${err.message}`);
    }
    const registration = takeRegistration();
    if (!registration) throw new CliError(`${shown}: error: the config never calls register(name, jobs)`);
    return { path, dir: resolve(path, ".."), registration };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
