/**
 * The messages a DHCP client sends (RFC 2131 section 4.4.1, table 5) and the lease it
 * reads from a DHCPACK. Pure helpers for client.ts.
 */
import { BOOTP_OP, DHCP_MESSAGE_TYPE, DHCP_OPTION, DHCP_HTYPE_ETHERNET, emitDhcp, type DhcpOptions, type DhcpRepr } from "@mirage-ts/wire";

/** Subnet mask, router, DNS, lease time, server id, T1, T2. */
export const PARAMETER_REQUEST_LIST: readonly number[] = [
  DHCP_OPTION.SUBNET_MASK,
  DHCP_OPTION.ROUTER,
  DHCP_OPTION.DNS_SERVERS,
  DHCP_OPTION.LEASE_TIME,
  DHCP_OPTION.SERVER_ID,
  DHCP_OPTION.RENEWAL_TIME,
  DHCP_OPTION.REBINDING_TIME,
];

/** What every message of one client shares. */
export interface ClientIdentity {
  readonly mac: Uint8Array;
  /** Option 61: hardware type 1 followed by the MAC (RFC 2132 section 9.14). */
  readonly clientId: Uint8Array;
  readonly hostname?: string;
}

/** Per-message header fields. */
export interface Exchange {
  readonly xid: number;
  readonly secs: number;
  /** Ask the server to broadcast its reply (RFC 2131 section 4.1): we have no address yet. */
  readonly broadcast: boolean;
}

export function clientIdOf(mac: Uint8Array): Uint8Array {
  const id = new Uint8Array(1 + mac.length);
  id[0] = DHCP_HTYPE_ETHERNET;
  id.set(mac, 1);
  return id;
}

function request(who: ClientIdentity, ex: Exchange, ciaddr: number, options: DhcpOptions): Uint8Array {
  const repr: DhcpRepr = {
    op: BOOTP_OP.REQUEST,
    htype: DHCP_HTYPE_ETHERNET,
    hops: 0,
    xid: ex.xid,
    secs: ex.secs,
    broadcast: ex.broadcast,
    ciaddr,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    chaddr: who.mac,
    options,
  };
  return emitDhcp(repr);
}

function withHostname(who: ClientIdentity, o: DhcpOptions): DhcpOptions {
  return who.hostname === undefined ? o : { ...o, hostname: who.hostname };
}

export function buildDiscover(who: ClientIdentity, ex: Exchange): Uint8Array {
  return request(who, ex, 0, withHostname(who, {
    messageType: DHCP_MESSAGE_TYPE.DISCOVER,
    clientId: who.clientId,
    parameterRequestList: PARAMETER_REQUEST_LIST,
  }));
}

/** SELECTING: the server id and requested address MUST be present, ciaddr MUST be 0. */
export function buildSelectingRequest(who: ClientIdentity, ex: Exchange, address: number, serverId: number): Uint8Array {
  return request(who, ex, 0, withHostname(who, {
    messageType: DHCP_MESSAGE_TYPE.REQUEST,
    clientId: who.clientId,
    requestedIp: address,
    serverId,
    parameterRequestList: PARAMETER_REQUEST_LIST,
  }));
}

/** RENEWING/REBINDING: ciaddr is our address; server id and requested IP MUST NOT be sent. */
export function buildRenewRequest(who: ClientIdentity, ex: Exchange, address: number): Uint8Array {
  return request(who, ex, address, withHostname(who, {
    messageType: DHCP_MESSAGE_TYPE.REQUEST,
    clientId: who.clientId,
    parameterRequestList: PARAMETER_REQUEST_LIST,
  }));
}

/** DHCPRELEASE (RFC 2131 section 4.4.6): unicast to the server, ciaddr and server id set. */
export function buildRelease(who: ClientIdentity, ex: Exchange, address: number, serverId: number): Uint8Array {
  return request(who, ex, address, {
    messageType: DHCP_MESSAGE_TYPE.RELEASE,
    clientId: who.clientId,
    serverId,
  });
}

/** The prefix length of a contiguous netmask, or undefined. */
function maskPrefix(mask: number): number | undefined {
  const host = ~mask >>> 0;
  if ((host & (host + 1)) !== 0) return undefined; // host part must be 2^k - 1
  return host === 0 ? 32 : Math.clz32(host);
}

/**
 * The prefix of `address` when the server sent no usable mask: the classful default
 * (RFC 1122 section 3.3.1.1 leaves the choice to the host; classes are what servers of
 * that era assumed).
 */
export function prefixOf(address: number, mask: number | undefined): number {
  const p = mask === undefined ? undefined : maskPrefix(mask);
  if (p !== undefined && p > 0) return p;
  const first = address >>> 24;
  return first < 128 ? 8 : first < 192 ? 16 : 24;
}

export function macMatches(chaddr: Uint8Array, mac: Uint8Array): boolean {
  if (chaddr.length !== mac.length) return false;
  for (let i = 0; i < mac.length; i++) if (chaddr[i] !== mac[i]) return false;
  return true;
}

/** True for an address a server may assign: not 0, not broadcast, not 127/8, not class D/E. */
export function usableAddress(a: number): boolean {
  const first = a >>> 24;
  return a !== 0 && first !== 0 && first !== 127 && first < 224;
}

const SECOND = 1e9;
const INFINITE_LEASE = 0xffffffff;

/** T1, T2 and expiry in ns; all undefined for an infinite lease (RFC 2132 section 9.2). */
export interface LeaseDeadlines {
  readonly t1At: number | undefined;
  readonly t2At: number | undefined;
  readonly expiresAt: number | undefined;
}

export function leaseDeadlines(obtainedAt: number, leaseSeconds: number, t1?: number, t2?: number): LeaseDeadlines {
  if (leaseSeconds === INFINITE_LEASE) return { t1At: undefined, t2At: undefined, expiresAt: undefined };
  // RFC 2131 section 4.4.5: T1 and T2 default to 0.5 and 0.875 of the lease; an
  // inconsistent pair from the server is clamped so that T1 <= T2 <= lease.
  const rebind = Math.min(t2 ?? leaseSeconds * 0.875, leaseSeconds);
  const renew = Math.min(t1 ?? leaseSeconds * 0.5, rebind);
  return {
    t1At: obtainedAt + renew * SECOND,
    t2At: obtainedAt + rebind * SECOND,
    expiresAt: obtainedAt + leaseSeconds * SECOND,
  };
}
