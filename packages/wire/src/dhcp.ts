/**
 * BOOTP/DHCP messages (RFC 2131 section 2, RFC 951) with DHCP options (RFC 2132).
 *
 * `parseDhcp` reads a UDP payload into a `DhcpRepr` and never throws: short input is
 * `truncated`, impossible field values are `malformed`, and a message without the DHCP
 * magic cookie (plain BOOTP) is `unsupported`. `emitDhcp` builds a message from a
 * representation, padded to the 300-byte BOOTP minimum, and throws RangeError on
 * values that cannot be encoded. The `sname` and `file` fields are neither read nor
 * written (option overload, code 52, is kept as an unknown option and not followed).
 */
import { checkUint, get16, get32, put16, put32 } from "./bytes.ts";
import { parseError, type ParseResult } from "./errors.ts";

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const DHCP_MAGIC_COOKIE = 0x63825363;
/** op(1) htype(1) hlen(1) hops(1) xid(4) secs(2) flags(2) 4 addresses(16) chaddr(16) sname(64) file(128). */
export const DHCP_FIXED_LEN = 236;
/** Where options start: after the fixed header and the magic cookie. */
export const DHCP_OPTIONS_OFFSET = 240;
/** RFC 1542 section 2.1: relay agents may drop BOOTP messages shorter than this. */
export const DHCP_MIN_LEN = 300;
/** The BROADCAST bit of `flags` (RFC 2131 section 2, figure 2). */
export const DHCP_FLAG_BROADCAST = 0x8000;
export const DHCP_HTYPE_ETHERNET = 1;

export const BOOTP_OP = { REQUEST: 1, REPLY: 2 } as const;

/** Option 53 values (RFC 2132 section 9.6). */
export const DHCP_MESSAGE_TYPE = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

export const DHCP_OPTION = {
  PAD: 0,
  SUBNET_MASK: 1,
  ROUTER: 3,
  DNS_SERVERS: 6,
  HOSTNAME: 12,
  REQUESTED_IP: 50,
  LEASE_TIME: 51,
  OVERLOAD: 52,
  MESSAGE_TYPE: 53,
  SERVER_ID: 54,
  PARAMETER_REQUEST_LIST: 55,
  MAX_MESSAGE_SIZE: 57,
  RENEWAL_TIME: 58,
  REBINDING_TIME: 59,
  CLIENT_ID: 61,
  END: 255,
} as const;

/** The options this stack reads and writes by name; times are in seconds. */
export interface DhcpOptions {
  readonly messageType?: number;
  readonly requestedIp?: number;
  readonly leaseTime?: number;
  readonly serverId?: number;
  readonly parameterRequestList?: readonly number[];
  readonly subnetMask?: number;
  readonly routers?: readonly number[];
  readonly dnsServers?: readonly number[];
  /** RFC 2132 section 3.14; bytes are read as Latin-1, written only if ASCII. */
  readonly hostname?: string;
  readonly renewalTime?: number;
  readonly rebindingTime?: number;
  readonly clientId?: Uint8Array;
  /** Every other option as [code, value], in order of first appearance. */
  readonly unknown?: ReadonlyArray<readonly [number, Uint8Array]>;
}

export interface DhcpRepr {
  /** BOOTP_OP.REQUEST (client to server) or BOOTP_OP.REPLY. */
  readonly op: number;
  readonly htype: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly broadcast: boolean;
  readonly ciaddr: number;
  readonly yiaddr: number;
  readonly siaddr: number;
  readonly giaddr: number;
  /** The client hardware address, `hlen` bytes (at most 16). */
  readonly chaddr: Uint8Array;
  readonly options: DhcpOptions;
}

// Fixed-header offsets (RFC 2131 figure 1).
const OFF_OP = 0;
const OFF_HTYPE = 1;
const OFF_HLEN = 2;
const OFF_HOPS = 3;
const OFF_XID = 4;
const OFF_SECS = 8;
const OFF_FLAGS = 10;
const OFF_CIADDR = 12;
const OFF_YIADDR = 16;
const OFF_SIADDR = 20;
const OFF_GIADDR = 24;
const OFF_CHADDR = 28;
const OFF_COOKIE = 236;
const CHADDR_LEN = 16;

function addressList(v: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(get32(v, i));
  return out;
}

function latin1(v: Uint8Array): string {
  let s = "";
  for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]!);
  return s;
}

/**
 * Collects option values by code. RFC 3396 section 7: an option that appears more
 * than once is one long option whose value is the concatenation of the pieces.
 */
function collectOptions(b: Uint8Array): ParseResult<Map<number, Uint8Array>> {
  const pieces = new Map<number, Uint8Array[]>();
  let i = DHCP_OPTIONS_OFFSET;
  for (;;) {
    // RFC 2131 section 4.1 requires an END option; a message cut before it may have
    // lost options, so it is not trusted.
    if (i >= b.length) return parseError("truncated", "DHCP options end without an END option");
    const code = b[i]!;
    if (code === DHCP_OPTION.END) break;
    if (code === DHCP_OPTION.PAD) {
      i++;
      continue;
    }
    if (i + 2 > b.length) return parseError("truncated", `DHCP option ${code} has no length byte`);
    const len = b[i + 1]!;
    if (i + 2 + len > b.length) {
      return parseError("truncated", `DHCP option ${code} claims ${len} bytes, ${b.length - i - 2} left`);
    }
    const list = pieces.get(code);
    const value = b.subarray(i + 2, i + 2 + len);
    if (list === undefined) pieces.set(code, [value]);
    else list.push(value);
    i += 2 + len;
  }
  const out = new Map<number, Uint8Array>();
  for (const [code, list] of pieces) {
    if (list.length === 1) {
      out.set(code, list[0]!.slice());
      continue;
    }
    let total = 0;
    for (const p of list) total += p.length;
    const joined = new Uint8Array(total);
    let o = 0;
    for (const p of list) {
      joined.set(p, o);
      o += p.length;
    }
    out.set(code, joined);
  }
  return { ok: true, value: out };
}

/** Why a known option's length is impossible, or undefined when it is fine. */
function badLength(code: number, len: number): string | undefined {
  switch (code) {
    case DHCP_OPTION.MESSAGE_TYPE:
      return len === 1 ? undefined : "exactly 1 byte";
    case DHCP_OPTION.SUBNET_MASK:
    case DHCP_OPTION.REQUESTED_IP:
    case DHCP_OPTION.LEASE_TIME:
    case DHCP_OPTION.SERVER_ID:
    case DHCP_OPTION.RENEWAL_TIME:
    case DHCP_OPTION.REBINDING_TIME:
      return len === 4 ? undefined : "exactly 4 bytes";
    case DHCP_OPTION.ROUTER:
    case DHCP_OPTION.DNS_SERVERS:
      return len >= 4 && len % 4 === 0 ? undefined : "a non-empty multiple of 4 bytes";
    case DHCP_OPTION.HOSTNAME:
    case DHCP_OPTION.PARAMETER_REQUEST_LIST:
      return len >= 1 ? undefined : "at least 1 byte";
    case DHCP_OPTION.CLIENT_ID:
      return len >= 2 ? undefined : "at least 2 bytes"; // RFC 2132 section 9.14
    default:
      return undefined;
  }
}

/** Parses a BOOTP/DHCP message (the UDP payload). Never throws. */
export function parseDhcp(b: Uint8Array): ParseResult<DhcpRepr> {
  if (b.length < DHCP_FIXED_LEN) return parseError("truncated", `BOOTP message of ${b.length} bytes, need ${DHCP_FIXED_LEN}`);
  const op = b[OFF_OP]!;
  if (op !== BOOTP_OP.REQUEST && op !== BOOTP_OP.REPLY) return parseError("malformed", `BOOTP op ${op} is neither 1 nor 2`);
  const hlen = b[OFF_HLEN]!;
  if (hlen > CHADDR_LEN) return parseError("malformed", `BOOTP hlen ${hlen} exceeds ${CHADDR_LEN}`);
  if (b.length < DHCP_OPTIONS_OFFSET) return parseError("truncated", "BOOTP message ends before the magic cookie");
  const cookie = get32(b, OFF_COOKIE);
  if (cookie !== DHCP_MAGIC_COOKIE) {
    return parseError("unsupported", `no DHCP magic cookie (0x${cookie.toString(16)}): plain BOOTP`);
  }
  const collected = collectOptions(b);
  if (!collected.ok) return collected;
  const raw = collected.value;

  const options: { -readonly [K in keyof DhcpOptions]: DhcpOptions[K] } = {};
  const unknown: Array<readonly [number, Uint8Array]> = [];
  for (const [code, v] of raw) {
    const why = badLength(code, v.length);
    if (why !== undefined) return parseError("malformed", `DHCP option ${code} has ${v.length} bytes, expected ${why}`);
    switch (code) {
      case DHCP_OPTION.MESSAGE_TYPE: options.messageType = v[0]!; break;
      case DHCP_OPTION.SUBNET_MASK: options.subnetMask = get32(v, 0); break;
      case DHCP_OPTION.REQUESTED_IP: options.requestedIp = get32(v, 0); break;
      case DHCP_OPTION.LEASE_TIME: options.leaseTime = get32(v, 0); break;
      case DHCP_OPTION.SERVER_ID: options.serverId = get32(v, 0); break;
      case DHCP_OPTION.RENEWAL_TIME: options.renewalTime = get32(v, 0); break;
      case DHCP_OPTION.REBINDING_TIME: options.rebindingTime = get32(v, 0); break;
      case DHCP_OPTION.ROUTER: options.routers = addressList(v); break;
      case DHCP_OPTION.DNS_SERVERS: options.dnsServers = addressList(v); break;
      case DHCP_OPTION.HOSTNAME: options.hostname = latin1(v); break;
      case DHCP_OPTION.PARAMETER_REQUEST_LIST: options.parameterRequestList = Array.from(v); break;
      case DHCP_OPTION.CLIENT_ID: options.clientId = v; break;
      default: unknown.push([code, v]);
    }
  }
  options.unknown = unknown;
  return {
    ok: true,
    value: {
      op,
      htype: b[OFF_HTYPE]!,
      hops: b[OFF_HOPS]!,
      xid: get32(b, OFF_XID),
      secs: get16(b, OFF_SECS),
      // The other 15 flag bits MUST be zero (RFC 2131 section 2) and are ignored.
      broadcast: (get16(b, OFF_FLAGS) & DHCP_FLAG_BROADCAST) !== 0,
      ciaddr: get32(b, OFF_CIADDR),
      yiaddr: get32(b, OFF_YIADDR),
      siaddr: get32(b, OFF_SIADDR),
      giaddr: get32(b, OFF_GIADDR),
      chaddr: b.slice(OFF_CHADDR, OFF_CHADDR + hlen),
      options,
    },
  };
}

/** Writes one TLV at `o` and returns the next offset. */
function putOption(out: Uint8Array, o: number, code: number, value: Uint8Array): number {
  out[o] = code;
  out[o + 1] = value.length;
  out.set(value, o + 2);
  return o + 2 + value.length;
}

function u32Bytes(what: string, v: number): Uint8Array {
  checkUint(what, v, 0xffffffff);
  const b = new Uint8Array(4);
  put32(b, 0, v);
  return b;
}

function listBytes(what: string, list: readonly number[]): Uint8Array {
  if (list.length === 0 || list.length > 63) throw new RangeError(`${what} must hold 1..63 addresses, got ${list.length}`);
  const b = new Uint8Array(list.length * 4);
  for (let i = 0; i < list.length; i++) {
    checkUint(what, list[i]!, 0xffffffff);
    put32(b, i * 4, list[i]!);
  }
  return b;
}

/** The options of `o` as [code, value] in the order they are emitted. */
function encodeOptions(o: DhcpOptions): Array<readonly [number, Uint8Array]> {
  const out: Array<readonly [number, Uint8Array]> = [];
  // The message type goes first: some servers look for it there.
  if (o.messageType !== undefined) {
    checkUint("DHCP message type", o.messageType, 255);
    out.push([DHCP_OPTION.MESSAGE_TYPE, Uint8Array.of(o.messageType)]);
  }
  if (o.clientId !== undefined) {
    if (o.clientId.length < 2 || o.clientId.length > 255) {
      throw new RangeError(`DHCP client id must be 2..255 bytes, got ${o.clientId.length}`);
    }
    out.push([DHCP_OPTION.CLIENT_ID, o.clientId]);
  }
  if (o.requestedIp !== undefined) out.push([DHCP_OPTION.REQUESTED_IP, u32Bytes("DHCP requested IP", o.requestedIp)]);
  if (o.serverId !== undefined) out.push([DHCP_OPTION.SERVER_ID, u32Bytes("DHCP server id", o.serverId)]);
  if (o.hostname !== undefined) {
    const h = o.hostname;
    if (h.length < 1 || h.length > 255) throw new RangeError(`DHCP hostname must be 1..255 characters, got ${JSON.stringify(h)}`);
    const v = new Uint8Array(h.length);
    for (let i = 0; i < h.length; i++) {
      const c = h.charCodeAt(i);
      if (c < 0x21 || c > 0x7e) throw new RangeError(`DHCP hostname must be printable ASCII, got ${JSON.stringify(h)}`);
      v[i] = c;
    }
    out.push([DHCP_OPTION.HOSTNAME, v]);
  }
  if (o.parameterRequestList !== undefined) {
    const l = o.parameterRequestList;
    if (l.length < 1 || l.length > 255) throw new RangeError(`DHCP parameter request list must hold 1..255 codes, got ${l.length}`);
    for (const c of l) checkUint("DHCP parameter request code", c, 255);
    out.push([DHCP_OPTION.PARAMETER_REQUEST_LIST, Uint8Array.from(l)]);
  }
  if (o.leaseTime !== undefined) out.push([DHCP_OPTION.LEASE_TIME, u32Bytes("DHCP lease time", o.leaseTime)]);
  if (o.renewalTime !== undefined) out.push([DHCP_OPTION.RENEWAL_TIME, u32Bytes("DHCP renewal time", o.renewalTime)]);
  if (o.rebindingTime !== undefined) out.push([DHCP_OPTION.REBINDING_TIME, u32Bytes("DHCP rebinding time", o.rebindingTime)]);
  if (o.subnetMask !== undefined) out.push([DHCP_OPTION.SUBNET_MASK, u32Bytes("DHCP subnet mask", o.subnetMask)]);
  if (o.routers !== undefined) out.push([DHCP_OPTION.ROUTER, listBytes("DHCP router list", o.routers)]);
  if (o.dnsServers !== undefined) out.push([DHCP_OPTION.DNS_SERVERS, listBytes("DHCP DNS server list", o.dnsServers)]);
  for (const [code, value] of o.unknown ?? []) {
    if (!Number.isInteger(code) || code < 1 || code > 254) throw new RangeError(`DHCP option code must be 1..254, got ${String(code)}`);
    if (value.length > 255) throw new RangeError(`DHCP option ${code} value must be at most 255 bytes, got ${value.length}`);
    out.push([code, value]);
  }
  return out;
}

/**
 * Builds a message: fixed header, magic cookie, options, END, then zero padding up to
 * DHCP_MIN_LEN. Throws RangeError/TypeError on values that do not fit their fields.
 */
export function emitDhcp(repr: DhcpRepr): Uint8Array {
  if (repr.op !== BOOTP_OP.REQUEST && repr.op !== BOOTP_OP.REPLY) throw new RangeError(`BOOTP op must be 1 or 2, got ${String(repr.op)}`);
  checkUint("BOOTP htype", repr.htype, 255);
  checkUint("BOOTP hops", repr.hops, 255);
  checkUint("BOOTP xid", repr.xid, 0xffffffff);
  checkUint("BOOTP secs", repr.secs, 0xffff);
  checkUint("BOOTP ciaddr", repr.ciaddr, 0xffffffff);
  checkUint("BOOTP yiaddr", repr.yiaddr, 0xffffffff);
  checkUint("BOOTP siaddr", repr.siaddr, 0xffffffff);
  checkUint("BOOTP giaddr", repr.giaddr, 0xffffffff);
  if (!(repr.chaddr instanceof Uint8Array)) throw new TypeError("BOOTP chaddr must be a Uint8Array");
  if (repr.chaddr.length > CHADDR_LEN) throw new RangeError(`BOOTP chaddr must be at most 16 bytes, got ${repr.chaddr.length}`);
  const options = encodeOptions(repr.options);
  let len = DHCP_OPTIONS_OFFSET + 1;
  for (const [, v] of options) len += 2 + v.length;
  const out = new Uint8Array(Math.max(len, DHCP_MIN_LEN));
  out[OFF_OP] = repr.op;
  out[OFF_HTYPE] = repr.htype;
  out[OFF_HLEN] = repr.chaddr.length;
  out[OFF_HOPS] = repr.hops;
  put32(out, OFF_XID, repr.xid);
  put16(out, OFF_SECS, repr.secs);
  put16(out, OFF_FLAGS, repr.broadcast ? DHCP_FLAG_BROADCAST : 0);
  put32(out, OFF_CIADDR, repr.ciaddr);
  put32(out, OFF_YIADDR, repr.yiaddr);
  put32(out, OFF_SIADDR, repr.siaddr);
  put32(out, OFF_GIADDR, repr.giaddr);
  out.set(repr.chaddr, OFF_CHADDR);
  put32(out, OFF_COOKIE, DHCP_MAGIC_COOKIE);
  let o = DHCP_OPTIONS_OFFSET;
  for (const [code, v] of options) o = putOption(out, o, code, v);
  out[o] = DHCP_OPTION.END;
  return out;
}
