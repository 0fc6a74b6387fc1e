import { err, ok } from "@mirage-ts/devices";
import type { KvRw, KvWriteError, Result } from "@mirage-ts/devices";
import { keyToString, parseKey } from "./key.ts";
import { dictionaryExpected, newDict, notFound, TreeKv, valueExpected } from "./tree.ts";
import type { DictNode, TreeNode, ValueNode } from "./tree.ts";

export interface KvRwMemOptions {
  /** Clock for `lastModified`, in milliseconds since the Unix epoch; default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A read-write KV store held in memory (mirage-kv-mem's role): for tests, caches and
 * scratch data. Semantics, where the interface leaves room:
 *
 * - `set` creates missing parent dictionaries. If a parent is a value it fails with
 *   `dictionary_expected` (that key would have to be a dictionary) and changes
 *   nothing; if `key` is itself a dictionary (the root included) it fails with
 *   `value_expected`. The stored bytes are a copy of `value`.
 * - `remove` is recursive; a missing key is `not_found` (callers that want "rm -f"
 *   ignore that code). Removing the root empties the store. Emptied parent
 *   dictionaries stay, like folders.
 * - `rename` moves a value or a whole dictionary, keeping its own timestamps. `dest`
 *   strictly inside `source` (the root counts as containing everything) is
 *   `rename_source_prefix`; an existing value at `dest` is replaced, an existing
 *   dictionary is `already_present` (no merging); a value on `dest`'s parent path is
 *   `dictionary_expected`; `source` equal to `dest` is a no-op.
 * - `lastModified` of a value is when it was last set; of a dictionary, the last time
 *   anything below it was set, removed or renamed in or out (or its creation).
 */
export function kvRwMem(options: KvRwMemOptions = {}): KvRw {
  return new KvRwMem(options.now ?? Date.now);
}

class KvRwMem extends TreeKv implements KvRw {
  private readonly now: () => number;

  constructor(now: () => number) {
    super(newDict(now()));
    this.now = now;
  }

  async set(key: string, value: Uint8Array): Promise<Result<void, KvWriteError>> {
    if (!(value instanceof Uint8Array)) throw new TypeError(`set ${JSON.stringify(key)}: value must be a Uint8Array, got ${typeof value}`);
    const parsed = parseKey(key);
    if (!parsed.ok) return parsed;
    const segments = parsed.value;
    if (segments.length === 0) return valueExpected(segments);
    const blocked = this.blockedParent(segments);
    if (blocked !== null) return blocked;
    const existing = this.find(segments);
    if (existing?.kind === "dictionary") return valueExpected(segments);
    const t = this.now();
    const bytes = value.slice();
    const node: ValueNode = { kind: "value", mtime: t, size: bytes.length, load: () => ok(bytes), digest: null };
    this.parentFor(segments, t).children.set(segments[segments.length - 1]!, node);
    return ok(undefined);
  }

  async remove(key: string): Promise<Result<void, KvWriteError>> {
    const parsed = parseKey(key);
    if (!parsed.ok) return parsed;
    const segments = parsed.value;
    const t = this.now();
    if (segments.length === 0) {
      this.root.children.clear();
      this.root.mtime = t;
      this.root.digest = null;
      return ok(undefined);
    }
    if (this.find(segments) === null) return notFound(segments);
    this.parentFor(segments, t).children.delete(segments[segments.length - 1]!);
    return ok(undefined);
  }

  async rename(source: string, dest: string): Promise<Result<void, KvWriteError>> {
    const from = parseKey(source);
    if (!from.ok) return from;
    const to = parseKey(dest);
    if (!to.ok) return to;
    const src = from.value, dst = to.value;
    const node = this.find(src);
    if (node === null) return notFound(src);
    if (isPrefix(src, dst)) {
      if (src.length === dst.length) return ok(undefined);
      return err({
        code: "rename_source_prefix",
        message: `cannot rename ${JSON.stringify(keyToString(src))} to ${JSON.stringify(keyToString(dst))}: the destination is inside the source`,
      });
    }
    const target = this.find(dst);
    if (target?.kind === "dictionary") {
      return err({ code: "already_present", message: `cannot rename ${JSON.stringify(keyToString(src))}: ${JSON.stringify(keyToString(dst))} is an existing dictionary` });
    }
    const blocked = this.blockedParent(dst);
    if (blocked !== null) return blocked;
    const t = this.now();
    this.parentFor(src, t).children.delete(src[src.length - 1]!);
    this.parentFor(dst, t).children.set(dst[dst.length - 1]!, node);
    return ok(undefined);
  }

  /** `dictionary_expected` naming the first value on the way to `segments`' parent. */
  private blockedParent(segments: readonly string[]): Result<never, KvWriteError> | null {
    let node: TreeNode = this.root;
    for (let i = 0; i < segments.length - 1; i++) {
      if (node.kind !== "dictionary") break;
      const child: TreeNode | undefined = node.children.get(segments[i]!);
      if (child === undefined) return null;
      if (child.kind === "value") return dictionaryExpected(segments.slice(0, i + 1));
      node = child;
    }
    return null;
  }

  /**
   * The parent dictionary of `segments`, created as needed (callers have checked
   * `blockedParent`), with every dictionary on the way stamped `t` and its cached
   * digest dropped, since the caller is about to change what is below it.
   */
  private parentFor(segments: readonly string[], t: number): DictNode {
    let node = this.root;
    node.mtime = t;
    node.digest = null;
    for (let i = 0; i < segments.length - 1; i++) {
      let child = node.children.get(segments[i]!);
      if (child === undefined) {
        child = newDict(t);
        node.children.set(segments[i]!, child);
      }
      if (child.kind !== "dictionary") throw new Error(`internal: ${keyToString(segments.slice(0, i + 1))} is a value`);
      child.mtime = t;
      child.digest = null;
      node = child;
    }
    return node;
  }
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  if (prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}
