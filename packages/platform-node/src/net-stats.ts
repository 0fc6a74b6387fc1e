/**
 * What the unix target's network devices (tap, UDP link) share: option checks, a
 * random MAC, counters, and the one-listener/disconnect bookkeeping of `Network`.
 * A device subclasses `FrameDevice`, calls `deliver` for each received frame and
 * implements `send` and `close`.
 */
import { randomBytes } from "node:crypto";
import { err, ok } from "@mirage-ts/devices";
import type { NetError, Network, NetworkStats, Result } from "@mirage-ts/devices";

/** Bytes of an Ethernet II header (two MACs and the EtherType); frames exclude the FCS. */
export const ETHERNET_HEADER = 14;
export const DEFAULT_MTU = 1500;

/** A random locally administered (bit 1 of the first octet) unicast (bit 0 clear) MAC. */
export function randomLocalMac(): Uint8Array {
  const mac = new Uint8Array(randomBytes(6));
  mac[0] = (mac[0]! & 0xfc) | 0x02;
  return mac;
}

export function formatMac(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** The MAC to use: a copy of `mac` after checking it, or a fresh random one. */
export function checkMac(mac: Uint8Array | undefined, what: string): Uint8Array {
  if (mac === undefined) return randomLocalMac();
  if (!(mac instanceof Uint8Array)) throw new TypeError(`${what}: mac must be a Uint8Array, got ${String(mac)}`);
  if (mac.length !== 6) throw new RangeError(`${what}: mac must be 6 bytes, got ${mac.length}`);
  // A group address as a source would make every peer drop our frames (IEEE 802.3 3.2.3).
  if ((mac[0]! & 1) !== 0) throw new RangeError(`${what}: mac ${formatMac(mac)} is a multicast address`);
  return Uint8Array.from(mac);
}

/** The MTU to use; 68 is IPv4's minimum (RFC 791), 65535 - 14 the most a tap or datagram carries. */
export function checkMtu(mtu: number | undefined, what: string): number {
  if (mtu === undefined) return DEFAULT_MTU;
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535 - ETHERNET_HEADER) {
    throw new RangeError(`${what}: mtu must be an integer from 68 to ${65535 - ETHERNET_HEADER}, got ${String(mtu)}`);
  }
  return mtu;
}

function zeroStats(): NetworkStats {
  return { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0, rxDropped: 0, txDropped: 0 };
}

/** The common half of a host network device. */
export abstract class FrameDevice implements Network {
  protected counters: NetworkStats = zeroStats();
  protected closed = false;
  private onFrame: ((frame: Uint8Array) => void) | null = null;
  private finishListen: ((result: Result<void, NetError>) => void) | null = null;

  constructor(
    /** Names the device in messages: `tap tap0`, `udp link 127.0.0.1:5555`. */
    readonly label: string,
    readonly mac: Uint8Array,
    readonly mtu: number,
  ) {}

  /** Starts receiving; frames go to `deliver`. */
  protected abstract startReceiving(): void;
  /** Sends one checked frame, or returns why not. */
  protected abstract send(frame: Uint8Array): Promise<Result<void, NetError>>;
  /** Stops receiving and releases host resources. */
  protected abstract close(): Promise<void>;

  listen(onFrame: (frame: Uint8Array) => void): Promise<Result<void, NetError>> {
    if (typeof onFrame !== "function") throw new TypeError(`${this.label}: listen needs a function, got ${String(onFrame)}`);
    if (this.closed) return Promise.resolve(err({ code: "disconnected", message: `${this.label} is disconnected` }));
    if (this.onFrame !== null) return Promise.reject(new TypeError(`${this.label}: already has a listener (one at a time)`));
    this.onFrame = onFrame;
    return new Promise((resolve) => {
      this.finishListen = resolve;
      this.startReceiving();
    });
  }

  /** Hands a received frame to the listener, or drops and counts it. */
  protected deliver(frame: Uint8Array): void {
    const onFrame = this.onFrame;
    if (onFrame === null) return;
    if (frame.length < ETHERNET_HEADER || frame.length > this.mtu + ETHERNET_HEADER) {
      this.counters.rxDropped++;
      return;
    }
    this.counters.rxPackets++;
    this.counters.rxBytes += frame.length;
    onFrame(frame);
  }

  /** Ends the listen promise (on disconnect, or with an error when the device fails). */
  protected endListen(result: Result<void, NetError>): void {
    const finish = this.finishListen;
    this.onFrame = null;
    this.finishListen = null;
    finish?.(result);
  }

  async write(frame: Uint8Array): Promise<Result<void, NetError>> {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`${this.label}: write needs a Uint8Array, got ${String(frame)}`);
    if (this.closed) return err({ code: "disconnected", message: `${this.label} is disconnected` });
    if (frame.length > this.mtu + ETHERNET_HEADER) {
      this.counters.txDropped++;
      return err({ code: "too_large", message: `${this.label}: frame of ${frame.length} bytes exceeds mtu ${this.mtu} + ${ETHERNET_HEADER}` });
    }
    if (frame.length < ETHERNET_HEADER) {
      this.counters.txDropped++;
      return err({ code: "io", message: `${this.label}: frame of ${frame.length} bytes is shorter than an Ethernet header` });
    }
    const result = await this.send(frame);
    if (result.ok) {
      this.counters.txPackets++;
      this.counters.txBytes += frame.length;
    } else {
      this.counters.txDropped++;
    }
    return result;
  }

  stats(): NetworkStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = zeroStats();
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.close();
    this.endListen(ok(undefined));
  }
}
