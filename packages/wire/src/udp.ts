/**
 * UDP over IPv4 (RFC 768). The checksum covers a pseudo-header, so parse and emit take
 * the IPv4 source and destination. A zero checksum means "none" and is accepted over
 * IPv4; a computed zero is sent as 0xffff. Bytes after the UDP length are ignored.
 */
import { checkRoom, checkUint, get16, put16 } from "./bytes.ts";
import { fold, pseudoHeaderSum, sum16 } from "./checksum.ts";
import { parseError, type ParseResult } from "./errors.ts";
import { IPPROTO } from "./ipv4.ts";

export const UDP_HEADER_LEN = 8;
const F = { SRC_PORT: 0, DST_PORT: 2, LENGTH: 4, CHECKSUM: 6, PAYLOAD: 8 } as const;

export interface UdpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly payload: Uint8Array;
}

/** A checked view: the buffer holds the 8-byte header and the `length` bytes it claims. */
export class UdpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): ParseResult<UdpPacket> {
    if (bytes.length < UDP_HEADER_LEN) {
      return parseError("truncated", `UDP datagram of ${bytes.length} bytes is shorter than its 8-byte header`);
    }
    const length = get16(bytes, F.LENGTH);
    if (length < UDP_HEADER_LEN) return parseError("malformed", `UDP length ${length} < 8`);
    if (length > bytes.length) {
      return parseError("truncated", `UDP length ${length} exceeds the ${bytes.length} bytes received`);
    }
    return { ok: true, value: new UdpPacket(bytes) };
  }

  get srcPort(): number {
    return get16(this.bytes, F.SRC_PORT);
  }
  get dstPort(): number {
    return get16(this.bytes, F.DST_PORT);
  }
  get length(): number {
    return get16(this.bytes, F.LENGTH);
  }
  get checksum(): number {
    return get16(this.bytes, F.CHECKSUM);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(F.PAYLOAD, this.length);
  }
  /** True when the checksum is absent (0) or verifies against the pseudo-header. */
  verifyChecksum(src: number, dst: number): boolean {
    if (this.checksum === 0) return true;
    const len = this.length;
    return fold(sum16(this.bytes, 0, len, pseudoHeaderSum(src, dst, IPPROTO.UDP, len))) === 0xffff;
  }
}

export function parseUdp(bytes: Uint8Array, src: number, dst: number): ParseResult<UdpRepr> {
  const checked = UdpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (!p.verifyChecksum(src, dst)) return parseError("bad_checksum", `UDP checksum 0x${p.checksum.toString(16)} is wrong`);
  return { ok: true, value: { srcPort: p.srcPort, dstPort: p.dstPort, payload: p.payload } };
}

export function udpLen(repr: UdpRepr): number {
  return UDP_HEADER_LEN + repr.payload.length;
}

/** Writes header, payload copy and checksum at `offset`; returns the offset after. */
export function emitUdpInto(buf: Uint8Array, offset: number, repr: UdpRepr, src: number, dst: number): number {
  checkUint("UDP source port", repr.srcPort, 0xffff);
  checkUint("UDP destination port", repr.dstPort, 0xffff);
  checkUint("UDP pseudo-header source", src, 0xffffffff);
  checkUint("UDP pseudo-header destination", dst, 0xffffffff);
  const len = UDP_HEADER_LEN + repr.payload.length;
  checkUint("UDP length", len, 0xffff);
  checkRoom("UDP datagram", buf, offset, len);
  put16(buf, offset + F.SRC_PORT, repr.srcPort);
  put16(buf, offset + F.DST_PORT, repr.dstPort);
  put16(buf, offset + F.LENGTH, len);
  put16(buf, offset + F.CHECKSUM, 0);
  buf.set(repr.payload, offset + F.PAYLOAD);
  const sum = ~fold(sum16(buf, offset, offset + len, pseudoHeaderSum(src, dst, IPPROTO.UDP, len))) & 0xffff;
  // RFC 768: a computed zero is transmitted as all ones; zero means "no checksum".
  put16(buf, offset + F.CHECKSUM, sum === 0 ? 0xffff : sum);
  return offset + len;
}

export function emitUdp(repr: UdpRepr, src: number, dst: number): Uint8Array {
  const buf = new Uint8Array(udpLen(repr));
  emitUdpInto(buf, 0, repr, src, dst);
  return buf;
}
