/**
 * ICMPv4 policy (RFC 792, RFC 1122 section 3.2.2, RFC 1812 section 4.3.2.8): when the
 * stack may send an error, how much of the offending datagram it quotes, and a token
 * bucket that limits the error rate so a scan or flood cannot turn us into an
 * amplifier. The codec is @mirage-ts/wire's icmp.ts.
 */
import { IPPROTO, emitIpv4Header, type Ipv4Repr } from "@mirage-ts/wire";

export interface RateLimitOptions {
  /** Tokens added per second (default 100). */
  readonly perSecond?: number;
  /** Bucket size: the largest burst (default 50). */
  readonly burst?: number;
}

/** A token bucket driven by `now` in nanoseconds. */
export class TokenBucket {
  private tokens: number;
  private last: number | undefined;
  private readonly perNs: number;
  private readonly burst: number;

  constructor(options: RateLimitOptions = {}) {
    const perSecond = options.perSecond ?? 100;
    const burst = options.burst ?? 50;
    if (!Number.isFinite(perSecond) || perSecond < 0) throw new RangeError(`TokenBucket: perSecond must be >= 0, got ${String(perSecond)}`);
    if (!Number.isFinite(burst) || burst < 1) throw new RangeError(`TokenBucket: burst must be >= 1, got ${String(burst)}`);
    this.perNs = perSecond / 1e9;
    this.burst = burst;
    this.tokens = burst;
  }

  /** Takes one token if available. */
  take(now: number): boolean {
    if (this.last !== undefined && now > this.last) this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.perNs);
    if (this.last === undefined || now > this.last) this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** ICMP types that are errors (never answered with another error). */
const ICMP_ERROR_TYPES = new Set([3, 4, 5, 11, 12]);

/**
 * Whether an ICMP error may be sent about a datagram (RFC 1122 section 3.2.2): not
 * about an ICMP error, a datagram sent to a broadcast or multicast address, a
 * non-initial fragment, or one whose source does not name a single host.
 * `firstTransportByte` is the ICMP type when `protocol` is ICMP.
 */
export function mayAnswerWithError(params: {
  readonly src: number;
  readonly dstIsBroadcast: boolean;
  readonly fragmentOffset: number;
  readonly protocol: number;
  readonly firstTransportByte: number | undefined;
}): boolean {
  if (params.dstIsBroadcast || params.fragmentOffset !== 0) return false;
  const s = params.src;
  if (s === 0 || s >>> 28 >= 0xe || s >>> 24 === 127 || s >>> 24 === 0) return false;
  if (params.protocol === IPPROTO.ICMP) {
    const t = params.firstTransportByte;
    if (t === undefined || ICMP_ERROR_TYPES.has(t)) return false;
  }
  return true;
}

/**
 * How many bytes of the offending datagram to quote: its header and as much data as
 * keeps the error within 576 bytes (RFC 1812 section 4.3.2.3; RFC 792 asks for at
 * least 8 bytes of data).
 */
export const ICMP_QUOTE_LIMIT = 576 - 20 - 8;

const NO_OPTIONS = new Uint8Array(0);

/**
 * The quote for an ICMP error about a received datagram: its header, rebuilt without
 * options (the datagram may have been reassembled from fragments), and the start of
 * its transport bytes.
 */
export function quoteDatagram(ip: Ipv4Repr, transport: Uint8Array): Uint8Array {
  const dataLen = Math.min(transport.length, ICMP_QUOTE_LIMIT - 20);
  const quote = new Uint8Array(20 + dataLen);
  emitIpv4Header(quote, 0, {
    src: ip.src,
    dst: ip.dst,
    protocol: ip.protocol,
    payloadLen: Math.min(transport.length, 65515),
    ttl: ip.ttl,
    identification: ip.identification,
    tos: ip.tos,
    dontFragment: ip.dontFragment,
    moreFragments: false,
    fragmentOffset: 0,
    options: NO_OPTIONS,
  });
  quote.set(transport.subarray(0, dataLen), 20);
  return quote;
}
