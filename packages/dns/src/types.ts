/** DNS data types shared by the wire codec and the zone parser. */
import type { Name } from "./name.ts";

/** RR TYPE codes (IANA "Resource Record (RR) TYPEs"). */
export const RrType = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
  SRV: 33,
  OPT: 41,
  AXFR: 252,
  ANY: 255,
  CAA: 257,
} as const;

export const RrClass = { IN: 1, CH: 3, HS: 4, NONE: 254, ANY: 255 } as const;

export const Opcode = { QUERY: 0, IQUERY: 1, STATUS: 2, NOTIFY: 4, UPDATE: 5 } as const;

/** RCODEs; values above 15 need EDNS (RFC 6891 section 6.1.3). */
export const Rcode = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  NOTIMP: 4,
  REFUSED: 5,
  BADVERS: 16,
} as const;

/** The data of a record. `kind` follows the record's type; `opaque` is RFC 3597 unknown data. */
export type Rdata =
  | { readonly kind: "A"; readonly address: number }
  | { readonly kind: "NS"; readonly host: Name }
  | { readonly kind: "CNAME"; readonly target: Name }
  | { readonly kind: "PTR"; readonly target: Name }
  | {
      readonly kind: "SOA";
      readonly mname: Name;
      readonly rname: Name;
      readonly serial: number;
      readonly refresh: number;
      readonly retry: number;
      readonly expire: number;
      readonly minimum: number;
    }
  | { readonly kind: "MX"; readonly preference: number; readonly exchange: Name }
  | { readonly kind: "TXT"; readonly strings: readonly Uint8Array[] }
  | { readonly kind: "AAAA"; readonly address: Uint8Array }
  | { readonly kind: "SRV"; readonly priority: number; readonly weight: number; readonly port: number; readonly target: Name }
  | { readonly kind: "CAA"; readonly flags: number; readonly tag: string; readonly value: Uint8Array }
  | { readonly kind: "opaque"; readonly bytes: Uint8Array };

export interface ResourceRecord {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
  /** Seconds; values with the top bit set decode as 0 (RFC 2181 section 8). */
  readonly ttl: number;
  readonly data: Rdata;
}

export interface Question {
  readonly name: Name;
  readonly type: number;
  readonly class: number;
}

export interface EdnsOption {
  readonly code: number;
  readonly data: Uint8Array;
}

/** The OPT pseudo-record (RFC 6891 section 6.1), lifted out of the additional section. */
export interface Edns {
  readonly udpPayloadSize: number;
  readonly version: number;
  /** The DO bit (RFC 3225). */
  readonly dnssecOk: boolean;
  /** The other 15 flag bits, kept as received (must be zero when sent). */
  readonly flags: number;
  readonly options: readonly EdnsOption[];
}

export interface Message {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  /** The reserved Z bit (RFC 1035 4.1.1); kept so a decoder sees what arrived. */
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** The full 12-bit RCODE: the header's 4 bits plus OPT's extended RCODE above them. */
  readonly rcode: number;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authority: readonly ResourceRecord[];
  /** Without the OPT record, which is in `edns`. */
  readonly additional: readonly ResourceRecord[];
  readonly edns?: Edns | undefined;
}

const TYPE_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(RrType)) TYPE_NAMES[v] = k;
const CLASS_NAMES: Record<number, string> = {};
for (const [k, v] of Object.entries(RrClass)) CLASS_NAMES[v] = k;

/** Mnemonic or RFC 3597 `TYPEnnn`. */
export function typeToString(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE${type}`;
}

export function classToString(cls: number): string {
  return CLASS_NAMES[cls] ?? `CLASS${cls}`;
}

/** Parses a type mnemonic (case-insensitive) or `TYPEnnn`; undefined when not a type. */
export function typeFromString(text: string): number | undefined {
  const up = text.toUpperCase();
  const known = (RrType as Record<string, number>)[up];
  if (known !== undefined) return known;
  const m = /^TYPE([0-9]{1,5})$/.exec(up);
  if (m && Number(m[1]) <= 0xffff) return Number(m[1]);
  return undefined;
}

export function classFromString(text: string): number | undefined {
  const up = text.toUpperCase();
  if (up === "CS") return 2;
  const known = (RrClass as Record<string, number>)[up];
  if (known !== undefined) return known;
  const m = /^CLASS([0-9]{1,5})$/.exec(up);
  if (m && Number(m[1]) <= 0xffff) return Number(m[1]);
  return undefined;
}
