import { spawnSync } from "node:child_process";
import { constants as osConstants } from "node:os";
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import {
  AVAILABLE_TARGETS,
  ConfigError,
  TARGETS,
  collectOptions,
  describeDot,
  describeText,
  generate,
  isTarget,
  isUnikernelTarget,
  type BuildManifest,
  type Target,
} from "../codegen/index.ts";
import { readCrunchFolder, renderCrunchModule } from "../build/crunch.ts";
import { displayPath } from "../build/typecheck.ts";
import { splitRunArgs, tenderPath } from "../build/tender.ts";
import { buildUnikernelImage } from "../build/unikernel.ts";
import { buildUnix } from "../build/unix.ts";
import { loadConfig, type LoadedConfig } from "../config/load.ts";
import { parseConfigureOptions } from "./configure-options.ts";
import { CliError } from "./errors.ts";
import { artefactPath, manifestPath, mtimeMs, projectDir, readManifest, requireManifest } from "./project.ts";

export type Progress = (msg: string) => void;

export interface ConfigOptions {
  readonly target?: string;
  readonly file?: string;
}

function checkTarget(name: string): Target {
  if (!isTarget(name)) throw new CliError(`unknown target '${name}' (targets: ${TARGETS.join(", ")})`);
  return name;
}

/** Runs the pure generator, turning a graph problem into a located CLI error. */
function generateFor(cfg: LoadedConfig, target: Target, options: Record<string, string>) {
  try {
    return generate({ registration: cfg.registration, target, options, configPath: relative(cfg.dir, cfg.path) });
  } catch (e) {
    if (e instanceof ConfigError) throw new CliError(`${e.at ? displayPath(e.at) : displayPath(cfg.path)}: error: ${e.message}`);
    throw e;
  }
}

/** Target and options for describe/query: from the flags, else from the last configure, else unix. */
function settingsFor(dir: string, opts: ConfigOptions, extra: readonly string[]): { target: Target; options: Record<string, string> } {
  const manifest = readManifest(dir);
  const options = extra.length ? parseConfigureOptions(extra) : { ...(manifest?.options ?? {}) };
  return { target: checkTarget(opts.target ?? manifest?.target ?? "unix"), options };
}

export async function configure(opts: ConfigOptions & { dryRun?: boolean }, extra: readonly string[], progress: Progress): Promise<void> {
  const options = parseConfigureOptions(extra);
  const cfg = await loadConfig(opts.file, progress);
  const target = checkTarget(opts.target ?? "unix");
  if (!AVAILABLE_TARGETS.includes(target)) {
    throw new CliError(`target ${target} is not available yet (available: ${AVAILABLE_TARGETS.join(", ")})`);
  }
  const { files, manifest } = generateFor(cfg, target, options);
  if (opts.dryRun) {
    for (const f of files) process.stdout.write(`--- ${join(displayPath(cfg.dir), f.path)} (would be written)\n${f.contents}`);
    process.stdout.write(`--- crunched at build time: ${manifest.crunch.map((c) => `${c.dir} -> mirage/${c.module}`).join(", ") || "nothing"}\n`);
    return;
  }
  for (const f of files) {
    mkdirSync(dirname(join(cfg.dir, f.path)), { recursive: true });
    writeFileSync(join(cfg.dir, f.path), f.contents);
  }
  progress(`configured ${manifest.name} for target ${target}; next: mirage build`);
}

/** Writes the crunched modules, then bundles: every step prints what it is doing. */
export async function buildProject(file: string | undefined, progress: Progress): Promise<string> {
  const dir = projectDir(file);
  let manifest = requireManifest(dir);
  if (mtimeMs(join(dir, manifest.config)) > mtimeMs(manifestPath(dir))) {
    progress(`${manifest.config} changed since mirage configure: configuring again for ${manifest.target}`);
    const cfg = await loadConfig(join(dir, manifest.config), progress);
    const { files, manifest: fresh } = generateFor(cfg, manifest.target, { ...manifest.options });
    for (const f of files) writeFileSync(join(dir, f.path), f.contents);
    manifest = fresh;
  }
  if (!AVAILABLE_TARGETS.includes(manifest.target)) throw new CliError(`target ${manifest.target} is not available yet`);
  for (const c of manifest.crunch) {
    progress(`crunching ${c.dir}/ into mirage/${c.module}`);
    const files = await readCrunchFolder(join(dir, c.dir));
    writeFileSync(join(dir, "mirage", c.module), renderCrunchModule(files, c.dir));
  }
  const out = isUnikernelTarget(manifest.target) ? await buildUnikernelImage(dir, manifest, progress) : await buildUnix(dir, manifest, progress);
  progress(`built ${displayPath(out)}`);
  return out;
}

/** Newest modification time of the unikernel's own files (generated and built ones aside). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || ["dist", "mirage", "node_modules"].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds if the image is older than the unikernel's sources or its configuration,
 * then runs it: dist/NAME directly on unix (`args` are its boot arguments), or under
 * its tender on hvt/spt (`args` are tender options, then `--` and the boot arguments).
 * `args` are as typed after `run` (without -f FILE), `--` included.
 * Returns the exit status to end with: the unikernel's, or 128 + N after signal N.
 */
export async function run(file: string | undefined, args: readonly string[], progress: Progress): Promise<number> {
  const dir = projectDir(file);
  const manifest: BuildManifest = requireManifest(dir);
  const target = manifest.target;
  // Tender options are checked before building, so a typo does not cost a build.
  const launch = (image: string): [string, string[]] => {
    if (target === "hvt" || target === "spt") {
      const { tender, guest } = splitRunArgs(args);
      return [tenderPath(target, dir), [...tender, "--", image, ...guest]];
    }
    // On unix everything is a boot argument; the first `--` only ends mirage's own options.
    const dash = args.indexOf("--");
    return [image, dash === -1 ? [...args] : [...args.slice(0, dash), ...args.slice(dash + 1)]];
  };
  launch("");
  let artefact = artefactPath(dir, manifest);
  const built = mtimeMs(artefact);
  if (built === 0 || built < Math.max(newestSource(dir), mtimeMs(manifestPath(dir)))) artefact = await buildProject(file, progress);
  const [cmd, argv] = launch(artefact);
  const child = spawnSync(cmd, argv, { stdio: "inherit" });
  if (child.error) throw new CliError(`cannot run ${displayPath(cmd)}: ${child.error.message}`);
  if (child.signal) return 128 + (osConstants.signals[child.signal] ?? 0);
  return child.status ?? 1;
}

export function clean(file: string | undefined, progress: Progress): void {
  const dir = projectDir(file);
  for (const sub of ["mirage", "dist"]) rmSync(join(dir, sub), { recursive: true, force: true });
  progress(`removed mirage/ and dist/ in ${displayPath(dir)}`);
}

export async function describe(opts: ConfigOptions & { dot?: boolean }, extra: readonly string[], progress: Progress): Promise<void> {
  const cfg = await loadConfig(opts.file, progress);
  const { target, options } = settingsFor(cfg.dir, opts, extra);
  generateFor(cfg, target, options); // reports what would stop configure, too
  const input = { registration: cfg.registration, target, options };
  process.stdout.write(opts.dot ? describeDot(input) : describeText(input));
}

export const QUERY_KINDS = ["name", "target", "packages", "files", "options", "image", "devices"] as const;

export async function query(kind: string, opts: ConfigOptions, extra: readonly string[], progress: Progress): Promise<void> {
  if (!(QUERY_KINDS as readonly string[]).includes(kind)) {
    throw new CliError(`unknown query '${kind}' (one of: ${QUERY_KINDS.join(", ")})`);
  }
  const cfg = await loadConfig(opts.file, progress);
  const { target, options } = settingsFor(cfg.dir, opts, extra);
  const { files, manifest } = generateFor(cfg, target, options);
  const lines: Record<(typeof QUERY_KINDS)[number], () => string[]> = {
    name: () => [manifest.name],
    target: () => [target],
    packages: () => [...manifest.packages],
    files: () => [
      ...files.map((f) => f.path),
      ...manifest.crunch.map((c) => `mirage/${c.module}`),
      relative(cfg.dir, artefactPath(cfg.dir, manifest)),
    ],
    options: () => collectOptions(cfg.registration).map((o) => `--${o.key}=${options[o.key] ?? o.fallback}\t${o.values.join("|")}\t${o.doc}`),
    image: () => [relative(cfg.dir, artefactPath(cfg.dir, manifest))],
    devices: () => (manifest.devices ?? []).map((d) => `${d.kind}\t${d.name}\t--${d.kind}:${d.name}=${d.kind === "net" ? "TAP" : "FILE"}`),
  };
  const out = lines[kind as (typeof QUERY_KINDS)[number]]();
  if (out.length) process.stdout.write(`${out.join("\n")}\n`);
}
