/**
 * IPv4 and MAC address helpers. Inside the stack an IPv4 address is an unsigned 32-bit
 * number (10.0.0.1 = 0x0a000001) and a MAC is a 6-byte Uint8Array; text forms exist
 * only at the app-facing boundary and in boot arguments, so the parsers here are strict
 * and return `undefined` rather than guessing.
 */
import { checkUint } from "./bytes.ts";

export const IPV4_ANY = 0;
export const IPV4_BROADCAST = 0xffffffff;

/** ff:ff:ff:ff:ff:ff. Shared: never write into it. */
export const BROADCAST_MAC: Uint8Array = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/**
 * Parses a strict dotted quad: exactly four decimal parts 0..255, digits only. A part
 * with a leading zero ("010") is rejected because inet_aton reads it as octal (8) and
 * others as decimal (10); refusing it is the only unambiguous answer.
 */
export function parseIpv4(text: string): number | undefined {
  if (typeof text !== "string" || text.length < 7 || text.length > 15) return undefined;
  let value = 0;
  let part = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2e; // a virtual final "."
    if (c === 0x2e) {
      if (digits === 0) return undefined;
      value = value * 256 + part;
      parts++;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && part === 0) return undefined; // leading zero
      part = part * 10 + (c - 0x30);
      digits++;
      if (part > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

/** Formats an unsigned 32-bit address as a dotted quad. */
export function formatIpv4(n: number): string {
  checkUint("IPv4 address", n, 0xffffffff);
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20; // ASCII lower case
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Parses "aa:bb:cc:dd:ee:ff" (either case; ":" or "-" used consistently). */
export function parseMac(text: string): Uint8Array | undefined {
  if (typeof text !== "string" || text.length !== 17) return undefined;
  const sep = text.charCodeAt(2);
  if (sep !== 0x3a && sep !== 0x2d) return undefined;
  const mac = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const o = i * 3;
    if (i > 0 && text.charCodeAt(o - 1) !== sep) return undefined;
    const h = hexDigit(text.charCodeAt(o));
    const l = hexDigit(text.charCodeAt(o + 1));
    if (h < 0 || l < 0) return undefined;
    mac[i] = h * 16 + l;
  }
  return mac;
}

/** Formats 6 bytes as lower-case "aa:bb:cc:dd:ee:ff". */
export function formatMac(mac: Uint8Array): string {
  if (!(mac instanceof Uint8Array) || mac.length !== 6) {
    throw new TypeError(`a MAC address is 6 bytes, got ${String(mac?.length)} bytes`);
  }
  let s = "";
  for (let i = 0; i < 6; i++) s += (i > 0 ? ":" : "") + (mac[i]! < 16 ? "0" : "") + mac[i]!.toString(16);
  return s;
}

export function macEquals(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function isBroadcastMac(mac: Uint8Array): boolean {
  return macEquals(mac, BROADCAST_MAC);
}

/** Group bit (the least significant bit of the first octet): multicast or broadcast. */
export function isMulticastMac(mac: Uint8Array): boolean {
  return (mac[0]! & 1) === 1;
}

/** The netmask of a prefix length 0..32, e.g. 24 -> 0xffffff00. */
export function prefixToMask(prefix: number): number {
  checkUint("IPv4 prefix length", prefix, 32);
  // A shift by 32 is a shift by 0 in JavaScript, so /0 is special.
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The prefix length of a contiguous netmask, or undefined (e.g. 255.0.255.0). */
export function maskToPrefix(mask: number): number | undefined {
  const m = mask >>> 0;
  if (m !== mask) return undefined;
  const inverted = ~m >>> 0;
  // Contiguous iff the host part is 2^k - 1.
  if ((inverted & (inverted + 1)) !== 0) return undefined;
  return Math.clz32(inverted);
}

/** True when `a` and `b` share the first `prefix` bits. */
export function sameSubnet(a: number, b: number, prefix: number): boolean {
  const mask = prefixToMask(prefix);
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}

/** Parses "10.0.0.2/24"; the prefix is decimal 0..32 without leading zeros. */
export function parseCidr(text: string): { readonly address: number; readonly prefix: number } | undefined {
  if (typeof text !== "string") return undefined;
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIpv4(text.slice(0, slash));
  const p = text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]?)$/.test(p)) return undefined;
  const prefix = Number(p);
  return prefix <= 32 ? { address, prefix } : undefined;
}
