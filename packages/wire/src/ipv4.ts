/**
 * IPv4 headers (RFC 791 section 3.1). Parsing checks version, IHL, total length and
 * the header checksum; bytes after the total length (Ethernet padding) are ignored.
 * Options are kept opaque. The payload is a view into the input, not a copy.
 */
import { checkRoom, checkUint, get16, get32, put16, put32 } from "./bytes.ts";
import { internetChecksum } from "./checksum.ts";
import { parseError, type ParseResult } from "./errors.ts";

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17 } as const;
export const IPPROTO_ICMP = IPPROTO.ICMP;
export const IPPROTO_TCP = IPPROTO.TCP;
export const IPPROTO_UDP = IPPROTO.UDP;

export const IPV4_MIN_HEADER_LEN = 20;
export const IPV4_MAX_HEADER_LEN = 60;
export const IPV4_MAX_PACKET_LEN = 0xffff;

const F = {
  VER_IHL: 0,
  TOS: 1,
  TOTAL_LEN: 2,
  IDENT: 4,
  FLAGS_FRAG: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
  OPTIONS: 20,
} as const;
const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const FRAG_MASK = 0x1fff;

export interface Ipv4Repr {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  /** Length of the payload after the header (total length - header length). */
  readonly payloadLen: number;
  readonly ttl: number;
  readonly identification: number;
  /** The whole second byte: DSCP (6 bits) and ECN (2 bits). */
  readonly tos: number;
  readonly dontFragment: boolean;
  readonly moreFragments: boolean;
  /** Fragment offset in BYTES (a multiple of 8; the wire field counts 8-byte units). */
  readonly fragmentOffset: number;
  /** Raw option bytes, a multiple of 4 up to 40; empty when none. */
  readonly options: Uint8Array;
}

export interface Ipv4PacketRepr extends Ipv4Repr {
  readonly payload: Uint8Array;
}

const NO_OPTIONS = new Uint8Array(0);

/**
 * A checked view: `check` guarantees the buffer holds the whole header and the total
 * length, and that the IHL and total length are consistent. It does not verify the
 * checksum (`parseIpv4Packet` does) so that callers can inspect damaged headers.
 */
export class Ipv4Packet {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): ParseResult<Ipv4Packet> {
    if (bytes.length < IPV4_MIN_HEADER_LEN) {
      return parseError("truncated", `IPv4 packet of ${bytes.length} bytes is shorter than a 20-byte header`);
    }
    const version = bytes[F.VER_IHL]! >>> 4;
    if (version !== 4) return parseError("malformed", `IP version ${version} in an IPv4 packet`);
    const headerLen = (bytes[F.VER_IHL]! & 0x0f) * 4;
    if (headerLen < IPV4_MIN_HEADER_LEN) return parseError("malformed", `IPv4 header length ${headerLen} < 20`);
    if (headerLen > bytes.length) {
      return parseError("truncated", `IPv4 header length ${headerLen} exceeds the ${bytes.length}-byte packet`);
    }
    const totalLen = get16(bytes, F.TOTAL_LEN);
    if (totalLen < headerLen) {
      return parseError("malformed", `IPv4 total length ${totalLen} < header length ${headerLen}`);
    }
    if (totalLen > bytes.length) {
      return parseError("truncated", `IPv4 total length ${totalLen} exceeds the ${bytes.length} bytes received`);
    }
    return { ok: true, value: new Ipv4Packet(bytes) };
  }

  get headerLen(): number {
    return (this.bytes[F.VER_IHL]! & 0x0f) * 4;
  }
  get tos(): number {
    return this.bytes[F.TOS]!;
  }
  get totalLen(): number {
    return get16(this.bytes, F.TOTAL_LEN);
  }
  get identification(): number {
    return get16(this.bytes, F.IDENT);
  }
  get dontFragment(): boolean {
    return (get16(this.bytes, F.FLAGS_FRAG) & FLAG_DF) !== 0;
  }
  get moreFragments(): boolean {
    return (get16(this.bytes, F.FLAGS_FRAG) & FLAG_MF) !== 0;
  }
  /** In bytes. */
  get fragmentOffset(): number {
    return (get16(this.bytes, F.FLAGS_FRAG) & FRAG_MASK) * 8;
  }
  get ttl(): number {
    return this.bytes[F.TTL]!;
  }
  get protocol(): number {
    return this.bytes[F.PROTOCOL]!;
  }
  get checksum(): number {
    return get16(this.bytes, F.CHECKSUM);
  }
  get src(): number {
    return get32(this.bytes, F.SRC);
  }
  get dst(): number {
    return get32(this.bytes, F.DST);
  }
  get options(): Uint8Array {
    const h = this.headerLen;
    return h === IPV4_MIN_HEADER_LEN ? NO_OPTIONS : this.bytes.subarray(F.OPTIONS, h);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen, this.totalLen);
  }
  /** True when the header checksum verifies (RFC 791 section 3.1, RFC 1071). */
  verifyChecksum(): boolean {
    return internetChecksum(this.bytes, 0, this.headerLen) === 0;
  }
}

export function parseIpv4Packet(bytes: Uint8Array): ParseResult<Ipv4PacketRepr> {
  const checked = Ipv4Packet.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (!p.verifyChecksum()) return parseError("bad_checksum", `IPv4 header checksum 0x${p.checksum.toString(16)} is wrong`);
  const payload = p.payload;
  const fragmentOffset = p.fragmentOffset;
  // A fragment reaching past 65535 bytes cannot be part of any datagram (the "ping of
  // death"); refuse it here so reassembly never has to.
  if (fragmentOffset + payload.length > IPV4_MAX_PACKET_LEN) {
    return parseError("malformed", `IPv4 fragment at ${fragmentOffset} + ${payload.length} bytes exceeds 65535`);
  }
  return {
    ok: true,
    value: {
      src: p.src,
      dst: p.dst,
      protocol: p.protocol,
      payloadLen: payload.length,
      ttl: p.ttl,
      identification: p.identification,
      tos: p.tos,
      dontFragment: p.dontFragment,
      moreFragments: p.moreFragments,
      fragmentOffset,
      options: p.options,
      payload,
    },
  };
}

export function ipv4HeaderLen(repr: Pick<Ipv4Repr, "options">): number {
  return IPV4_MIN_HEADER_LEN + repr.options.length;
}

/**
 * Writes the header (with its checksum) at `offset`; returns the payload offset. The
 * caller writes `repr.payloadLen` payload bytes there.
 */
export function emitIpv4Header(buf: Uint8Array, offset: number, repr: Ipv4Repr): number {
  const options = repr.options;
  if (options.length % 4 !== 0 || options.length > IPV4_MAX_HEADER_LEN - IPV4_MIN_HEADER_LEN) {
    throw new RangeError(`IPv4 options must be a multiple of 4 bytes up to 40, got ${options.length}`);
  }
  const headerLen = IPV4_MIN_HEADER_LEN + options.length;
  checkUint("IPv4 payload length", repr.payloadLen, IPV4_MAX_PACKET_LEN - headerLen);
  checkUint("IPv4 source", repr.src, 0xffffffff);
  checkUint("IPv4 destination", repr.dst, 0xffffffff);
  checkUint("IPv4 protocol", repr.protocol, 0xff);
  checkUint("IPv4 TTL", repr.ttl, 0xff);
  checkUint("IPv4 identification", repr.identification, 0xffff);
  checkUint("IPv4 TOS", repr.tos, 0xff);
  checkUint("IPv4 fragment offset", repr.fragmentOffset, FRAG_MASK * 8);
  if (repr.fragmentOffset % 8 !== 0) {
    throw new RangeError(`IPv4 fragment offset must be a multiple of 8 bytes, got ${repr.fragmentOffset}`);
  }
  checkRoom("IPv4 header", buf, offset, headerLen);
  buf[offset + F.VER_IHL] = 0x40 | (headerLen >>> 2);
  buf[offset + F.TOS] = repr.tos;
  put16(buf, offset + F.TOTAL_LEN, headerLen + repr.payloadLen);
  put16(buf, offset + F.IDENT, repr.identification);
  put16(
    buf,
    offset + F.FLAGS_FRAG,
    (repr.dontFragment ? FLAG_DF : 0) | (repr.moreFragments ? FLAG_MF : 0) | (repr.fragmentOffset / 8),
  );
  buf[offset + F.TTL] = repr.ttl;
  buf[offset + F.PROTOCOL] = repr.protocol;
  put16(buf, offset + F.CHECKSUM, 0);
  put32(buf, offset + F.SRC, repr.src);
  put32(buf, offset + F.DST, repr.dst);
  if (options.length > 0) buf.set(options, offset + F.OPTIONS);
  put16(buf, offset + F.CHECKSUM, internetChecksum(buf, offset, offset + headerLen));
  return offset + headerLen;
}

/** Allocates header + a copy of `payload`; `repr.payloadLen` must equal its length. */
export function emitIpv4Packet(repr: Ipv4Repr, payload: Uint8Array): Uint8Array {
  if (repr.payloadLen !== payload.length) {
    throw new RangeError(`IPv4 payloadLen ${repr.payloadLen} does not match a ${payload.length}-byte payload`);
  }
  const buf = new Uint8Array(ipv4HeaderLen(repr) + payload.length);
  buf.set(payload, emitIpv4Header(buf, 0, repr));
  return buf;
}
