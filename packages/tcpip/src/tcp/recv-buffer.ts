/**
 * The receive buffer with out-of-order reassembly (RFC 9293 section 3.10.7.4,
 * "seventh") and the SACK blocks that describe what it holds (RFC 2018 section 4).
 *
 * One ring of fixed capacity holds the in-order bytes the application has not read,
 * followed by a window of space where out-of-order segments are copied at their
 * final position; a short sorted list of sequence ranges records which parts of that
 * window are filled. The list has a fixed bound, so a peer sending scattered
 * one-byte segments cannot grow memory: segments that would need another range are
 * dropped (and will be retransmitted).
 */
import { seqAdd, seqGt, seqLe, seqLt, seqSub } from "./seq.ts";

export class RecvBuffer {
  private buf: Uint8Array | null = null;
  private head = 0;
  /** In-order bytes waiting for the application. */
  readable = 0;
  /** Out-of-order ranges as [start, end) sequence numbers, sorted, disjoint, non-adjacent. */
  private readonly ranges: number[] = [];
  /** Start of the range that received the most recent segment, for SACK ordering. */
  private recent = -1;

  constructor(readonly capacity: number, private readonly maxRanges = 16) {}

  /** Space beyond the readable bytes: the largest window we may offer. */
  get space(): number {
    return this.capacity - this.readable;
  }

  get hasOutOfOrder(): boolean {
    return this.ranges.length > 0;
  }

  /** Number of out-of-order ranges held (each one a potential SACK block). */
  get rangeCount(): number {
    return this.ranges.length >>> 1;
  }

  /**
   * Stores `len` bytes of data[offset..] at sequence `seq`. The caller has trimmed the
   * segment to [rcvNxt, rcvNxt + space). Returns how far RCV.NXT advances (0 for an
   * out-of-order segment), or -1 if the segment was dropped for lack of a range slot.
   */
  write(rcvNxt: number, seq: number, data: Uint8Array, offset: number, len: number): number {
    if (len <= 0) return 0;
    const rel = seqSub(seq, rcvNxt);
    if (rel < 0 || rel + len > this.space) throw new RangeError(`segment outside the receive window: rel ${rel}, len ${len}`);
    if (rel > 0 && !this.insertRange(seq, seqAdd(seq, len))) return -1;
    const buf = (this.buf ??= new Uint8Array(this.capacity));
    const pos = (this.head + this.readable + rel) % this.capacity;
    const first = Math.min(len, this.capacity - pos);
    buf.set(data.subarray(offset, offset + first), pos);
    if (first < len) buf.set(data.subarray(offset + first, offset + len), 0);
    if (rel > 0) return 0;
    // In order: absorb every range the new bytes now touch.
    let end = seqAdd(seq, len);
    while (this.ranges.length > 0 && seqLe(this.ranges[0]!, end)) {
      if (seqGt(this.ranges[1]!, end)) end = this.ranges[1]!;
      this.ranges.splice(0, 2);
    }
    const advance = seqSub(end, rcvNxt);
    this.readable += advance;
    return advance;
  }

  private insertRange(start: number, end: number): boolean {
    const r = this.ranges;
    // Find the first range whose end reaches start (overlap or adjacency).
    let i = 0;
    while (i < r.length && seqLt(r[i + 1]!, start)) i += 2;
    let j = i;
    let s = start;
    let e = end;
    while (j < r.length && seqLe(r[j]!, e)) {
      if (seqLt(r[j]!, s)) s = r[j]!;
      if (seqGt(r[j + 1]!, e)) e = r[j + 1]!;
      j += 2;
    }
    if (j === i && r.length >= 2 * this.maxRanges) return false;
    r.splice(i, j - i, s, e);
    this.recent = s;
    return true;
  }

  /** Removes and returns up to `max` in-order bytes (a copy). */
  read(max: number): Uint8Array {
    const n = Math.min(max, this.readable);
    const out = new Uint8Array(n);
    if (n === 0 || this.buf === null) return out;
    const first = Math.min(n, this.capacity - this.head);
    out.set(this.buf.subarray(this.head, this.head + first), 0);
    if (first < n) out.set(this.buf.subarray(0, n - first), first);
    this.head = (this.head + n) % this.capacity;
    this.readable -= n;
    return out;
  }

  /** Drops the readable bytes unread (the application shut down reading). */
  discardReadable(): void {
    this.head = (this.head + this.readable) % this.capacity;
    this.readable = 0;
  }

  /**
   * Up to `max` SACK blocks, the one holding the most recent segment first
   * (RFC 2018 section 4), then the others from the highest down.
   */
  sackBlocks(max: number): Array<readonly [number, number]> {
    const r = this.ranges;
    const out: Array<readonly [number, number]> = [];
    let recentIdx = -1;
    for (let i = 0; i < r.length; i += 2) {
      if (seqLe(r[i]!, this.recent) && seqLt(this.recent, r[i + 1]!)) recentIdx = i;
    }
    if (recentIdx >= 0) out.push([r[recentIdx]!, r[recentIdx + 1]!]);
    for (let i = r.length - 2; i >= 0 && out.length < max; i -= 2) {
      if (i !== recentIdx) out.push([r[i]!, r[i + 1]!]);
    }
    return out.slice(0, max);
  }

  release(): void {
    this.buf = null;
    this.ranges.length = 0;
    this.readable = 0;
    this.head = 0;
  }
}
