/**
 * Running hvt and spt images in tests: whether this machine can (KVM for hvt, the
 * tenders built, the guest's toolchain present), building an example's image with
 * the mirage command, and running it under its tender.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { REPO, mirage, run, type RunResult } from "./run.ts";

export type UnikernelTarget = "hvt" | "spt";
export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Where the tender binaries are: packages/tender/build (what scripts/build.mjs makes), or $MIRAGE_TENDER_BUILD. */
const tenderBuildDir = (): string => process.env["MIRAGE_TENDER_BUILD"] ?? join(REPO, "packages", "tender", "build");
/** The C tender binary. */
export const tenderBinary = (target: UnikernelTarget): string => join(tenderBuildDir(), `mirage-${target}`);
/** What users run (`npx mirage-hvt`): the bin/ wrapper around the binary (or the binary itself from $MIRAGE_TENDER_BUILD). */
export const tenderLauncher = (target: UnikernelTarget): string =>
  process.env["MIRAGE_TENDER_BUILD"] ? tenderBinary(target) : join(REPO, "packages", "tender", "bin", `mirage-${target}`);

const MUSL_LIBC = "/usr/lib/x86_64-linux-musl/libc.a";

const cache = new Map<UnikernelTarget, Availability>();

/** Whether images for `target` can be built and run here; the reason if not. Cached. */
export function canRunUnikernel(target: UnikernelTarget): Availability {
  const known = cache.get(target);
  if (known) return known;
  const result = probe(target);
  cache.set(target, result);
  return result;
}

function probe(target: UnikernelTarget): Availability {
  if (process.platform !== "linux" || process.arch !== "x64") return { ok: false, reason: `${target} needs Linux on x86_64, this is ${process.platform}/${process.arch}` };
  if (target === "hvt") {
    if (!existsSync("/dev/kvm")) return { ok: false, reason: "/dev/kvm is missing (no KVM in this machine or container)" };
    try {
      accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    } catch {
      return { ok: false, reason: "/dev/kvm is not readable and writable by this user (add it to the kvm group)" };
    }
  }
  const bin = tenderBinary(target);
  if (!existsSync(bin)) return { ok: false, reason: `the ${target} tender is not built (${bin}); build it with node packages/tender/scripts/build.mjs` };
  if (!existsSync(join(REPO, "packages", "guest", "src", "index.ts"))) return { ok: false, reason: "the guest runtime's build API (packages/guest/src/index.ts) is missing" };
  if (!existsSync(MUSL_LIBC)) return { ok: false, reason: `musl's libc.a is missing (${MUSL_LIBC}); install musl-dev` };
  if (!existsSync(join(REPO, "node_modules", "qjsc", "package.json"))) return { ok: false, reason: "the qjsc package (QuickJS sources) is not installed" };
  for (const tool of ["gcc", "objdump"]) {
    if (spawnSync(tool, ["--version"]).status !== 0) return { ok: false, reason: `${tool} is missing (the guest runtime is compiled on the first build)` };
  }
  return { ok: true };
}

/** `mirage configure -t TARGET` and `mirage build` in `dir`, asserting both worked; returns dist/NAME.TARGET. */
export async function buildImage(dir: string, target: UnikernelTarget, configureArgs: readonly string[] = []): Promise<string> {
  const configured = await mirage(["configure", "-t", target, ...configureArgs], dir);
  expect(configured.stderr + configured.stdout).toMatch(new RegExp(`configured \\S+ for target ${target}`));
  expect(configured.status).toBe(0);
  const name = (JSON.parse(readFileSync(join(dir, "mirage", "build.json"), "utf8")) as { name: string }).name;
  // The first build compiles the guest runtime (minutes on 2 cores); later ones take seconds.
  const built = await run(process.execPath, [join(REPO, "packages/mirage/bin/mirage.js"), "build"], { cwd: dir, timeoutMs: 900_000 });
  expect(built.stderr, "mirage build").toContain(`built dist/${name}.${target}`);
  expect(built.status).toBe(0);
  return join(dir, "dist", `${name}.${target}`);
}

export interface TenderRun {
  /** Tender options: --mem=MiB, --net:NAME=TAP, --block:NAME=FILE. */
  readonly tender?: readonly string[];
  /** The guest's boot arguments. */
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** The command line that runs `image` under its tender. */
export function tenderArgs(image: string, opts: TenderRun = {}): string[] {
  return [...(opts.tender ?? []), "--", image, ...(opts.args ?? [])];
}

/** Runs `image` under its tender to completion (through the launcher, as `npx mirage-hvt` would). */
export function runImage(target: UnikernelTarget, image: string, opts: TenderRun = {}): Promise<RunResult> {
  return run(tenderLauncher(target), tenderArgs(image, opts), { cwd: opts.cwd ?? "/", timeoutMs: opts.timeoutMs ?? 30_000 });
}
