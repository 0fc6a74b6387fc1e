/**
 * Domain names (RFC 1035 section 3.1). A name is its list of labels, most specific
 * first, the root being the empty list. Each label is a "binary string": one char per
 * octet (0..255), so any octet survives; ASCII case is kept for output and ignored for
 * comparison (RFC 4343).
 */
import { type Result, ok, err } from "@mirage-ts/devices";

export type Name = readonly string[];

export const MAX_LABEL = 63;
export const MAX_NAME = 255;

/** Wire length of a name: one length octet per label plus the label, plus the root octet. */
export function nameWireLength(name: Name): number {
  let n = 1;
  for (const l of name) n += 1 + l.length;
  return n;
}

/** Throws RangeError when a name built by the application cannot go on the wire. */
export function checkName(name: Name): void {
  for (const l of name) {
    if (l.length === 0 || l.length > MAX_LABEL) throw new RangeError(`dns: bad label length ${l.length} in ${nameToString(name)}`);
  }
  if (nameWireLength(name) > MAX_NAME) throw new RangeError(`dns: name longer than 255 octets: ${nameToString(name)}`);
}

function lowerByte(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** ASCII-lowercases a label; other octets are left alone (RFC 4343 section 3). */
export function lowerLabel(label: string): string {
  return asciiLower(label);
}

function asciiLower(label: string): string {
  let out = "";
  for (let i = 0; i < label.length; i++) out += String.fromCharCode(lowerByte(label.charCodeAt(i)));
  return out;
}

export function labelEquals(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (lowerByte(a.charCodeAt(i)) !== lowerByte(b.charCodeAt(i))) return false;
  }
  return true;
}

export function nameEquals(a: Name, b: Name): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!labelEquals(a[i]!, b[i]!)) return false;
  return true;
}

/** True when `name` is `zone` or below it. */
export function isSubdomain(name: Name, zone: Name): boolean {
  const off = name.length - zone.length;
  if (off < 0) return false;
  for (let i = 0; i < zone.length; i++) if (!labelEquals(name[off + i]!, zone[i]!)) return false;
  return true;
}

/** A canonical key for maps: lowercase presentation form, so equal names give equal keys. */
export function nameKey(name: Name): string {
  return nameToString(name.map(asciiLower));
}

/** Presentation form with a trailing dot; special and non-printable octets escaped (RFC 4343 section 2.1). */
export function nameToString(name: Name): string {
  if (name.length === 0) return ".";
  let out = "";
  for (const l of name) out += escapeLabel(l) + ".";
  return out;
}

function escapeLabel(l: string): string {
  let out = "";
  for (let i = 0; i < l.length; i++) {
    const c = l.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) out += "\\" + String(c).padStart(3, "0");
    else if (c === 0x2e || c === 0x5c || c === 0x22 || c === 0x28 || c === 0x29 || c === 0x3b || c === 0x40 || c === 0x24) {
      out += "\\" + l[i];
    } else out += l[i];
  }
  return out;
}

/**
 * Parses a presentation-form name (`www.example.com.` or relative `www`) with `\X`
 * and `\DDD` escapes. A relative name (no trailing dot) gets `origin` appended; with
 * no origin it is an error. Characters above U+00FF are taken as UTF-8 octets.
 */
export function parseName(text: string, origin?: Name): Result<Name, string> {
  if (text === ".") return ok([]);
  if (text === "@") return origin ? ok(origin) : err("'@' used with no origin");
  if (text.length === 0) return err("empty name");
  const labels: string[] = [];
  let cur = "";
  let absolute = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\") {
      const d = /^[0-9]{3}/.exec(text.slice(i + 1, i + 4));
      if (d) {
        const v = Number(d[0]);
        if (v > 255) return err(`escape \\${d[0]} out of range in ${text}`);
        cur += String.fromCharCode(v);
        i += 3;
      } else if (/^[0-9]/.test(text.slice(i + 1, i + 2))) {
        return err(`\\DDD escape needs three digits in ${text}`);
      } else if (i + 1 < text.length) {
        cur += bytesOfChar(text[++i]!);
      } else return err(`dangling backslash in ${text}`);
    } else if (ch === ".") {
      if (cur.length === 0) return err(`empty label in ${text}`);
      labels.push(cur);
      cur = "";
      if (i === text.length - 1) absolute = true;
    } else cur += bytesOfChar(ch);
  }
  if (!absolute) {
    if (cur.length > 0) labels.push(cur);
    if (!origin) return err(`relative name ${text} with no origin`);
    labels.push(...origin);
  }
  for (const l of labels) if (l.length > MAX_LABEL) return err(`label longer than 63 octets in ${text}`);
  if (nameWireLength(labels) > MAX_NAME) return err(`name longer than 255 octets: ${text}`);
  return ok(labels);
}

/** One char of text as binary-string octets (UTF-8 above ASCII). */
function bytesOfChar(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return ch;
  let out = "";
  for (const b of utf8Of(ch)) out += String.fromCharCode(b);
  return out;
}

function utf8Of(ch: string): number[] {
  const c = ch.codePointAt(0)!;
  if (c < 0x800) return [0xc0 | (c >> 6), 0x80 | (c & 0x3f)];
  return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)];
}

/** Parses an absolute name, throwing TypeError on bad input: for literals in application code. */
export function name(text: string): Name {
  const r = parseName(text.endsWith(".") ? text : text + ".");
  if (!r.ok) throw new TypeError(`dns: bad name ${JSON.stringify(text)}: ${r.error}`);
  return r.value;
}
