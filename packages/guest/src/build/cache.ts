/**
 * Content-addressed build cache for the guest runtime: an entry is a directory
 * named after a hash of everything that went into it (sources, flags, compiler
 * version, libc.a). It is built in a private temporary directory and renamed into
 * place, so parallel builds never see half an entry: the first rename wins and the
 * loser throws its copy away. Entries made stale by a source change are pruned.
 */
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";

export class Hasher {
  private readonly h = createHash("sha256");

  text(label: string, value: string): this {
    this.h.update(`${label}\0${value.length}\0${value}\0`);
    return this;
  }

  /** Hashes a file's content, or the fact that it is absent. */
  file(path: string): this {
    if (!existsSync(path)) return this.text(path, "<absent>");
    const data = readFileSync(path);
    this.h.update(`${path}\0${data.length}\0`);
    this.h.update(data);
    return this;
  }

  digest(): string {
    return this.h.digest("hex").slice(0, 20);
  }
}

const STALE_MS = 10 * 60 * 1000;

/**
 * Removes older entries of the same kind (same name up to the hash) once a new one
 * exists: sources changed, so nothing in this checkout will ask for them again.
 * Entries younger than STALE_MS are left alone in case a parallel build uses them.
 */
function pruneSiblings(root: string, name: string): void {
  const kind = name.slice(0, name.lastIndexOf("-") + 1);
  for (const entry of readdirSync(root)) {
    const abandoned = entry.startsWith(".tmp-"); // a build that was killed midway
    if (entry === name || !(entry.startsWith(kind) || abandoned)) continue;
    try {
      if (Date.now() - statSync(join(root, entry)).mtimeMs > (abandoned ? 6 * STALE_MS : STALE_MS)) rmSync(join(root, entry), { recursive: true, force: true });
    } catch {
      /* already gone */
    }
  }
}

/**
 * Returns the directory of entry `name`, building it with `build(tmpDir)` first if it
 * is not there yet. `build` must write everything into tmpDir.
 */
export function cachedDir(root: string, name: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  const key = join(root, name);
  let pending = inFlight.get(key); // one build per entry within this process
  if (!pending) {
    pending = buildEntry(root, name, build).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

const inFlight = new Map<string, Promise<string>>();

async function buildEntry(root: string, name: string, build: (tmpDir: string) => Promise<void>): Promise<string> {
  const final = join(root, name);
  if (existsSync(join(final, ".complete"))) return final;
  mkdirSync(root, { recursive: true });
  const tmp = await mkdtemp(join(root, `.tmp-${name}-`));
  try {
    await build(tmp);
    mkdirSync(join(tmp, ".complete"));
    chmodSync(tmp, 0o755); // mkdtemp made it private; the cache is shared like node_modules
    try {
      renameSync(tmp, final);
      pruneSiblings(root, name);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== "ENOTEMPTY" && code !== "EEXIST") || !existsSync(join(final, ".complete"))) throw e;
      rmSync(tmp, { recursive: true, force: true }); /* another build won the race */
    }
    return final;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}
