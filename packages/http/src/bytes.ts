/** Byte-class tables and Latin-1 helpers shared by the parsers and serializers. */

/** tchar per RFC 9110 5.6.2: "!#$%&'*+-.^_`|~" DIGIT ALPHA. */
export const TCHAR = new Uint8Array(256);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

/** field-vchar / SP / HTAB (RFC 9110 5.5): VCHAR, obs-text, SP, HTAB. */
export const FIELD_CHAR = new Uint8Array(256);
for (let c = 0x21; c <= 0x7e; c++) FIELD_CHAR[c] = 1;
for (let c = 0x80; c <= 0xff; c++) FIELD_CHAR[c] = 1;
FIELD_CHAR[0x20] = 1;
FIELD_CHAR[0x09] = 1;

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/** Decodes bytes[start, end) as Latin-1 (header bytes are ISO-8859-1, RFC 9110 5.5). */
export function latin1Decode(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  // Chunked String.fromCharCode keeps this fast without per-byte string concatenation.
  for (let i = start; i < end; i += 4096) {
    const stop = Math.min(end, i + 4096);
    out += String.fromCharCode.apply(null, bytes.subarray(i, stop) as unknown as number[]);
  }
  return out;
}

/** Encodes a string of code units <= 0xFF as Latin-1; callers validate first. */
export function latin1Encode(text: string, out: Uint8Array, offset: number): number {
  for (let i = 0; i < text.length; i++) out[offset + i] = text.charCodeAt(i);
  return offset + text.length;
}

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** A valid field value: no CR, LF, NUL or other CTLs, no leading/trailing whitespace. */
export function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || FIELD_CHAR[c] !== 1) return false;
  }
  if (text.length > 0) {
    const a = text.charCodeAt(0);
    const b = text.charCodeAt(text.length - 1);
    if (a === SP || a === HTAB || b === SP || b === HTAB) return false;
  }
  return true;
}

/** Splits a comma-separated list header value into trimmed, non-empty, lower-cased elements. */
export function listElements(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(",")) {
    const t = part.replace(/^[ \t]+|[ \t]+$/g, "").toLowerCase();
    if (t.length > 0) out.push(t);
  }
  return out;
}
