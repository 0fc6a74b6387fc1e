import { err, ok } from "@mirage-ts/devices";
import type { KvError, KvRo, Result } from "@mirage-ts/devices";
import { decodeBase64 } from "./base64.ts";
import { keyToString, parseKey } from "./key.ts";
import { newDict, TreeKv } from "./tree.ts";
import type { DictNode, ValueNode } from "./tree.ts";

/**
 * The shape of the module `mirage build` generates from a folder (see
 * packages/mirage/src/build/crunch.ts): one entry per regular file, with its path
 * relative to the folder ("css/site.css"), its modification time in milliseconds
 * since the Unix epoch, and its bytes in base64.
 */
export interface CrunchData {
  readonly files: ReadonlyArray<{ readonly path: string; readonly mtimeMs: number; readonly base64: string }>;
}

/**
 * A read-only KV store over crunched data (ocaml-crunch's role): the folder is
 * compiled into the unikernel, so it needs no block device or file system.
 *
 * The tree is built at construction, which checks every path with `parseKey` and
 * throws a TypeError quoting the culprit for an invalid, duplicate or conflicting
 * path ("a" both a file and a folder) or a base64 length that is not a multiple of
 * 4: such data is a build bug and should stop the unikernel at boot.
 * File contents are decoded lazily, on the first read of each file, and then kept:
 * a unikernel only pays memory for the files it serves. `size` is computed from the
 * base64 length without decoding. Should a string still turn out to be corrupt, the
 * read fails with `io`.
 *
 * A dictionary's `lastModified` is the newest mtime of the files below it (0 for an
 * empty store), since crunched folders carry no folder times.
 */
export function crunchStore(data: CrunchData): KvRo {
  const root = newDict(0);
  for (const file of data.files) {
    const parsed = parseKey(file.path);
    if (!parsed.ok) throw new TypeError(`crunchStore: ${parsed.error.message}`);
    const segments = parsed.value;
    if (segments.length === 0) throw new TypeError(`crunchStore: file path ${JSON.stringify(file.path)} names the root`);
    if (!Number.isFinite(file.mtimeMs)) throw new TypeError(`crunchStore: ${JSON.stringify(file.path)} has mtimeMs ${String(file.mtimeMs)}`);
    if (typeof file.base64 !== "string" || file.base64.length % 4 !== 0) {
      throw new TypeError(`crunchStore: ${JSON.stringify(file.path)} has base64 of length ${String(file.base64?.length)}, not a multiple of 4`);
    }
    let dir: DictNode = root;
    dir.mtime = Math.max(dir.mtime, file.mtimeMs);
    for (let i = 0; i < segments.length - 1; i++) {
      let child = dir.children.get(segments[i]!);
      if (child === undefined) {
        child = newDict(file.mtimeMs);
        dir.children.set(segments[i]!, child);
      }
      if (child.kind !== "dictionary") {
        throw new TypeError(`crunchStore: ${JSON.stringify(file.path)} needs ${JSON.stringify(keyToString(segments.slice(0, i + 1)))} to be a folder, but it is a file`);
      }
      child.mtime = Math.max(child.mtime, file.mtimeMs);
      dir = child;
    }
    const name = segments[segments.length - 1]!;
    if (dir.children.has(name)) throw new TypeError(`crunchStore: ${JSON.stringify(keyToString(segments))} appears twice, or as both a file and a folder`);
    dir.children.set(name, crunchedValue(keyToString(segments), file.base64, file.mtimeMs));
  }
  return new TreeKv(root);
}

function crunchedValue(key: string, base64: string, mtime: number): ValueNode {
  let bytes: Uint8Array | null = null;
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  return {
    kind: "value",
    mtime,
    size: (base64.length / 4) * 3 - padding,
    digest: null,
    load(): Result<Uint8Array, KvError> {
      if (bytes !== null) return ok(bytes);
      const decoded = decodeBase64(base64);
      if (!decoded.ok) return err({ code: "io", message: `crunched file ${JSON.stringify(key)} is corrupt: ${decoded.error.message}` });
      bytes = decoded.value;
      return ok(bytes);
    },
  };
}
