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
