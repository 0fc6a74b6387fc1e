import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { BuildManifest } from "../codegen/index.ts";
import { GENERATED_DIR } from "../codegen/index.ts";
import { displayPath } from "../build/typecheck.ts";
import { CliError } from "./errors.ts";

/** The unikernel folder a command works on: that of -f FILE, else the current one. */
export function projectDir(file: string | undefined): string {
  return file ? dirname(resolve(file)) : process.cwd();
}

export function manifestPath(dir: string): string {
  return join(dir, GENERATED_DIR, "build.json");
}

/** The configuration `mirage configure` left, or undefined if there is none. */
export function readManifest(dir: string): BuildManifest | undefined {
  const path = manifestPath(dir);
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, "utf8")) as BuildManifest;
  } catch (e) {
    throw new CliError(`${displayPath(path)} is corrupt (${(e as Error).message}): run \`mirage configure\` again`);
  }
}

export function requireManifest(dir: string): BuildManifest {
  const manifest = readManifest(dir);
  if (!manifest) {
    throw new CliError(`${displayPath(dir)} is not configured: run \`mirage configure -t unix\` first, then \`mirage build\``);
  }
  return manifest;
}

/** The artefact `mirage build` makes for a manifest. */
export function artefactPath(dir: string, manifest: BuildManifest): string {
  return join(dir, "dist", manifest.target === "unix" ? manifest.name : `${manifest.name}.${manifest.target}`);
}

export function mtimeMs(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}
