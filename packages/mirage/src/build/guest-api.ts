import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { CliError } from "../cli/errors.ts";

/** A device of the image's manifest (mirror of @mirage-ts/guest's type). */
export interface GuestDevice {
  readonly name: string;
  readonly kind: "net" | "block";
}

/** The options of @mirage-ts/guest's `buildImage`: link a bundled script into an hvt or spt image. */
export interface BuildImageOptions {
  readonly target: "hvt" | "spt";
  /** The bundled JavaScript (one IIFE script). */
  readonly script: string;
  /** The name the script has in stack traces, e.g. "hello.js". */
  readonly scriptName: string;
  readonly devices: readonly GuestDevice[];
  /** Path of the image to write. */
  readonly out: string;
  readonly onProgress?: (message: string) => void;
}

export interface GuestApi {
  buildImage(options: BuildImageOptions): Promise<unknown>;
}

/** Where @mirage-ts/guest's src/index.ts is, seen from the unikernel's folder (then from this tool). */
function guestEntry(dir: string): string {
  for (const from of [join(dir, "package.json"), import.meta.url]) {
    try {
      const pkg = createRequire(from).resolve("@mirage-ts/guest/package.json");
      const entry = join(dirname(pkg), "src", "index.ts");
      if (existsSync(entry)) return entry;
    } catch {
      // not reachable from there; try the next place
    }
  }
  throw new CliError("cannot find the guest runtime (@mirage-ts/guest, src/index.ts): is it installed next to @mirage-ts/mirage?");
}

/**
 * Loads @mirage-ts/guest. Its sources are TypeScript, which Node 20 cannot import, so
 * they are bundled once per change into node_modules/.cache inside the package (so its
 * own dependencies still resolve from there), with `import.meta.url`
 * (and `dirname`/`filename`) kept pointing at the real src/index.ts so the package finds
 * its C sources beside it, as it would when imported directly.
 */
export async function loadGuest(dir: string): Promise<GuestApi> {
  const entry = guestEntry(dir);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    write: false,
    logLevel: "silent",
    define: {
      "import.meta.url": JSON.stringify(pathToFileURL(entry).href),
      "import.meta.dirname": JSON.stringify(dirname(entry)),
      "import.meta.filename": JSON.stringify(entry),
    },
  }).catch((e: { errors?: { text: string }[] }) => {
    throw new CliError(`cannot load the guest runtime's build code (${entry}): ${(e.errors ?? []).map((m) => m.text).join("; ") || String(e)}`);
  });
  const text = result.outputFiles[0]!.text;
  // Content-named, so concurrent builds share it and a changed guest gets a new module.
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const cacheDir = join(dirname(dirname(entry)), "node_modules", ".cache", "mirage-guest-loader");
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `guest-${hash.toString(16)}-${text.length}.mjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, text);
    renameSync(partial, file);
  }
  const mod = (await import(pathToFileURL(file).href)) as Partial<GuestApi>;
  if (typeof mod.buildImage !== "function") throw new CliError(`the guest runtime (${entry}) has no buildImage export`);
  return mod as GuestApi;
}
