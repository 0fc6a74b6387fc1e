/**
 * @module @mirage-ts/storage
 *
 * Storage devices in pure ECMAScript 2022, the same on every target: an in-memory
 * read-write KV store (`kvRwMem`), a read-only KV store over a folder crunched into
 * the unikernel at build time (`crunchStore`), and a ramdisk (`ramdisk`). Also the
 * pieces platform devices share so that every KV store and block device behaves
 * alike: key parsing (`parseKey`: no key can leave a store's root), the digest
 * format, block request checks (`checkRequest`), and strict base64.
 * Errors callers must handle are returned as typed `Result`s, never thrown.
 */
export { parseKey, keyToString, compareNames } from "./key.ts";
export { decodeBase64, encodeBase64 } from "./base64.ts";
export type { Base64Error } from "./base64.ts";
export { valueDigest, dictionaryDigest } from "./digest.ts";
export type { DigestEntry } from "./digest.ts";
export { kvRwMem } from "./kv-mem.ts";
export type { KvRwMemOptions } from "./kv-mem.ts";
export { crunchStore } from "./crunch.ts";
export { checkPartialArgs } from "./tree.ts";
export type { CrunchData } from "./crunch.ts";
export { ramdisk, checkRequest, disconnectedError, readOnlyError } from "./block.ts";
export type { RamdiskOptions } from "./block.ts";
