/**
 * ARP for Ethernet and IPv4 (RFC 826). Other hardware or protocol types are reported as
 * `unsupported`; trailing bytes (Ethernet padding to 46 bytes) are ignored.
 */
import { checkRoom, checkUint, get16, get32, put16, put32 } from "./bytes.ts";
import { parseError, type ParseResult } from "./errors.ts";
import { ETHERTYPE } from "./ethernet.ts";

export const ARP_OP = { REQUEST: 1, REPLY: 2 } as const;
export type ArpOp = (typeof ARP_OP)[keyof typeof ARP_OP];

export const ARP_PACKET_LEN = 28;
const HTYPE_ETHERNET = 1;

const F = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OP: 6, SHA: 8, SPA: 14, THA: 18, TPA: 24 } as const;

export interface ArpRepr {
  readonly op: ArpOp;
  readonly senderMac: Uint8Array;
  readonly senderIp: number;
  readonly targetMac: Uint8Array;
  readonly targetIp: number;
}

/** A checked view over at least 28 bytes. */
export class ArpPacket {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): ParseResult<ArpPacket> {
    if (bytes.length < ARP_PACKET_LEN) {
      return parseError("truncated", `ARP packet of ${bytes.length} bytes, need ${ARP_PACKET_LEN}`);
    }
    return { ok: true, value: new ArpPacket(bytes) };
  }

  get hardwareType(): number {
    return get16(this.bytes, F.HTYPE);
  }
  get protocolType(): number {
    return get16(this.bytes, F.PTYPE);
  }
  get hardwareLen(): number {
    return this.bytes[F.HLEN]!;
  }
  get protocolLen(): number {
    return this.bytes[F.PLEN]!;
  }
  get op(): number {
    return get16(this.bytes, F.OP);
  }
  get senderMac(): Uint8Array {
    return this.bytes.subarray(F.SHA, F.SHA + 6);
  }
  get senderIp(): number {
    return get32(this.bytes, F.SPA);
  }
  get targetMac(): Uint8Array {
    return this.bytes.subarray(F.THA, F.THA + 6);
  }
  get targetIp(): number {
    return get32(this.bytes, F.TPA);
  }
}

export function parseArp(bytes: Uint8Array): ParseResult<ArpRepr> {
  const checked = ArpPacket.check(bytes);
  if (!checked.ok) return checked;
  const p = checked.value;
  if (p.hardwareType !== HTYPE_ETHERNET || p.protocolType !== ETHERTYPE.IPV4) {
    return parseError("unsupported", `ARP for hardware ${p.hardwareType} / protocol 0x${p.protocolType.toString(16)}`);
  }
  if (p.hardwareLen !== 6 || p.protocolLen !== 4) {
    return parseError("malformed", `Ethernet/IPv4 ARP with address lengths ${p.hardwareLen}/${p.protocolLen}`);
  }
  const op = p.op;
  // RARP (3, 4) and InARP (8, 9) share the format but not the meaning.
  if (op !== ARP_OP.REQUEST && op !== ARP_OP.REPLY) return parseError("unsupported", `ARP operation ${op}`);
  return {
    ok: true,
    value: { op, senderMac: p.senderMac, senderIp: p.senderIp, targetMac: p.targetMac, targetIp: p.targetIp },
  };
}

function checkMac(what: string, mac: Uint8Array): void {
  if (!(mac instanceof Uint8Array) || mac.length !== 6) {
    throw new TypeError(`ARP ${what} must be 6 bytes, got ${String(mac?.length)}`);
  }
}

/** Writes the 28-byte packet at `offset`; returns the offset after it. */
export function emitArpInto(buf: Uint8Array, offset: number, repr: ArpRepr): number {
  if (repr.op !== ARP_OP.REQUEST && repr.op !== ARP_OP.REPLY) {
    throw new RangeError(`ARP op must be 1 (request) or 2 (reply), got ${String(repr.op)}`);
  }
  checkMac("sender MAC", repr.senderMac);
  checkMac("target MAC", repr.targetMac);
  checkUint("ARP sender IP", repr.senderIp, 0xffffffff);
  checkUint("ARP target IP", repr.targetIp, 0xffffffff);
  checkRoom("ARP packet", buf, offset, ARP_PACKET_LEN);
  put16(buf, offset + F.HTYPE, HTYPE_ETHERNET);
  put16(buf, offset + F.PTYPE, ETHERTYPE.IPV4);
  buf[offset + F.HLEN] = 6;
  buf[offset + F.PLEN] = 4;
  put16(buf, offset + F.OP, repr.op);
  buf.set(repr.senderMac, offset + F.SHA);
  put32(buf, offset + F.SPA, repr.senderIp);
  buf.set(repr.targetMac, offset + F.THA);
  put32(buf, offset + F.TPA, repr.targetIp);
  return offset + ARP_PACKET_LEN;
}

export function emitArp(repr: ArpRepr): Uint8Array {
  const buf = new Uint8Array(ARP_PACKET_LEN);
  emitArpInto(buf, 0, repr);
  return buf;
}
