import { sha256 } from "@noble/hashes/sha2.js";
import { utf8Encode, type KvEntryKind } from "@mirage-ts/devices";
import { compareNames } from "./key.ts";

/**
 * Digests, identical across every KV store so that a crunched folder, the same
 * folder read with `directKvRo`, and an in-memory copy agree:
 *
 * - a value: SHA-256 of its bytes;
 * - a dictionary: SHA-256 over its children sorted by name (UTF-16 code unit order,
 *   as `list` returns them), each encoded as
 *   `kind (1 byte: 0x76 'v' or 0x64 'd') || name length in UTF-8 bytes (u32 BE) ||
 *   name (UTF-8) || child digest (32 bytes)`.
 *   The length prefix keeps names from running into each other. An empty dictionary
 *   therefore hashes the empty string, like an empty value: digests are for noticing
 *   change, not for telling kinds apart (`exists` does that).
 */
export function valueDigest(bytes: Uint8Array): Uint8Array {
  return sha256(bytes);
}

export type DigestEntry = readonly [name: string, kind: KvEntryKind, digest: Uint8Array];

export function dictionaryDigest(entries: ReadonlyArray<DigestEntry>): Uint8Array {
  const sorted = [...entries].sort((a, b) => compareNames(a[0], b[0]));
  const hash = sha256.create();
  const header = new Uint8Array(5);
  const view = new DataView(header.buffer);
  for (const [name, kind, digest] of sorted) {
    const nameBytes = utf8Encode(name);
    header[0] = kind === "value" ? 0x76 : 0x64;
    view.setUint32(1, nameBytes.length);
    hash.update(header);
    hash.update(nameBytes);
    hash.update(digest);
  }
  return hash.digest();
}
