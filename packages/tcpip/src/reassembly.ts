/**
 * IPv4 reassembly (RFC 791 section 3.2, RFC 815) with bounded memory: limits on the
 * number of datagrams in progress, on fragments and bytes per datagram, and on bytes
 * held in total, plus a timeout. A datagram whose fragments overlap is discarded
 * whole, and so are its later fragments until its timer runs out (the spirit of
 * RFC 5722, which mandates this for IPv6). Exact duplicates are ignored.
 */

export interface Fragment {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly id: number;
  /** Byte offset of this fragment's payload in the original payload. */
  readonly offset: number;
  readonly moreFragments: boolean;
  readonly payload: Uint8Array;
}

export interface Reassembled {
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  readonly payload: Uint8Array;
}

export interface ReassemblyOptions {
  /** Datagrams being reassembled at once (default 64); the oldest is evicted for a new one. */
  readonly maxDatagrams?: number;
  /** Fragments per datagram (default 128). */
  readonly maxFragments?: number;
  /** Bytes held across all datagrams (default 1 MiB). */
  readonly maxTotalBytes?: number;
  /** Time allowed to complete a datagram (default 30 s). */
  readonly timeoutNs?: number;
}

export type ReassemblyDrop = "overlap" | "too_large" | "too_many_fragments" | "malformed" | "evicted" | "timeout" | "discarded";

/** The largest IPv4 payload: a 16-bit total length less the smallest header. */
export const MAX_IPV4_PAYLOAD = 65535 - 20;

interface Piece {
  offset: number;
  data: Uint8Array;
}

interface Datagram {
  readonly expiresAt: number;
  pieces: Piece[];
  bytes: number;
  /** Known once the last fragment (MF = 0) arrived. */
  total: number | undefined;
  /** Set after an overlap: later fragments are dropped until expiry. */
  dead: boolean;
}

export class Reassembler {
  readonly stats: Record<ReassemblyDrop | "fragments" | "reassembled", number> = {
    fragments: 0,
    reassembled: 0,
    overlap: 0,
    too_large: 0,
    too_many_fragments: 0,
    malformed: 0,
    evicted: 0,
    timeout: 0,
    discarded: 0,
  };
  private readonly datagrams = new Map<string, Datagram>();
  private heldBytes = 0;
  private readonly maxDatagrams: number;
  private readonly maxFragments: number;
  private readonly maxTotalBytes: number;
  private readonly timeoutNs: number;

  constructor(options: ReassemblyOptions = {}) {
    this.maxDatagrams = check("maxDatagrams", options.maxDatagrams, 64);
    this.maxFragments = check("maxFragments", options.maxFragments, 128);
    this.maxTotalBytes = check("maxTotalBytes", options.maxTotalBytes, 1 << 20);
    this.timeoutNs = check("timeoutNs", options.timeoutNs, 30e9);
  }

  /** Bytes of fragment payload held right now. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  get inProgress(): number {
    return this.datagrams.size;
  }

  /**
   * Adds one fragment; returns the whole payload once every byte is in, otherwise
   * undefined (the fragment was kept, or dropped and counted in `stats`).
   */
  input(now: number, f: Fragment): Reassembled | undefined {
    this.stats.fragments++;
    const len = f.payload.length;
    const end = f.offset + len;
    // RFC 791: every fragment but the last carries a multiple of 8 bytes; an empty
    // non-last fragment makes no progress and is only useful to an attacker.
    if ((f.moreFragments && (len === 0 || (len & 7) !== 0)) || (f.offset & 7) !== 0) {
      this.stats.malformed++;
      return undefined;
    }
    if (end > MAX_IPV4_PAYLOAD) {
      this.stats.too_large++;
      this.discard(key(f), now);
      return undefined;
    }
    const k = key(f);
    let d = this.datagrams.get(k);
    if (d === undefined) {
      if (len > this.maxTotalBytes) {
        this.stats.too_large++;
        return undefined;
      }
      while (this.datagrams.size >= this.maxDatagrams || this.heldBytes + len > this.maxTotalBytes) {
        if (!this.evictOldest()) break;
      }
      d = { expiresAt: now + this.timeoutNs, pieces: [], bytes: 0, total: undefined, dead: false };
      this.datagrams.set(k, d);
    }
    if (d.dead) {
      this.stats.discarded++;
      return undefined;
    }
    if (!f.moreFragments) {
      // Two different ends, or data beyond the end, is inconsistent: discard.
      if ((d.total !== undefined && d.total !== end) || (d.pieces.length > 0 && d.pieces[d.pieces.length - 1]!.offset + d.pieces[d.pieces.length - 1]!.data.length > end)) {
        this.stats.overlap++;
        this.kill(d);
        return undefined;
      }
      d.total = end;
    } else if (d.total !== undefined && end > d.total) {
      this.stats.overlap++;
      this.kill(d);
      return undefined;
    }
    // Find the insertion point; pieces stay sorted by offset and never overlap.
    const pieces = d.pieces;
    let i = pieces.length;
    while (i > 0 && pieces[i - 1]!.offset >= f.offset) i--;
    const next = pieces[i];
    if (next !== undefined && next.offset === f.offset && next.data.length === len) return undefined; // duplicate
    const prev = pieces[i - 1];
    if ((prev !== undefined && prev.offset + prev.data.length > f.offset) || (next !== undefined && next.offset < end)) {
      this.stats.overlap++;
      this.kill(d);
      return undefined;
    }
    if (pieces.length >= this.maxFragments) {
      this.stats.too_many_fragments++;
      this.kill(d);
      return undefined;
    }
    while (this.heldBytes + len > this.maxTotalBytes) {
      if (!this.evictOldest(d)) {
        this.stats.too_large++;
        this.kill(d);
        return undefined;
      }
    }
    // Copy: the frame buffer belongs to the network device.
    pieces.splice(i, 0, { offset: f.offset, data: f.payload.slice() });
    d.bytes += len;
    this.heldBytes += len;
    if (d.total === undefined || d.bytes !== d.total) return undefined;
    // Sorted, non-overlapping, and the byte count equals the total: contiguous.
    const payload = new Uint8Array(d.total);
    for (const p of pieces) payload.set(p.data, p.offset);
    this.heldBytes -= d.bytes;
    this.datagrams.delete(k);
    this.stats.reassembled++;
    return { src: f.src, dst: f.dst, protocol: f.protocol, payload };
  }

  pollAt(): number | undefined {
    // Insertion order is creation order and every datagram gets the same timeout,
    // so the first one expires first.
    const first = this.datagrams.values().next();
    return first.done === true ? undefined : first.value.expiresAt;
  }

  /** Drops datagrams whose time ran out. */
  poll(now: number): void {
    for (const [k, d] of this.datagrams) {
      if (d.expiresAt > now) break;
      if (!d.dead) this.stats.timeout++;
      this.heldBytes -= d.bytes;
      this.datagrams.delete(k);
    }
  }

  private discard(k: string, now: number): void {
    const d = this.datagrams.get(k);
    if (d !== undefined) this.kill(d);
    else if (this.datagrams.size < this.maxDatagrams) {
      this.datagrams.set(k, { expiresAt: now + this.timeoutNs, pieces: [], bytes: 0, total: undefined, dead: true });
    }
  }

  private kill(d: Datagram): void {
    this.heldBytes -= d.bytes;
    d.pieces = [];
    d.bytes = 0;
    d.dead = true;
  }

  private evictOldest(keep?: Datagram): boolean {
    for (const [k, d] of this.datagrams) {
      if (d === keep) continue;
      this.heldBytes -= d.bytes;
      this.datagrams.delete(k);
      this.stats.evicted++;
      return true;
    }
    return false;
  }
}

function key(f: Fragment): string {
  // RFC 791: fragments belong together when source, destination, protocol and identification match.
  return `${f.src}/${f.dst}/${f.protocol}/${f.id}`;
}

function check(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Reassembler: ${name} must be a positive number, got ${String(value)}`);
  return value;
}
