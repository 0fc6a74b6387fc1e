import { err, ok } from "@mirage-ts/devices";
import type { KvEntryKind, KvError, KvRo, Result } from "@mirage-ts/devices";
import { dictionaryDigest, valueDigest } from "./digest.ts";
import { compareNames, keyToString, parseKey } from "./key.ts";

/**
 * The in-memory tree behind both `kvRwMem` and `crunchStore`, and the read side of
 * the KV interface over it.
 *
 * Lookups: a key whose path runs through a value ("/a/b" when "/a" is a value) names
 * nothing, so it is `not_found` (and `exists` says null), as on a file system.
 * Values handed out are copies: no caller can change the store by mutating a result.
 */
export interface ValueNode {
  readonly kind: "value";
  /** Milliseconds since the Unix epoch. */
  mtime: number;
  readonly size: number;
  /** The bytes (possibly decoded on first use); never mutated or handed out as is. */
  load(): Result<Uint8Array, KvError>;
  /** Cached SHA-256, filled on first use. */
  digest: Uint8Array | null;
}

export interface DictNode {
  readonly kind: "dictionary";
  /** The newest change anywhere below this dictionary (see `kvRwMem`, `crunchStore`). */
  mtime: number;
  readonly children: Map<string, TreeNode>;
  /** Cached digest; writers reset it along the path they change. */
  digest: Uint8Array | null;
}

export type TreeNode = ValueNode | DictNode;

export function newDict(mtime: number): DictNode {
  return { kind: "dictionary", mtime, children: new Map(), digest: null };
}

export function notFound(segments: readonly string[]): Result<never, KvError> {
  return err({ code: "not_found", message: `no entry at ${JSON.stringify(keyToString(segments))}` });
}

export function valueExpected(segments: readonly string[]): Result<never, KvError> {
  return err({ code: "value_expected", message: `${JSON.stringify(keyToString(segments))} is a dictionary, not a value` });
}

export function dictionaryExpected(segments: readonly string[]): Result<never, KvError> {
  return err({ code: "dictionary_expected", message: `${JSON.stringify(keyToString(segments))} is a value, not a dictionary` });
}

/**
 * Offsets and lengths are API arguments, not data: a negative or fractional one is a
 * caller bug, so it throws (rejects) a RangeError quoting it, per DESIGN.md section 4.
 * Reading past the end is not a bug: it yields fewer bytes, or none.
 */
export function checkPartialArgs(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`getPartial: offset must be a non-negative integer, got ${String(offset)}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`getPartial: length must be a non-negative integer, got ${String(length)}`);
}

export class TreeKv implements KvRo {
  protected readonly root: DictNode;

  constructor(root: DictNode) {
    this.root = root;
  }

  /** The node at `segments`, or null if there is none. */
  protected find(segments: readonly string[]): TreeNode | null {
    let node: TreeNode = this.root;
    for (const segment of segments) {
      if (node.kind !== "dictionary") return null;
      const child: TreeNode | undefined = node.children.get(segment);
      if (child === undefined) return null;
      node = child;
    }
    return node;
  }

  private lookup(key: string): Result<{ segments: string[]; node: TreeNode }, KvError> {
    const parsed = parseKey(key);
    if (!parsed.ok) return parsed;
    const node = this.find(parsed.value);
    return node === null ? notFound(parsed.value) : ok({ segments: parsed.value, node });
  }

  async exists(key: string): Promise<Result<KvEntryKind | null, KvError>> {
    const parsed = parseKey(key);
    if (!parsed.ok) return parsed;
    return ok(this.find(parsed.value)?.kind ?? null);
  }

  async get(key: string): Promise<Result<Uint8Array, KvError>> {
    const found = this.lookup(key);
    if (!found.ok) return found;
    const { node, segments } = found.value;
    if (node.kind !== "value") return valueExpected(segments);
    const bytes = node.load();
    return bytes.ok ? ok(bytes.value.slice()) : bytes;
  }

  async getPartial(key: string, offset: number, length: number): Promise<Result<Uint8Array, KvError>> {
    checkPartialArgs(offset, length);
    const found = this.lookup(key);
    if (!found.ok) return found;
    const { node, segments } = found.value;
    if (node.kind !== "value") return valueExpected(segments);
    const bytes = node.load();
    if (!bytes.ok) return bytes;
    const start = Math.min(offset, bytes.value.length);
    return ok(bytes.value.slice(start, Math.min(bytes.value.length, start + length)));
  }

  async list(key: string): Promise<Result<Array<[string, KvEntryKind]>, KvError>> {
    const found = this.lookup(key);
    if (!found.ok) return found;
    const { node, segments } = found.value;
    if (node.kind !== "dictionary") return dictionaryExpected(segments);
    const entries: Array<[string, KvEntryKind]> = [];
    for (const [name, child] of node.children) entries.push([name, child.kind]);
    return ok(entries.sort((a, b) => compareNames(a[0], b[0])));
  }

  async lastModified(key: string): Promise<Result<number, KvError>> {
    const found = this.lookup(key);
    return found.ok ? ok(found.value.node.mtime) : found;
  }

  async digest(key: string): Promise<Result<Uint8Array, KvError>> {
    const found = this.lookup(key);
    if (!found.ok) return found;
    const digest = digestOf(found.value.node);
    return digest.ok ? ok(digest.value.slice()) : digest;
  }

  async size(key: string): Promise<Result<number, KvError>> {
    const found = this.lookup(key);
    if (!found.ok) return found;
    const { node, segments } = found.value;
    return node.kind === "value" ? ok(node.size) : valueExpected(segments);
  }
}

function digestOf(node: TreeNode): Result<Uint8Array, KvError> {
  if (node.digest !== null) return ok(node.digest);
  if (node.kind === "value") {
    const bytes = node.load();
    if (!bytes.ok) return bytes;
    node.digest = valueDigest(bytes.value);
    return ok(node.digest);
  }
  const entries: Array<[string, KvEntryKind, Uint8Array]> = [];
  for (const [name, child] of node.children) {
    const d = digestOf(child);
    if (!d.ok) return d;
    entries.push([name, child.kind, d.value]);
  }
  node.digest = dictionaryDigest(entries);
  return ok(node.digest);
}
