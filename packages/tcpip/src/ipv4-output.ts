/**
 * The IPv4 send path: header emission with an identification counter, fragmentation
 * when a packet exceeds the MTU (RFC 791 section 3.2; DF is never set because we do
 * not do path MTU discovery), and delivery through the ARP cache to Ethernet.
 *
 * To copy each packet once, a transport writes straight into the frame it will be
 * sent in: `buffer(len)` returns a frame with room for Ethernet and IPv4 headers when
 * the packet fits the MTU (transport at TRANSPORT_OFFSET), or a bare transport buffer
 * (offset 0) that `send` then splits into fragments.
 */
import {
  BROADCAST_MAC,
  ETHERTYPE,
  IPPROTO,
  emitArpInto,
  emitIcmpInto,
  emitIpv4Header,
  emitTcpInto,
  emitUdpInto,
  icmpLen,
  tcpLen,
  type ArpOp,
  type IcmpRepr,
  type Ipv4Repr,
  type TcpRepr,
} from "@mirage-ts/wire";
import { ArpCache, type ArpMessage, type ArpOptions, type ArpOutput } from "./arp.ts";
import { fragmentSpans } from "./fragment.ts";
import { LIMITED_BROADCAST } from "./route.ts";

export const ETH_HEADER = 14;
export const TRANSPORT_OFFSET = ETH_HEADER + 20;
const NO_OPTIONS = new Uint8Array(0);
const DEFAULT_TTL = 64;

/** Called once a packet was handed to the device (`ok`) or dropped for want of a next hop. */
export type SendDone = (ok: boolean, wrote: unknown) => void;

export interface PendingFrame {
  readonly frame: Uint8Array;
  readonly done: SendDone | undefined;
}

/** Addresses and ports of a packet we built (for telling TCP it could not be sent). */
export interface QueuedTransport {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly srcPort: number;
  readonly dstPort: number;
}

export interface Ipv4OutputOptions {
  readonly mac: Uint8Array;
  readonly mtu: number;
  readonly now: () => number;
  readonly random: (n: number) => Uint8Array;
  /** Hands one frame to the device; may return the device's write promise. */
  readonly transmit: (frame: Uint8Array) => unknown;
  /** A queued packet was dropped because its next hop did not answer ARP; `t` is set for a first fragment. */
  readonly onArpFailure: (t: QueuedTransport | undefined) => void;
  readonly arp?: ArpOptions;
}

export interface Ipv4OutputStats {
  txPackets: number;
  txFragments: number;
  txFrames: number;
  arpFailures: number;
}

export class Ipv4Output {
  readonly arp: ArpCache<PendingFrame>;
  readonly stats: Ipv4OutputStats = { txPackets: 0, txFragments: 0, txFrames: 0, arpFailures: 0 };
  private identification: number;
  private readonly mac: Uint8Array;
  private readonly mtu: number;

  constructor(private readonly o: Ipv4OutputOptions) {
    if (!Number.isInteger(o.mtu) || o.mtu < 68 || o.mtu > 65535) throw new RangeError(`IPv4 MTU must be an integer 68..65535, got ${String(o.mtu)}`);
    this.mac = o.mac;
    this.mtu = o.mtu;
    this.arp = new ArpCache<PendingFrame>(o.mac, o.arp);
    const r = o.random(2);
    this.identification = (r[0]! << 8) | r[1]!;
  }

  /** True when a transport of `len` bytes goes out as one packet. */
  fits(len: number): boolean {
    return 20 + len <= this.mtu;
  }

  /** A buffer for a transport of `len` bytes; write it at `transportOffset(len)`. */
  buffer(len: number): Uint8Array {
    return this.fits(len) ? new Uint8Array(TRANSPORT_OFFSET + len) : new Uint8Array(len);
  }

  transportOffset(len: number): number {
    return this.fits(len) ? TRANSPORT_OFFSET : 0;
  }

  /**
   * Sends the transport in `buf` (from `buffer(len)`) from `src` to `dst` through
   * `nextHop` (LIMITED_BROADCAST for a link broadcast).
   */
  send(buf: Uint8Array, src: number, dst: number, protocol: number, len: number, nextHop: number, done?: SendDone): void {
    const id = this.identification;
    this.identification = (id + 1) & 0xffff;
    this.stats.txPackets++;
    if (this.fits(len)) {
      emitIpv4Header(buf, ETH_HEADER, header(src, dst, protocol, len, id, 0, false));
      this.deliver(buf, nextHop, done);
      return;
    }
    const spans = fragmentSpans(len, this.mtu);
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      const frame = new Uint8Array(TRANSPORT_OFFSET + s.length);
      emitIpv4Header(frame, ETH_HEADER, header(src, dst, protocol, s.length, id, s.offset, s.more));
      frame.set(buf.subarray(s.offset, s.offset + s.length), TRANSPORT_OFFSET);
      this.stats.txFragments++;
      this.deliver(frame, nextHop, i === spans.length - 1 ? done : undefined);
    }
  }

  sendUdp(src: number, dst: number, nextHop: number, srcPort: number, dstPort: number, data: Uint8Array, done?: SendDone): void {
    const len = 8 + data.length;
    const buf = this.buffer(len);
    emitUdpInto(buf, this.transportOffset(len), { srcPort, dstPort, payload: data }, src, dst);
    this.send(buf, src, dst, IPPROTO.UDP, len, nextHop, done);
  }

  sendTcp(src: number, dst: number, nextHop: number, segment: TcpRepr): void {
    const len = tcpLen(segment);
    const buf = this.buffer(len);
    emitTcpInto(buf, this.transportOffset(len), segment, src, dst);
    this.send(buf, src, dst, IPPROTO.TCP, len, nextHop);
  }

  sendIcmp(src: number, dst: number, nextHop: number, repr: IcmpRepr): void {
    const len = icmpLen(repr);
    const buf = this.buffer(len);
    emitIcmpInto(buf, this.transportOffset(len), repr);
    this.send(buf, src, dst, IPPROTO.ICMP, len, nextHop);
  }

  /** Fills in the Ethernet header and transmits, resolving `nextHop` first if needed. */
  private deliver(frame: Uint8Array, nextHop: number, done: SendDone | undefined): void {
    if (nextHop === LIMITED_BROADCAST) {
      this.transmitTo(frame, BROADCAST_MAC, ETHERTYPE.IPV4, done);
      return;
    }
    const mac = this.arp.lookup(this.o.now(), nextHop);
    if (mac !== undefined) {
      this.transmitTo(frame, mac, ETHERTYPE.IPV4, done);
      return;
    }
    this.handleArp(this.arp.enqueue(this.o.now(), nextHop, { frame, done }));
  }

  private transmitTo(frame: Uint8Array, dstMac: Uint8Array, ethertype: number, done: SendDone | undefined): void {
    frame.set(dstMac, 0);
    frame.set(this.mac, 6);
    frame[12] = ethertype >>> 8;
    frame[13] = ethertype & 0xff;
    this.stats.txFrames++;
    const wrote = this.o.transmit(frame);
    if (done !== undefined) done(true, wrote);
  }

  /** Acts on the ARP cache's outputs: ARP frames, released packets, failures. */
  handleArp(outputs: readonly ArpOutput<PendingFrame>[]): void {
    for (const out of outputs) {
      switch (out.kind) {
        case "arp":
          this.transmitArp(out.dstMac, out.message);
          break;
        case "send":
          this.transmitTo(out.item.frame, out.dstMac, ETHERTYPE.IPV4, out.item.done);
          break;
        case "unreachable":
          for (const item of out.items) {
            this.stats.arpFailures++;
            this.o.onArpFailure(transportOf(item.frame));
            if (item.done !== undefined) item.done(false, undefined);
          }
          break;
      }
    }
  }

  private transmitArp(dstMac: Uint8Array, m: ArpMessage): void {
    // Padded to the 60-byte Ethernet minimum (IEEE 802.3 clause 3.2.7): ARP is 28 bytes.
    const frame = new Uint8Array(60);
    emitArpInto(frame, ETH_HEADER, { op: m.op as ArpOp, senderMac: m.senderMac, senderIp: m.senderIp, targetMac: m.targetMac, targetIp: m.targetIp });
    this.transmitTo(frame, dstMac, ETHERTYPE.ARP, undefined);
  }
}

function header(src: number, dst: number, protocol: number, payloadLen: number, identification: number, fragmentOffset: number, moreFragments: boolean): Ipv4Repr {
  return { src, dst, protocol, payloadLen, ttl: DEFAULT_TTL, identification, tos: 0, dontFragment: false, moreFragments, fragmentOffset, options: NO_OPTIONS };
}

/** Reads back the addresses and ports of a frame we built (a 20-byte header), if it is a first fragment. */
function transportOf(frame: Uint8Array): QueuedTransport | undefined {
  if (frame.length < TRANSPORT_OFFSET + 4) return undefined;
  const h = ETH_HEADER;
  if ((((frame[h + 6]! & 0x1f) << 8) | frame[h + 7]!) !== 0) return undefined;
  const at = (o: number): number => ((frame[o]! << 24) | (frame[o + 1]! << 16) | (frame[o + 2]! << 8) | frame[o + 3]!) >>> 0;
  return {
    src: at(h + 12),
    dst: at(h + 16),
    protocol: frame[h + 9]!,
    srcPort: (frame[TRANSPORT_OFFSET]! << 8) | frame[TRANSPORT_OFFSET + 1]!,
    dstPort: (frame[TRANSPORT_OFFSET + 2]! << 8) | frame[TRANSPORT_OFFSET + 3]!,
  };
}
