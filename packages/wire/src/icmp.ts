/**
 * ICMPv4 (RFC 792): echo request/reply, destination unreachable and time exceeded.
 * The checksum covers the whole message. Other types are `unsupported` (the stack
 * counts and drops them). Error messages quote the offending datagram's IP header and
 * at least its first 8 payload bytes; `parseIcmpQuote` reads the addresses and ports
 * from that quote so UDP and TCP can be told about the failure.
 */
import { checkRoom, checkUint, get16, put16 } from "./bytes.ts";
import { internetChecksum } from "./checksum.ts";
import { parseError, type ParseResult } from "./errors.ts";

export const ICMP_TYPE = { ECHO_REPLY: 0, DEST_UNREACHABLE: 3, ECHO_REQUEST: 8, TIME_EXCEEDED: 11 } as const;

/** Destination unreachable codes (RFC 792, RFC 1191, RFC 1812 section 5.2.7.1). */
export const ICMP_UNREACHABLE = {
  NET: 0,
  HOST: 1,
  PROTOCOL: 2,
  PORT: 3,
  FRAG_NEEDED: 4,
  SOURCE_ROUTE_FAILED: 5,
  ADMIN_PROHIBITED: 13,
} as const;

export const ICMP_TIME_EXCEEDED = { TTL: 0, REASSEMBLY: 1 } as const;

export const ICMP_HEADER_LEN = 8;
/** The shortest quote accepted: a minimal IPv4 header and 8 bytes (RFC 792). */
const MIN_QUOTE_LEN = 28;

const F = { TYPE: 0, CODE: 1, CHECKSUM: 2, ID: 4, SEQ: 6, MTU: 6, BODY: 8 } as const;

export type IcmpRepr =
  | { readonly kind: "echo_request" | "echo_reply"; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | {
      readonly kind: "dest_unreachable";
      readonly code: number;
      /** Next-hop MTU for code 4 (RFC 1191 section 4); 0 otherwise. */
      readonly nextHopMtu: number;
      /** The quoted datagram: its IP header and at least 8 bytes after it. */
      readonly original: Uint8Array;
    }
  | { readonly kind: "time_exceeded"; readonly code: number; readonly original: Uint8Array };

/** A checked view over a whole ICMP message (at least its 8-byte header). */
export class IcmpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): ParseResult<IcmpPacket> {
    if (bytes.length < ICMP_HEADER_LEN) {
      return parseError("truncated", `ICMP message of ${bytes.length} bytes is shorter than its 8-byte header`);
    }
    return { ok: true, value: new IcmpPacket(bytes) };
  }

  get type(): number {
    return this.bytes[F.TYPE]!;
  }
  get code(): number {
    return this.bytes[F.CODE]!;
  }
  get checksum(): number {
    return get16(this.bytes, F.CHECKSUM);
  }
  get echoId(): number {
    return get16(this.bytes, F.ID);
  }
  get echoSeq(): number {
    return get16(this.bytes, F.SEQ);
  }
  get nextHopMtu(): number {
    return get16(this.bytes, F.MTU);
  }
  get body(): Uint8Array {
    return this.bytes.subarray(F.BODY);
  }
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes) === 0;
  }
}

function checkQuote(original: Uint8Array): string | undefined {
  if (original.length < MIN_QUOTE_LEN) return `quote of ${original.length} bytes, need ${MIN_QUOTE_LEN}`;
  if (original[0]! >>> 4 !== 4) return `quoted IP version ${original[0]! >>> 4}`;
  const ihl = (original[0]! & 0x0f) * 4;
  if (ihl < 20) return `quoted IPv4 header length ${ihl}`;
  if (original.length < ihl + 8) return `quote of ${original.length} bytes for a ${ihl}-byte header + 8`;
  return undefined;
}

export function parseIcmp(bytes: Uint8Array): ParseResult<IcmpRepr> {
  const checked = IcmpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (!p.verifyChecksum()) return parseError("bad_checksum", `ICMP checksum 0x${p.checksum.toString(16)} is wrong`);
  const type = p.type;
  switch (type) {
    case ICMP_TYPE.ECHO_REQUEST:
    case ICMP_TYPE.ECHO_REPLY:
      // RFC 792 says code 0; like Linux, other codes are tolerated.
      return {
        ok: true,
        value: {
          kind: type === ICMP_TYPE.ECHO_REQUEST ? "echo_request" : "echo_reply",
          id: p.echoId,
          seq: p.echoSeq,
          data: p.body,
        },
      };
    case ICMP_TYPE.DEST_UNREACHABLE:
    case ICMP_TYPE.TIME_EXCEEDED: {
      const original = p.body;
      const bad = checkQuote(original);
      if (bad !== undefined) return parseError("malformed", `ICMP type ${type}: ${bad}`);
      const code = p.code;
      if (type === ICMP_TYPE.TIME_EXCEEDED) return { ok: true, value: { kind: "time_exceeded", code, original } };
      const nextHopMtu = code === ICMP_UNREACHABLE.FRAG_NEEDED ? p.nextHopMtu : 0;
      return { ok: true, value: { kind: "dest_unreachable", code, nextHopMtu, original } };
    }
    default:
      return parseError("unsupported", `ICMP type ${type}`);
  }
}

/** What an ICMP error quote says about the datagram that failed. */
export interface IcmpQuote {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  /** The first two 16-bit fields after the IP header: the ports for TCP and UDP. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** The quoted transport bytes (at least 8). */
  readonly transport: Uint8Array;
}

/** Reads a quote from a parsed dest_unreachable/time_exceeded `original`. */
export function parseIcmpQuote(original: Uint8Array): ParseResult<IcmpQuote> {
  const bad = checkQuote(original);
  if (bad !== undefined) return parseError("malformed", `ICMP ${bad}`);
  const ihl = (original[0]! & 0x0f) * 4;
  const d = original;
  return {
    ok: true,
    value: {
      src: ((d[12]! << 24) | (d[13]! << 16) | (d[14]! << 8) | d[15]!) >>> 0,
      dst: ((d[16]! << 24) | (d[17]! << 16) | (d[18]! << 8) | d[19]!) >>> 0,
      protocol: d[9]!,
      srcPort: get16(d, ihl),
      dstPort: get16(d, ihl + 2),
      transport: d.subarray(ihl),
    },
  };
}

function bodyOf(repr: IcmpRepr): Uint8Array {
  switch (repr.kind) {
    case "echo_request":
    case "echo_reply":
      return repr.data;
    default:
      return repr.original;
  }
}

/** The message length: 8 bytes of header plus the data or quote. */
export function icmpLen(repr: IcmpRepr): number {
  return ICMP_HEADER_LEN + bodyOf(repr).length;
}

/** Writes the message (with its checksum) at `offset`; returns the offset after it. */
export function emitIcmpInto(buf: Uint8Array, offset: number, repr: IcmpRepr): number {
  const body = bodyOf(repr);
  const len = ICMP_HEADER_LEN + body.length;
  checkRoom("ICMP message", buf, offset, len);
  switch (repr.kind) {
    case "echo_request":
    case "echo_reply":
      checkUint("ICMP echo id", repr.id, 0xffff);
      checkUint("ICMP echo seq", repr.seq, 0xffff);
      buf[offset + F.TYPE] = repr.kind === "echo_request" ? ICMP_TYPE.ECHO_REQUEST : ICMP_TYPE.ECHO_REPLY;
      buf[offset + F.CODE] = 0;
      put16(buf, offset + F.ID, repr.id);
      put16(buf, offset + F.SEQ, repr.seq);
      break;
    case "dest_unreachable":
      checkUint("ICMP code", repr.code, 0xff);
      checkUint("ICMP next-hop MTU", repr.nextHopMtu, 0xffff);
      buf[offset + F.TYPE] = ICMP_TYPE.DEST_UNREACHABLE;
      buf[offset + F.CODE] = repr.code;
      put16(buf, offset + F.ID, 0);
      put16(buf, offset + F.MTU, repr.code === ICMP_UNREACHABLE.FRAG_NEEDED ? repr.nextHopMtu : 0);
      break;
    case "time_exceeded":
      checkUint("ICMP code", repr.code, 0xff);
      buf[offset + F.TYPE] = ICMP_TYPE.TIME_EXCEEDED;
      buf[offset + F.CODE] = repr.code;
      put16(buf, offset + F.ID, 0);
      put16(buf, offset + F.SEQ, 0);
      break;
    default:
      throw new TypeError(`unknown ICMP repr kind ${String((repr as { kind?: unknown }).kind)}`);
  }
  put16(buf, offset + F.CHECKSUM, 0);
  buf.set(body, offset + F.BODY);
  put16(buf, offset + F.CHECKSUM, internetChecksum(buf, offset, offset + len));
  return offset + len;
}

export function emitIcmp(repr: IcmpRepr): Uint8Array {
  const buf = new Uint8Array(icmpLen(repr));
  emitIcmpInto(buf, 0, repr);
  return buf;
}
