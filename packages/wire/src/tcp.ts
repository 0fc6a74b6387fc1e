/**
 * TCP segments (RFC 9293 section 3.1) to and from `TcpRepr`. The checksum covers the
 * IPv4 pseudo-header, so parse and emit take the source and destination addresses;
 * parse always verifies it. Options are in tcp-options.ts.
 */
import { checkRoom, checkUint, get16, get32, put16, put32 } from "./bytes.ts";
import { fold, pseudoHeaderSum, sum16 } from "./checksum.ts";
import { parseError, type ParseResult } from "./errors.ts";
import { IPPROTO } from "./ipv4.ts";
import { emitTcpOptions, parseTcpOptions, tcpOptionsLen } from "./tcp-options.ts";
import type { TcpRepr } from "./tcp-repr.ts";

export const TCP_MIN_HEADER_LEN = 20;
export const TCP_MAX_HEADER_LEN = 60;

const F = {
  SRC_PORT: 0,
  DST_PORT: 2,
  SEQ: 4,
  ACK: 8,
  DATA_OFFSET: 12,
  FLAGS: 13,
  WINDOW: 14,
  CHECKSUM: 16,
  URGENT: 18,
  OPTIONS: 20,
} as const;

/**
 * A checked view: `check` guarantees the buffer holds the header its data offset
 * claims (20..60 bytes). Everything after the header is payload: the IP layer has
 * already cut the segment to the datagram's length.
 */
export class TcpSegment {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): ParseResult<TcpSegment> {
    if (bytes.length < TCP_MIN_HEADER_LEN) {
      return parseError("truncated", `TCP segment of ${bytes.length} bytes is shorter than a 20-byte header`);
    }
    const headerLen = (bytes[F.DATA_OFFSET]! >>> 4) * 4;
    if (headerLen < TCP_MIN_HEADER_LEN) return parseError("malformed", `TCP data offset ${headerLen} bytes < 20`);
    if (headerLen > bytes.length) {
      return parseError("truncated", `TCP header of ${headerLen} bytes exceeds the ${bytes.length}-byte segment`);
    }
    return { ok: true, value: new TcpSegment(bytes) };
  }

  get srcPort(): number {
    return get16(this.bytes, F.SRC_PORT);
  }
  get dstPort(): number {
    return get16(this.bytes, F.DST_PORT);
  }
  get seq(): number {
    return get32(this.bytes, F.SEQ);
  }
  get ack(): number {
    return get32(this.bytes, F.ACK);
  }
  get headerLen(): number {
    return (this.bytes[F.DATA_OFFSET]! >>> 4) * 4;
  }
  /** The eight flag bits CWR..FIN (TCP_FLAG); the reserved bits are not included. */
  get flags(): number {
    return this.bytes[F.FLAGS]!;
  }
  get window(): number {
    return get16(this.bytes, F.WINDOW);
  }
  get checksum(): number {
    return get16(this.bytes, F.CHECKSUM);
  }
  get urgent(): number {
    return get16(this.bytes, F.URGENT);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(this.headerLen);
  }
  verifyChecksum(src: number, dst: number): boolean {
    const len = this.bytes.length;
    return fold(sum16(this.bytes, 0, len, pseudoHeaderSum(src, dst, IPPROTO.TCP, len))) === 0xffff;
  }
}

/** Parses a whole segment (the IPv4 payload) sent from `src` to `dst`. */
export function parseTcp(bytes: Uint8Array, src: number, dst: number): ParseResult<TcpRepr> {
  const checked = TcpSegment.check(bytes);
  if (!checked.ok) return checked;
  const s = checked.value;
  if (!s.verifyChecksum(src, dst)) return parseError("bad_checksum", `TCP checksum 0x${s.checksum.toString(16)} is wrong`);
  const headerLen = s.headerLen;
  const options = parseTcpOptions(bytes, F.OPTIONS, headerLen);
  if (!options.ok) return options;
  return {
    ok: true,
    value: {
      srcPort: s.srcPort,
      dstPort: s.dstPort,
      seq: s.seq,
      ack: s.ack,
      flags: s.flags,
      window: s.window,
      urgent: s.urgent,
      options: options.value,
      payload: bytes.subarray(headerLen),
    },
  };
}

/** Header length including options, a multiple of 4. */
export function tcpHeaderLen(repr: Pick<TcpRepr, "options">): number {
  return TCP_MIN_HEADER_LEN + tcpOptionsLen(repr.options);
}

/** Header plus payload. */
export function tcpLen(repr: TcpRepr): number {
  return tcpHeaderLen(repr) + repr.payload.length;
}

/** Writes the segment (header, options, payload copy, checksum) at `offset`; returns the end. */
export function emitTcpInto(buf: Uint8Array, offset: number, repr: TcpRepr, src: number, dst: number): number {
  checkUint("TCP source port", repr.srcPort, 0xffff);
  checkUint("TCP destination port", repr.dstPort, 0xffff);
  checkUint("TCP seq", repr.seq, 0xffffffff);
  checkUint("TCP ack", repr.ack, 0xffffffff);
  checkUint("TCP flags", repr.flags, 0xff);
  checkUint("TCP window", repr.window, 0xffff);
  checkUint("TCP urgent pointer", repr.urgent, 0xffff);
  checkUint("TCP pseudo-header source", src, 0xffffffff);
  checkUint("TCP pseudo-header destination", dst, 0xffffffff);
  const headerLen = tcpHeaderLen(repr);
  if (headerLen > TCP_MAX_HEADER_LEN) {
    throw new RangeError(`TCP options need ${headerLen - TCP_MIN_HEADER_LEN} bytes, at most 40 fit`);
  }
  const len = headerLen + repr.payload.length;
  checkRoom("TCP segment", buf, offset, len);
  put16(buf, offset + F.SRC_PORT, repr.srcPort);
  put16(buf, offset + F.DST_PORT, repr.dstPort);
  put32(buf, offset + F.SEQ, repr.seq);
  put32(buf, offset + F.ACK, repr.ack);
  buf[offset + F.DATA_OFFSET] = (headerLen >>> 2) << 4;
  buf[offset + F.FLAGS] = repr.flags;
  put16(buf, offset + F.WINDOW, repr.window);
  put16(buf, offset + F.CHECKSUM, 0);
  put16(buf, offset + F.URGENT, repr.urgent);
  emitTcpOptions(buf, offset + F.OPTIONS, repr.options);
  buf.set(repr.payload, offset + headerLen);
  const sum = sum16(buf, offset, offset + len, pseudoHeaderSum(src, dst, IPPROTO.TCP, len));
  put16(buf, offset + F.CHECKSUM, ~fold(sum) & 0xffff);
  return offset + len;
}

export function emitTcp(repr: TcpRepr, src: number, dst: number): Uint8Array {
  const buf = new Uint8Array(tcpLen(repr));
  emitTcpInto(buf, 0, repr, src, dst);
  return buf;
}
