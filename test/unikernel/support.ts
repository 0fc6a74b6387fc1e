/**
 * Shared by the hvt/spt example tests: bundling for a unikernel target, and output
 * normalisation for comparing a unikernel's output with the unix build's.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { readCrunchFolder, renderCrunchModule } from "../../packages/mirage/src/build/crunch.ts";
import { bundleUnikernel } from "../../packages/mirage/src/build/unikernel.ts";
import type { BuildManifest } from "../../packages/mirage/src/codegen/index.ts";
import { mirage } from "../support/run.ts";

/** `mirage configure` in `dir`, asserting it worked. */
export async function configure(dir: string, target: string, extra: readonly string[] = []): Promise<void> {
  const r = await mirage(["configure", "-t", target, ...extra], dir);
  expect(r.stderr + r.stdout, `configure -t ${target}`).toMatch(/configured \S+ for target/);
  expect(r.status).toBe(0);
}

/** Configures `dir` for `target` and returns the bundled script `mirage build` would hand the guest runtime. */
export async function bundleFor(dir: string, target: "hvt" | "spt"): Promise<string> {
  await configure(dir, target);
  const manifest = JSON.parse(readFileSync(join(dir, "mirage", "build.json"), "utf8")) as BuildManifest;
  for (const c of manifest.crunch) {
    writeFileSync(join(dir, "mirage", c.module), renderCrunchModule(await readCrunchFolder(join(dir, c.dir)), c.dir));
  }
  return bundleUnikernel(dir, manifest);
}

const LOG_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-00:00: /gm;

/**
 * Output with what legitimately differs between runs and targets blanked: log
 * timestamps, times of day and elapsed times, random hex strings.
 */
export function normalise(text: string): string {
  return text
    .replace(LOG_PREFIX, "<time>: ")
    .replace(/\b\d\d:\d\d:\d\d UTC\b/g, "<hh:mm:ss> UTC")
    .replace(/\b\d+\.\d{3} s since start\b/g, "<n> s since start")
    .replace(/\b[0-9a-f]{16}\b/g, "<hex16>");
}
