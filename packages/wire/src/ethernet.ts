/**
 * Ethernet II frames (IEEE 802.3 clause 3.2.6 with a type field), without the FCS.
 * The payload is a view into the frame (no copy) and keeps any padding: the layer above
 * trims it (IPv4 by its total length).
 */
import { checkRoom, checkUint, get16, put16 } from "./bytes.ts";
import { parseError, type ParseResult } from "./errors.ts";

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
} as const;

export const ETHERNET_HEADER_LEN = 14;
/** Values below this are 802.3 length fields, not types (IEEE 802.3 clause 3.2.6). */
const MIN_ETHERTYPE = 0x0600;

const F = { DST: 0, SRC: 6, ETHERTYPE: 12, PAYLOAD: 14 } as const;

export interface EthernetRepr {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly ethertype: number;
}

export interface EthernetFrameRepr extends EthernetRepr {
  readonly payload: Uint8Array;
}

/** A checked view: once `check` succeeds every accessor is in bounds. */
export class EthernetFrame {
  private constructor(readonly bytes: Uint8Array) {}

  static check(bytes: Uint8Array): ParseResult<EthernetFrame> {
    if (bytes.length < ETHERNET_HEADER_LEN) {
      return parseError("truncated", `Ethernet frame of ${bytes.length} bytes is shorter than its 14-byte header`);
    }
    return { ok: true, value: new EthernetFrame(bytes) };
  }

  get dst(): Uint8Array {
    return this.bytes.subarray(F.DST, F.DST + 6);
  }
  get src(): Uint8Array {
    return this.bytes.subarray(F.SRC, F.SRC + 6);
  }
  get ethertype(): number {
    return get16(this.bytes, F.ETHERTYPE);
  }
  get payload(): Uint8Array {
    return this.bytes.subarray(F.PAYLOAD);
  }
}

/** Parses an Ethernet II frame; 802.3 length-field (LLC) frames are `unsupported`. */
export function parseEthernet(bytes: Uint8Array): ParseResult<EthernetFrameRepr> {
  const checked = EthernetFrame.check(bytes);
  if (!checked.ok) return checked;
  const f = checked.value;
  const ethertype = f.ethertype;
  if (ethertype < MIN_ETHERTYPE) {
    return parseError("unsupported", `802.3 frame (type/length field 0x${ethertype.toString(16)}), not Ethernet II`);
  }
  return { ok: true, value: { dst: f.dst, src: f.src, ethertype, payload: f.payload } };
}

function checkMac(what: string, mac: Uint8Array): void {
  if (!(mac instanceof Uint8Array) || mac.length !== 6) {
    throw new TypeError(`${what} MAC must be 6 bytes, got ${String(mac?.length)}`);
  }
}

/** Writes the 14-byte header at `offset` and returns the payload offset. */
export function emitEthernetHeader(buf: Uint8Array, offset: number, repr: EthernetRepr): number {
  checkMac("destination", repr.dst);
  checkMac("source", repr.src);
  checkUint("ethertype", repr.ethertype, 0xffff);
  checkRoom("Ethernet header", buf, offset, ETHERNET_HEADER_LEN);
  buf.set(repr.dst, offset + F.DST);
  buf.set(repr.src, offset + F.SRC);
  put16(buf, offset + F.ETHERTYPE, repr.ethertype);
  return offset + F.PAYLOAD;
}

/** Allocates a frame holding the header and a copy of `payload`. */
export function emitEthernet(repr: EthernetRepr, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(ETHERNET_HEADER_LEN + payload.length);
  frame.set(payload, emitEthernetHeader(frame, 0, repr));
  return frame;
}
