import type { ErrorValue } from "./error.ts";
import type { Result } from "./result.ts";

/**
 * Key-value stores, modelled on mirage-kv. Keys are `/`-separated paths relative to
 * the store's root ("/a/b.txt" and "a/b.txt" name the same entry); a key with a `..`
 * segment, a NUL byte or an empty segment between slashes is rejected with
 * `invalid_key`, so no key can reach outside the root.
 */
export type KvEntryKind = "value" | "dictionary";

export type KvErrorCode =
  | "not_found" // nothing at this key
  | "dictionary_expected" // `list` on a value
  | "value_expected" // `get`/`size`/... on a dictionary
  | "invalid_key" // a malformed key, or one that leaves the root
  | "io"; // the backing storage failed

export type KvError = ErrorValue<KvErrorCode>;

export type KvWriteErrorCode = KvErrorCode | "no_space" | "already_present" | "rename_source_prefix";

export type KvWriteError = ErrorValue<KvWriteErrorCode>;

export interface KvRo {
  /** What is at `key`, or null if nothing is. */
  exists(key: string): Promise<Result<KvEntryKind | null, KvError>>;
  /** The whole value at `key`. */
  get(key: string): Promise<Result<Uint8Array, KvError>>;
  /** Up to `length` bytes of the value at `key`, from `offset`. */
  getPartial(key: string, offset: number, length: number): Promise<Result<Uint8Array, KvError>>;
  /** The direct children of a dictionary, as [name, kind] pairs sorted by name. */
  list(key: string): Promise<Result<Array<[string, KvEntryKind]>, KvError>>;
  /** Last modification time, in milliseconds since the Unix epoch. */
  lastModified(key: string): Promise<Result<number, KvError>>;
  /** SHA-256 of the value (of a dictionary: of its sorted listing and children's digests). */
  digest(key: string): Promise<Result<Uint8Array, KvError>>;
  /** Size of the value in bytes. */
  size(key: string): Promise<Result<number, KvError>>;
}

export interface KvRw extends KvRo {
  /** Stores `value` at `key`, creating parent dictionaries; replaces an existing value. */
  set(key: string, value: Uint8Array): Promise<Result<void, KvWriteError>>;
  /** Removes the value or dictionary (recursively) at `key`. */
  remove(key: string): Promise<Result<void, KvWriteError>>;
  /** Moves what is at `source` to `dest`, replacing a value there. */
  rename(source: string, dest: string): Promise<Result<void, KvWriteError>>;
}
