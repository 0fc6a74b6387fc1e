/**
 * What the unix target's network devices (tap, UDP link) share beyond
 * `FrameDevice`: option checks and a random MAC.
 */
import { randomBytes } from "node:crypto";
import { ETHERNET_HEADER } from "@mirage-ts/devices";

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
