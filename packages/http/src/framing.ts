/** Message framing decisions shared by the request and response parsers (RFC 9112 6). */
import { listElements } from "./bytes.ts";

export type BodyKind = "none" | "length" | "chunked" | "close";

/**
 * Parses every Content-Length value (fields may repeat and hold lists). RFC 9112 6.3
 * item 5: a list of identical valid values counts as one; anything else is invalid.
 */
export function parseContentLength(values: readonly string[]): number | "invalid" | "too_large" {
  let result = -1;
  let tooLarge = false;
  for (const field of values) {
    for (const part of field.split(",")) {
      const t = part.replace(/^[ \t]+|[ \t]+$/g, "");
      if (t.length === 0 || !/^[0-9]+$/.test(t)) return "invalid";
      const digits = t.replace(/^0+(?=.)/, "");
      // 15 digits always fit in a double exactly; longer values are beyond any limit.
      const n = digits.length > 15 ? Infinity : Number(digits);
      if (result !== -1 && n !== result) return "invalid";
      if (n === Infinity) tooLarge = true;
      result = n;
    }
  }
  if (result === -1) return "invalid";
  return tooLarge ? "too_large" : result;
}

export type TransferCodingVerdict = "chunked" | "not_chunked_final" | "unsupported" | "invalid";

/**
 * Classifies Transfer-Encoding. Only "chunked" alone is decoded here: chunked must be
 * final and appear once (RFC 9112 6.1, 7); other codings before it are unimplemented.
 */
export function classifyTransferEncoding(values: readonly string[]): TransferCodingVerdict {
  const codings = listElements(values.join(","));
  if (codings.length === 0) return "invalid";
  // Parameters (";q=...") are not allowed on chunked; strip them before comparing.
  const names = codings.map((c) => c.split(";")[0]!.replace(/[ \t]+$/, ""));
  const last = names[names.length - 1];
  if (last !== "chunked") return "not_chunked_final";
  if (names.indexOf("chunked") !== names.length - 1) return "invalid";
  if (codings[codings.length - 1] !== "chunked") return "invalid";
  return names.length === 1 ? "chunked" : "unsupported";
}

/** Connection header options, lower-cased (RFC 9110 7.6.1). */
export function connectionOptions(values: readonly string[]): string[] {
  return listElements(values.join(","));
}
