import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { open, readdir, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { err, MirageError, ok } from "@mirage-ts/devices";
import type { KvEntryKind, KvError, KvRo, Result } from "@mirage-ts/devices";
import { checkPartialArgs, compareNames, dictionaryDigest, keyToString, parseKey } from "@mirage-ts/storage";
import type { DigestEntry } from "@mirage-ts/storage";

/**
 * A read-only KV store over a host folder, read at run time (the unix target's
 * alternative to crunching the folder into the image). Same keys, errors and digests
 * as the pure stores in @mirage-ts/storage; host-specific decisions:
 *
 * - Keys go through `parseKey`, so `..` and friends are `invalid_key` before the
 *   file system is touched. Symbolic links inside the folder are followed, but a key
 *   whose real path (after resolving every link) lies outside the folder's real
 *   path is `invalid_key` too: that is "a key that leaves the root". (A process that
 *   can rewrite links inside the folder while we read can still race this check;
 *   the folder is trusted, keys are not.)
 * - Only regular files and directories exist: sockets, FIFOs, devices and dangling
 *   links are `not_found` and left out of `list`, as are links that lead outside the
 *   folder. A path through a file ("a.txt/x") is `not_found`.
 * - `lastModified` is the host's mtime, truncated to whole milliseconds; for a
 *   directory that is the host's directory mtime (it changes when entries are added
 *   or removed, not when a file below is rewritten), unlike the pure stores.
 * - A dictionary digest that would loop (a link to an ancestor directory) is `io`.
 * - Other host failures (permissions, I/O errors) are `io` with the host's message.
 */
export async function directKvRo(dir: string): Promise<KvRo> {
  let st: Stats;
  try {
    st = await stat(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such folder" : code === "ENOTDIR" ? "not a directory" : (e as Error).message;
    throw new MirageError("device", `directKvRo ${dir}: ${reason}`);
  }
  if (!st.isDirectory()) throw new MirageError("device", `directKvRo ${dir}: not a directory`);
  return new DirectKv(await realpath(dir));
}

interface Entry {
  readonly segments: string[];
  readonly real: string;
  readonly kind: KvEntryKind;
  readonly stats: Stats;
}

const CHUNK = 64 * 1024;

class DirectKv implements KvRo {
  constructor(private readonly root: string) {}

  async exists(key: string): Promise<Result<KvEntryKind | null, KvError>> {
    const found = await this.lookup(key);
    if (found.ok) return ok(found.value.kind);
    return found.error.code === "not_found" ? ok(null) : found;
  }

  async get(key: string): Promise<Result<Uint8Array, KvError>> {
    const found = await this.value(key);
    if (!found.ok) return found;
    return this.readRange(found.value, 0, Number.MAX_SAFE_INTEGER);
  }

  async getPartial(key: string, offset: number, length: number): Promise<Result<Uint8Array, KvError>> {
    checkPartialArgs(offset, length);
    const found = await this.value(key);
    if (!found.ok) return found;
    return this.readRange(found.value, offset, length);
  }

  async list(key: string): Promise<Result<Array<[string, KvEntryKind]>, KvError>> {
    const found = await this.lookup(key);
    if (!found.ok) return found;
    const listed = await this.children(found.value);
    if (!listed.ok) return listed;
    return ok(listed.value.map((child): [string, KvEntryKind] => [child.segments[child.segments.length - 1]!, child.kind]));
  }

  async lastModified(key: string): Promise<Result<number, KvError>> {
    const found = await this.lookup(key);
    return found.ok ? ok(Math.trunc(found.value.stats.mtimeMs)) : found;
  }

  async digest(key: string): Promise<Result<Uint8Array, KvError>> {
    const found = await this.lookup(key);
    if (!found.ok) return found;
    return this.digestOf(found.value, []);
  }

  async size(key: string): Promise<Result<number, KvError>> {
    const found = await this.value(key);
    return found.ok ? ok(found.value.stats.size) : found;
  }

  private async value(key: string): Promise<Result<Entry, KvError>> {
    const found = await this.lookup(key);
    if (found.ok && found.value.kind !== "value") {
      return err({ code: "value_expected", message: `${JSON.stringify(keyToString(found.value.segments))} is a dictionary, not a value` });
    }
    return found;
  }

  private async lookup(key: string): Promise<Result<Entry, KvError>> {
    const parsed = parseKey(key);
    return parsed.ok ? this.resolve(parsed.value) : parsed;
  }

  private async resolve(segments: string[]): Promise<Result<Entry, KvError>> {
    const shown = JSON.stringify(keyToString(segments));
    const notFound = err({ code: "not_found" as const, message: `no entry at ${shown}` });
    let real: string;
    let stats: Stats;
    try {
      real = await realpath(join(this.root, ...segments));
      if (!this.inside(real)) {
        return err({ code: "invalid_key", message: `invalid key ${shown}: it leads outside the store's root through a symbolic link` });
      }
      stats = await stat(real);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return notFound;
      return err({ code: "io", message: `${shown}: ${(e as Error).message}` });
    }
    const kind = stats.isFile() ? "value" : stats.isDirectory() ? "dictionary" : null;
    if (kind === null) return notFound;
    return ok({ segments, real, kind, stats });
  }

  private inside(real: string): boolean {
    if (real === this.root) return true;
    const prefix = this.root.endsWith(sep) ? this.root : this.root + sep;
    return real.startsWith(prefix);
  }

  /** The servable children of a directory, sorted by name. */
  private async children(entry: Entry): Promise<Result<Entry[], KvError>> {
    if (entry.kind !== "dictionary") {
      return err({ code: "dictionary_expected", message: `${JSON.stringify(keyToString(entry.segments))} is a value, not a dictionary` });
    }
    let names: string[];
    try {
      names = await readdir(entry.real);
    } catch (e) {
      return err({ code: "io", message: `${JSON.stringify(keyToString(entry.segments))}: ${(e as Error).message}` });
    }
    const out: Entry[] = [];
    for (const name of names.sort(compareNames)) {
      // Resolve through the key's own path, not entry.real, so that the checks
      // are exactly those a direct request for the child would get.
      const child = await this.resolve([...entry.segments, name]);
      if (child.ok) out.push(child.value);
      else if (child.error.code === "io") return child;
    }
    return ok(out);
  }

  private async readRange(entry: Entry, offset: number, length: number): Promise<Result<Uint8Array, KvError>> {
    try {
      const handle = await open(entry.real, "r");
      try {
        // Size from the open file, in case it changed since `resolve`.
        const size = (await handle.stat()).size;
        const n = Math.max(0, Math.min(length, size - offset));
        const out = new Uint8Array(n);
        let done = 0;
        while (done < n) {
          const { bytesRead } = await handle.read(out, done, n - done, offset + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return ok(done === n ? out : out.slice(0, done));
      } finally {
        await handle.close();
      }
    } catch (e) {
      return err({ code: "io", message: `${JSON.stringify(keyToString(entry.segments))}: ${(e as Error).message}` });
    }
  }

  private async digestOf(entry: Entry, ancestors: string[]): Promise<Result<Uint8Array, KvError>> {
    const shown = JSON.stringify(keyToString(entry.segments));
    if (entry.kind === "value") {
      // Streamed, so a large file is never held whole just to hash it.
      try {
        const handle = await open(entry.real, "r");
        try {
          const hash = createHash("sha256");
          const buf = new Uint8Array(CHUNK);
          for (let pos = 0; ; ) {
            const { bytesRead } = await handle.read(buf, 0, CHUNK, pos);
            if (bytesRead === 0) break;
            hash.update(buf.subarray(0, bytesRead));
            pos += bytesRead;
          }
          return ok(new Uint8Array(hash.digest()));
        } finally {
          await handle.close();
        }
      } catch (e) {
        return err({ code: "io", message: `${shown}: ${(e as Error).message}` });
      }
    }
    if (ancestors.includes(entry.real)) return err({ code: "io", message: `${shown}: symbolic link loop` });
    const children = await this.children(entry);
    if (!children.ok) return children;
    const entries: DigestEntry[] = [];
    for (const child of children.value) {
      const d = await this.digestOf(child, [...ancestors, entry.real]);
      if (!d.ok) return d;
      entries.push([child.segments[child.segments.length - 1]!, child.kind, d.value]);
    }
    return ok(dictionaryDigest(entries));
  }
}
