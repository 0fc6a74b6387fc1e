/** Presentation-format fields: addresses, numbers, TTLs and character strings. */
import { type Result, ok, err } from "@mirage-ts/devices";

/** Dotted-quad IPv4 to an unsigned 32-bit number; strict (four decimal parts, no leading zeros beyond "0"). */
export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  let v = 0;
  for (let i = 1; i <= 4; i++) {
    const p = m[i]!;
    if (p.length > 1 && p[0] === "0") return undefined;
    const b = Number(p);
    if (b > 255) return undefined;
    v = v * 256 + b;
  }
  return v;
}

export function ipv4ToString(a: number): string {
  return `${(a >>> 24) & 0xff}.${(a >>> 16) & 0xff}.${(a >>> 8) & 0xff}.${a & 0xff}`;
}

/** IPv6 text (RFC 4291 section 2.2: full, `::`-compressed, trailing dotted IPv4) to 16 octets. */
export function parseIpv6(text: string): Uint8Array | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  // A dotted quad may only end the address.
  if (halves.length === 2 && halves[0]!.includes(".")) return undefined;
  const total = head.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return undefined;
  const all = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = all[i]! >>> 8;
    out[2 * i + 1] = all[i]! & 0xff;
  }
  return out;
}

/** RFC 5952 canonical text: lowercase, the longest run (2+) of zero groups as `::`. */
export function ipv6ToString(a: Uint8Array): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((a[2 * i]! << 8) | a[2 * i + 1]!);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** An unsigned decimal up to `max`. */
export function parseUint(text: string, max: number): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const v = Number(text);
  return v <= max ? v : undefined;
}

/**
 * A TTL or SOA timer: seconds, or BIND-style units (`1h30m`, `2d`, `1w`), at most
 * 2^31-1 (RFC 2181 section 8).
 */
export function parseTtl(text: string): number | undefined {
  if (/^[0-9]+$/.test(text)) {
    const v = Number(text);
    return v <= 0x7fffffff ? v : undefined;
  }
  if (!/^([0-9]+[smhdwSMHDW])+$/.test(text)) return undefined;
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  for (const m of text.matchAll(/([0-9]+)([smhdwSMHDW])/g)) total += Number(m[1]) * unit[m[2]!.toLowerCase()]!;
  return total <= 0x7fffffff ? total : undefined;
}

/** Decodes a token's escapes (`\DDD` decimal octet, `\X` literal X) to octets; non-ASCII text as UTF-8. */
export function decodeEscapes(raw: string): Result<Uint8Array, string> {
  const out: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === "\\") {
      if (/^[0-9]{3}$/.test(raw.slice(i + 1, i + 4))) {
        const v = Number(raw.slice(i + 1, i + 4));
        if (v > 255) return err(`escape \\${raw.slice(i + 1, i + 4)} is above 255`);
        out.push(v);
        i += 3;
        continue;
      }
      if (/^[0-9]/.test(raw.slice(i + 1, i + 2))) return err("\\DDD escape needs three digits");
      if (i + 1 >= raw.length) return err("dangling backslash");
      i++;
      pushChar(out, raw.codePointAt(i)!);
      if (raw.codePointAt(i)! > 0xffff) i++;
      continue;
    }
    const c = raw.codePointAt(i)!;
    pushChar(out, c);
    if (c > 0xffff) i++;
  }
  return ok(Uint8Array.from(out));
}

function pushChar(out: number[], c: number): void {
  if (c < 0x80) out.push(c);
  else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
  else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
}
