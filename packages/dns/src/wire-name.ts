/**
 * Names on the wire (RFC 1035 sections 3.1 and 4.1.4): decoding with pointer
 * following that cannot loop, and encoding with a per-message compression table.
 */
import { type ParseResult, parseError } from "@mirage-ts/wire";
import { type Name, MAX_NAME, lowerLabel } from "./name.ts";

export interface DecodedName {
  readonly name: Name;
  /** Offset just after the name where it started (after the first pointer, if any). */
  readonly end: number;
}

/**
 * Decodes the name at `off`. A pointer must point strictly before the start of the
 * run of labels that contains it, so every jump goes backwards and decoding ends;
 * forward, self and out-of-bounds pointers are malformed.
 */
export function decodeName(buf: Uint8Array, off: number): ParseResult<DecodedName> {
  const labels: string[] = [];
  let pos = off;
  let segStart = off;
  let end = -1;
  let wireLen = 1;
  for (;;) {
    if (pos >= buf.length) return parseError("truncated", "dns: name runs past the end");
    const len = buf[pos]!;
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return parseError("truncated", "dns: name pointer cut short");
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (end < 0) end = pos + 2;
      if (target >= segStart) return parseError("malformed", `dns: compression pointer to ${target} is not backwards`);
      pos = target;
      segStart = target;
      continue;
    }
    if (kind !== 0) return parseError("unsupported", `dns: label type 0x${kind.toString(16)}`);
    if (len === 0) {
      if (end < 0) end = pos + 1;
      return { ok: true, value: { name: labels, end } };
    }
    wireLen += len + 1;
    if (wireLen > MAX_NAME) return parseError("malformed", "dns: name longer than 255 octets");
    if (pos + 1 + len > buf.length) return parseError("truncated", "dns: label runs past the end");
    let label = "";
    for (let i = pos + 1; i <= pos + len; i++) label += String.fromCharCode(buf[i]!);
    labels.push(label);
    pos += 1 + len;
  }
}

/** A growable output buffer with a name-compression table. */
export class Writer {
  buf: Uint8Array;
  view: DataView;
  len = 0;
  private readonly table = new Map<string, number>();
  private readonly added: string[] = [];

  constructor(initial = 512) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.len++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.len, v);
    this.len += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.len, v >>> 0);
    this.len += 4;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  setU16(at: number, v: number): void {
    this.view.setUint16(at, v);
  }

  /** Writes a name; when `compress`, reuses an earlier suffix (matched case-insensitively) and offers its own. */
  name(name: Name, compress: boolean): void {
    const keys: string[] = new Array(name.length);
    let key = "";
    for (let i = name.length - 1; i >= 0; i--) {
      const l = name[i]!;
      key = String.fromCharCode(l.length) + lowerLabel(l) + key;
      keys[i] = key;
    }
    for (let i = 0; i < name.length; i++) {
      const k = keys[i]!;
      if (compress) {
        const at = this.table.get(k);
        if (at !== undefined) {
          this.u16(0xc000 | at);
          return;
        }
      }
      // Pointers have 14 bits (RFC 1035 4.1.4); later names cannot point higher. Names
      // written uncompressed (SRV, RFC 2782) are not offered as targets either, as NSD does.
      if (compress && this.len < 0x4000 && !this.table.has(k)) {
        this.table.set(k, this.len);
        this.added.push(k);
      }
      const l = name[i]!;
      this.reserve(1 + l.length);
      this.buf[this.len++] = l.length;
      for (let j = 0; j < l.length; j++) this.buf[this.len++] = l.charCodeAt(j) & 0xff;
    }
    this.u8(0);
  }

  /** Cuts the output back to `mark`, forgetting compression targets at or past it. */
  rollback(mark: number): void {
    this.len = mark;
    while (this.added.length > 0) {
      const k = this.added[this.added.length - 1]!;
      if (this.table.get(k)! < mark) break;
      this.table.delete(k);
      this.added.pop();
    }
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
