/**
 * UDP (RFC 768) as apps see it: the `Udp` device interface over the stack core.
 * Dotted-quad strings exist only at this boundary. Listeners are per local port;
 * datagrams without a listener are reported to the caller (which answers with ICMP
 * port unreachable). Source ports for sends without one are drawn at random from the
 * dynamic range 49152-65535 (RFC 6335 section 6, RFC 6056).
 */
import { err, type Datagram, type Result, type Udp, type UdpError } from "@mirage-ts/devices";
import { formatIpv4, parseIpv4 } from "@mirage-ts/wire";

/** 65535 less the IPv4 and UDP headers. */
export const MAX_UDP_PAYLOAD = 65507;
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_LOW;

export type UdpTransmit = (dst: number, srcPort: number, dstPort: number, data: Uint8Array) => Promise<Result<void, UdpError>>;

export interface UdpLayerStats {
  rxDatagrams: number;
  txDatagrams: number;
  noListener: number;
  listenerErrors: number;
}

function checkPort(what: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`UDP ${what} must be an integer 1..65535, got ${String(port)}`);
}

export class UdpLayer implements Udp {
  readonly stats: UdpLayerStats = { rxDatagrams: 0, txDatagrams: 0, noListener: 0, listenerErrors: 0 };
  private readonly listeners = new Map<number, (d: Datagram) => void>();

  constructor(
    private readonly transmit: UdpTransmit,
    private readonly random: (n: number) => Uint8Array,
    private readonly onListenerError: (port: number, e: unknown) => void = () => {},
  ) {}

  listen(port: number, onDatagram: (d: Datagram) => void): void {
    checkPort("port", port);
    if (typeof onDatagram !== "function") throw new TypeError(`UDP listen: callback must be a function, got ${typeof onDatagram}`);
    // As in mirage-tcpip, listening again on a port replaces the callback.
    this.listeners.set(port, onDatagram);
  }

  unlisten(port: number): void {
    this.listeners.delete(port);
  }

  async send(address: string, port: number, data: Uint8Array, options?: { readonly srcPort?: number }): Promise<Result<void, UdpError>> {
    const dst = parseIpv4(address);
    if (dst === undefined) throw new TypeError(`UDP send: not an IPv4 address: ${JSON.stringify(address)}`);
    checkPort("destination port", port);
    if (!(data instanceof Uint8Array)) throw new TypeError(`UDP send: data must be a Uint8Array, got ${typeof data}`);
    const srcPort = options?.srcPort ?? this.ephemeralPort();
    checkPort("source port", srcPort);
    if (data.length > MAX_UDP_PAYLOAD) {
      return err({ code: "too_large", message: `UDP payload of ${data.length} bytes exceeds ${MAX_UDP_PAYLOAD}` });
    }
    const result = await this.transmit(dst, srcPort, port, data);
    if (result.ok) this.stats.txDatagrams++;
    return result;
  }

  /** True when a listener took the datagram; the caller still owns `payload` (it is copied). */
  deliver(src: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array): boolean {
    const listener = this.listeners.get(dstPort);
    if (listener === undefined) {
      this.stats.noListener++;
      return false;
    }
    this.stats.rxDatagrams++;
    const d: Datagram = {
      src: { address: formatIpv4(src), port: srcPort },
      dst: { address: formatIpv4(dst), port: dstPort },
      data: payload.slice(),
    };
    try {
      listener(d);
    } catch (e) {
      // An app bug must not take the stack down with it.
      this.stats.listenerErrors++;
      this.onListenerError(dstPort, e);
    }
    return true;
  }

  isListening(port: number): boolean {
    return this.listeners.has(port);
  }

  private ephemeralPort(): number {
    const r = this.random(2);
    const start = ((r[0]! << 8) | r[1]!) % EPHEMERAL_COUNT;
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const p = EPHEMERAL_LOW + ((start + i) % EPHEMERAL_COUNT);
      if (!this.listeners.has(p)) return p;
    }
    return EPHEMERAL_LOW + start;
  }
}
