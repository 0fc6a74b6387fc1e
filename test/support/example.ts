import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { REPO, mirage, run, type RunResult } from "./run.ts";

export const exampleDir = (name: string): string => join(REPO, "examples", name);

/** `mirage configure -t unix [options] && mirage build` in `dir`, asserting both worked; returns dist/NAME. */
export async function buildUnikernel(dir: string, name: string, configureArgs: readonly string[] = []): Promise<string> {
  const configured = await mirage(["configure", "-t", "unix", ...configureArgs], dir);
  expect(configured.stderr + configured.stdout).toContain(`configured ${name} for target unix`);
  expect(configured.status).toBe(0);
  const built = await mirage(["build"], dir);
  expect(built.stderr).toContain(`built dist/${name}`);
  expect(built.status).toBe(0);
  return join(dir, "dist", name);
}

/** Builds examples/NAME in place; returns dist/NAME. */
export function buildExample(name: string, configureArgs: readonly string[] = []): Promise<string> {
  return buildUnikernel(exampleDir(name), name, configureArgs);
}

const SCRATCH = join(REPO, ".test-tmp");

/**
 * Copies examples/NAME's sources (not its tests, mirage/ or dist/) into a fresh
 * folder inside the repository, where "@mirage-ts/..." imports resolve as they do
 * for examples/. Tests that build an example in several variants, or that another
 * test file also builds, use one so builds never race in the same folder.
 */
export function scratchCopy(example: string, tag: string): { dir: string; cleanup: () => void } {
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(join(SCRATCH, `${example}-${tag}-`));
  const from = exampleDir(example);
  for (const entry of readdirSync(from)) {
    if (["mirage", "dist", "node_modules"].includes(entry) || entry.endsWith(".test.ts") || entry === "disk.img") continue;
    cpSync(join(from, entry), join(dir, entry), { recursive: true });
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Builds a scratch copy of examples/NAME for unix with `configureArgs`; `bin` is its dist/NAME. */
export async function buildScratchCopy(
  example: string,
  tag: string,
  configureArgs: readonly string[] = [],
): Promise<{ dir: string; bin: string; cleanup: () => void }> {
  const copy = scratchCopy(example, tag);
  return { ...copy, bin: await buildUnikernel(copy.dir, example, configureArgs) };
}

/** Runs a built unikernel, as a user would, from `cwd` (default: a folder elsewhere). */
export function runUnikernel(artefact: string, args: readonly string[] = [], cwd = "/"): Promise<RunResult> {
  return run(artefact, args, { cwd, timeoutMs: 30_000 });
}

/** The messages of log lines ("...: [INFO] [application] MSG") in order. */
export function logMessages(stdout: string, source = "application"): string[] {
  const re = new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d-00:00: \\[[A-Z]+\\] \\[${source}\\] (.*)$`);
  return stdout.split("\n").flatMap((line) => {
    const m = re.exec(line);
    return m ? [m[1]!] : [];
  });
}
