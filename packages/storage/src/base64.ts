import { err, ok } from "@mirage-ts/devices";
import type { ErrorValue, Result } from "@mirage-ts/devices";

/**
 * Base64 (RFC 4648 section 4, the standard alphabet with `=` padding), written out
 * because pure code has neither `atob` nor `Buffer`.
 *
 * Decoding is strict: the length must be a multiple of 4, padding may only close the
 * last group, no whitespace or URL-safe characters, and the unused bits of the last
 * group must be zero (RFC 4648 section 3.5), so every byte string has exactly one
 * accepted encoding.
 */
export type Base64Error = ErrorValue<"invalid_base64">;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const PAD = 61; // "="

// char code -> 6-bit value, or -1. Built once; indexing it is the hot path.
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? DECODE[c]! : -1;
}

export function decodeBase64(text: string): Result<Uint8Array, Base64Error> {
  const n = text.length;
  if (n % 4 !== 0) return bad(`length ${n} is not a multiple of 4`);
  if (n === 0) return ok(new Uint8Array(0));
  let padding = 0;
  if (text.charCodeAt(n - 1) === PAD) padding = text.charCodeAt(n - 2) === PAD ? 2 : 1;
  const out = new Uint8Array((n / 4) * 3 - padding);
  const full = padding === 0 ? n : n - 4; // groups without padding
  let o = 0;
  for (let i = 0; i < full; i += 4) {
    const a = sextet(text, i), b = sextet(text, i + 1), c = sextet(text, i + 2), d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return badChar(text, i);
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >>> 16;
    out[o++] = (v >>> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (padding > 0) {
    const i = n - 4;
    const a = sextet(text, i), b = sextet(text, i + 1);
    const c = padding === 1 ? sextet(text, i + 2) : 0;
    if ((a | b | c) < 0) return badChar(text, i);
    if (padding === 2) {
      if ((b & 0x0f) !== 0) return bad(`non-zero padding bits at offset ${i + 1}`);
      out[o++] = (a << 2) | (b >>> 4);
    } else {
      if ((c & 0x03) !== 0) return bad(`non-zero padding bits at offset ${i + 2}`);
      out[o++] = (a << 2) | (b >>> 4);
      out[o++] = ((b & 0x0f) << 4) | (c >>> 2);
    }
  }
  return ok(out);
}

export function encodeBase64(bytes: Uint8Array): string {
  // Join chunks instead of appending per character: cheap under QuickJS too.
  const parts: string[] = [];
  const chunk: number[] = [];
  const n = bytes.length;
  const whole = n - (n % 3);
  for (let i = 0; i < whole; i += 3) {
    const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    chunk.push(ALPHABET.charCodeAt(v >>> 18), ALPHABET.charCodeAt((v >>> 12) & 63), ALPHABET.charCodeAt((v >>> 6) & 63), ALPHABET.charCodeAt(v & 63));
    if (chunk.length >= 8192) {
      parts.push(String.fromCharCode(...chunk));
      chunk.length = 0;
    }
  }
  if (n - whole === 1) {
    const v = bytes[whole]! << 16;
    chunk.push(ALPHABET.charCodeAt(v >>> 18), ALPHABET.charCodeAt((v >>> 12) & 63), PAD, PAD);
  } else if (n - whole === 2) {
    const v = (bytes[whole]! << 16) | (bytes[whole + 1]! << 8);
    chunk.push(ALPHABET.charCodeAt(v >>> 18), ALPHABET.charCodeAt((v >>> 12) & 63), ALPHABET.charCodeAt((v >>> 6) & 63), PAD);
  }
  if (chunk.length > 0) parts.push(String.fromCharCode(...chunk));
  return parts.join("");
}

function badChar(text: string, group: number): Result<never, Base64Error> {
  for (let i = group; i < group + 4; i++) {
    if (sextet(text, i) < 0) {
      const c = text.charCodeAt(i);
      const what = c === PAD ? "padding '=' before the end" : `character ${JSON.stringify(text[i])}`;
      return bad(`${what} at offset ${i}`);
    }
  }
  return bad(`invalid group at offset ${group}`);
}

function bad(message: string): Result<never, Base64Error> {
  return err({ code: "invalid_base64", message: `invalid base64: ${message}` });
}
