import { err, ok } from "@mirage-ts/devices";
import type { KvError, Result } from "@mirage-ts/devices";

/**
 * Key syntax shared by every KV store (in memory, crunched, host folder).
 *
 * A key is a `/`-separated path relative to the store's root. One leading and one
 * trailing `/` are ignored, so "/a/b", "a/b" and "a/b/" name the same entry, and ""
 * and "/" name the root. Everything else that could give a key two spellings or let
 * it climb out of the root is refused with `invalid_key`:
 *
 * - a `..` segment (traversal), and also a `.` segment: "a/./b" would be a second
 *   spelling of "a/b", which would make listings, digests and caches ambiguous, so we
 *   refuse it rather than normalise it;
 * - an empty segment between slashes ("a//b", "//");
 * - a NUL character anywhere (host file systems would truncate the path there).
 *
 * Rejecting instead of normalising is deliberate: a request for "/a/../../b" is a
 * bug or an attack, and the caller should hear about it rather than get "/b".
 */
export function parseKey(key: string): Result<string[], KvError> {
  if (typeof key !== "string") return invalid(String(key), "a key must be a string");
  let body = key;
  if (body.startsWith("/")) body = body.slice(1);
  if (body.endsWith("/")) body = body.slice(0, -1);
  if (body === "") {
    // "" and "/" are the root; "//" reduces to "" too but has an empty segment.
    return key.length <= 1 ? ok([]) : invalid(key, "empty segment between slashes");
  }
  if (body.includes("\0")) return invalid(key, "NUL character");
  const segments = body.split("/");
  for (const segment of segments) {
    if (segment === "") return invalid(key, "empty segment between slashes");
    if (segment === "..") return invalid(key, "'..' segment (keys cannot leave the store's root)");
    if (segment === ".") return invalid(key, "'.' segment (write the key without it)");
  }
  return ok(segments);
}

/** The canonical spelling of a parsed key: "/a/b", and "/" for the root. */
export function keyToString(segments: readonly string[]): string {
  return "/" + segments.join("/");
}

/** Orders entry names by UTF-16 code units, the order `list` and digests use everywhere. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function invalid(key: string, reason: string): Result<never, KvError> {
  return err({ code: "invalid_key", message: `invalid key ${JSON.stringify(key)}: ${reason}` });
}
