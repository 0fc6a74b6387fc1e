/**
 * IPv4 interface configuration and routing (RFC 1122 section 3.3.1): a destination on
 * our subnet is reached directly, anything else through the gateway, and without a
 * gateway it is unreachable. One interface, so one table of at most two routes.
 */
export interface Ipv4Interface {
  readonly address: number;
  readonly prefix: number;
  readonly gateway?: number | undefined;
}

export interface Route {
  /** The address to resolve with ARP, or 0xffffffff for a link broadcast. */
  readonly nextHop: number;
  /** The source address to use. */
  readonly src: number;
}

export const LIMITED_BROADCAST = 0xffffffff;

export function netmask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The subnet's directed broadcast address, or undefined for /31 and /32 (RFC 3021). */
export function subnetBroadcast(cfg: Ipv4Interface): number | undefined {
  if (cfg.prefix >= 31) return undefined;
  return (cfg.address | ~netmask(cfg.prefix)) >>> 0;
}

export function onLink(cfg: Ipv4Interface, dst: number): boolean {
  const m = netmask(cfg.prefix);
  return ((dst & m) >>> 0) === ((cfg.address & m) >>> 0);
}

/** A multicast (224/4) or experimental/broadcast (240/4) destination. */
export function isMulticastOrReserved(ip: number): boolean {
  return ip >>> 28 >= 0xe;
}

/**
 * Where to send a packet for `dst`, or undefined when there is no route. Broadcasts
 * (limited, or our subnet's) go to the link broadcast MAC.
 */
export function route(cfg: Ipv4Interface | undefined, dst: number): Route | undefined {
  if (cfg === undefined) return undefined;
  if (dst === LIMITED_BROADCAST || dst === subnetBroadcast(cfg)) return { nextHop: LIMITED_BROADCAST, src: cfg.address };
  // Multicast would need IGMP and a MAC mapping we do not implement; 0.0.0.0/8 and
  // 127/8 never leave a host (RFC 1122 section 3.2.1.3).
  if (isMulticastOrReserved(dst) || dst >>> 24 === 0 || dst >>> 24 === 127) return undefined;
  if (onLink(cfg, dst)) return { nextHop: dst, src: cfg.address };
  if (cfg.gateway !== undefined && cfg.gateway !== 0) return { nextHop: cfg.gateway, src: cfg.address };
  return undefined;
}

/** Checks a configuration supplied by an app or DHCP; throws RangeError quoting the bad value. */
export function checkInterface(cfg: Ipv4Interface): void {
  if (!Number.isInteger(cfg.prefix) || cfg.prefix < 0 || cfg.prefix > 32) {
    throw new RangeError(`IPv4 prefix must be an integer 0..32, got ${String(cfg.prefix)}`);
  }
  if (cfg.address === 0 || isMulticastOrReserved(cfg.address) || cfg.address >>> 24 === 127) {
    throw new RangeError(`IPv4 address ${dotted(cfg.address)} cannot be an interface address`);
  }
  if (cfg.prefix < 31 && (cfg.address === subnetBroadcast(cfg) || (cfg.address & ~netmask(cfg.prefix)) === 0)) {
    throw new RangeError(`IPv4 address ${dotted(cfg.address)}/${cfg.prefix} is a network or broadcast address`);
  }
  if (cfg.gateway !== undefined && !onLink(cfg, cfg.gateway)) {
    throw new RangeError(`IPv4 gateway ${dotted(cfg.gateway)} is not on the subnet ${dotted(cfg.address)}/${cfg.prefix}`);
  }
}

function dotted(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 0xff}.${(n >>> 8) & 0xff}.${n & 0xff}`;
}
