/**
 * The sender's SACK scoreboard (RFC 2018 section 3, RFC 6675 section 3): the ranges
 * the peer reported holding above SND.UNA, kept sorted and disjoint, plus the loss
 * test of RFC 6675 (IsLost) and the pipe estimate (SetPipe), both computed in bytes
 * over the holes between ranges. Bounded: past MAX_RANGES the highest range is
 * dropped, which only makes the sender believe less was SACKed (safe: it may
 * retransmit something twice, never skip a loss).
 */
import { seqGt, seqLe, seqLt, seqMax, seqMin, seqSub } from "./seq.ts";

export const MAX_RANGES = 32;
/** RFC 6675 section 2: DupThresh. */
export const DUP_THRESH = 3;

export class Scoreboard {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];

  get count(): number {
    return this.starts.length;
  }

  rangeStart(i: number): number {
    return this.starts[i]!;
  }

  rangeEnd(i: number): number {
    return this.ends[i]!;
  }

  clear(): void {
    this.starts.length = 0;
    this.ends.length = 0;
  }

  /** Drops everything below the new cumulative ACK. */
  ackTo(una: number): void {
    let drop = 0;
    while (drop < this.starts.length && seqLe(this.ends[drop]!, una)) drop++;
    if (drop > 0) {
      this.starts.splice(0, drop);
      this.ends.splice(0, drop);
    }
    if (this.starts.length > 0 && seqLt(this.starts[0]!, una)) this.starts[0] = una;
  }

  /**
   * Records the SACK blocks of one ACK, clipped to (una, sndMax]. Blocks at or below
   * una (D-SACK, RFC 2883) or beyond anything sent are ignored. Returns the number
   * of bytes newly SACKed (RFC 6675 section 2 uses this to count duplicate ACKs).
   */
  update(una: number, sndMax: number, blocks: ReadonlyArray<readonly [number, number]>): number {
    let added = 0;
    for (const [left, right] of blocks) {
      if (!seqLt(left, right) || seqGt(right, sndMax)) continue;
      const s = seqMax(left, una);
      if (!seqLt(s, right)) continue;
      added += this.insert(s, right);
    }
    return added;
  }

  private insert(s: number, e: number): number {
    const st = this.starts;
    const en = this.ends;
    // First range that ends at or after s (may touch or overlap).
    let i = 0;
    while (i < st.length && seqLt(en[i]!, s)) i++;
    let j = i;
    let covered = 0;
    let ns = s;
    let ne = e;
    while (j < st.length && seqLe(st[j]!, e)) {
      const overlap = seqSub(seqMin(en[j]!, e), seqMax(st[j]!, s));
      if (overlap > 0) covered += overlap;
      ns = seqMin(ns, st[j]!);
      ne = seqMax(ne, en[j]!);
      j++;
    }
    st.splice(i, j - i, ns);
    en.splice(i, j - i, ne);
    if (st.length > MAX_RANGES) {
      st.length = MAX_RANGES;
      en.length = MAX_RANGES;
    }
    return seqSub(e, s) - covered;
  }

  /** Is this byte SACKed? */
  isSacked(seq: number): boolean {
    for (let i = 0; i < this.starts.length; i++) {
      if (seqLt(seq, this.starts[i]!)) return false;
      if (seqLt(seq, this.ends[i]!)) return true;
    }
    return false;
  }

  /** SACKed bytes in [a, b). */
  sackedIn(a: number, b: number): number {
    let n = 0;
    for (let i = 0; i < this.starts.length; i++) {
      const s = seqMax(this.starts[i]!, a);
      const e = seqMin(this.ends[i]!, b);
      if (seqLt(s, e)) n += seqSub(e, s);
    }
    return n;
  }

  /**
   * The loss boundary: every un-SACKed byte below it is lost by RFC 6675's IsLost
   * (section 3: DupThresh discontiguous SACKed ranges above it, or more than
   * (DupThresh - 1) * SMSS SACKed bytes above it). IsLost is monotone in the
   * sequence number, and holes lie between ranges, so the boundary is the start of
   * the range (walking down from the top) at which either count is reached. Returns
   * `una` when nothing is lost.
   */
  lossBoundary(una: number, mss: number): number {
    let bytes = 0;
    let ranges = 0;
    for (let i = this.starts.length - 1; i >= 0; i--) {
      bytes += seqSub(this.ends[i]!, this.starts[i]!);
      ranges++;
      if (ranges >= DUP_THRESH || bytes > (DUP_THRESH - 1) * mss) return this.starts[i]!;
    }
    return una;
  }

  /** RFC 6675 IsLost(seq). */
  isLost(seq: number, una: number, mss: number): boolean {
    return seqLt(seq, this.lossBoundary(una, mss)) && !this.isSacked(seq);
  }

  /**
   * RFC 6675 SetPipe in bytes over [una, sndMax): each un-SACKed byte counts once if
   * not lost and once more if already retransmitted (below highRxt).
   */
  pipe(una: number, sndMax: number, highRxt: number, mss: number): number {
    const lost = seqMin(seqMax(this.lossBoundary(una, mss), una), sndMax);
    const notLost = seqSub(sndMax, lost) - this.sackedIn(lost, sndMax);
    const rxtEnd = seqMin(seqMax(highRxt, una), sndMax);
    const rxt = seqSub(rxtEnd, una) - this.sackedIn(una, rxtEnd);
    return notLost + rxt;
  }

  /**
   * RFC 6675 NextSeg rule 1: the first un-SACKed byte at or above `from` that is
   * lost. Returns [start, end) of that stretch of the hole (end clipped to the loss
   * boundary), or null.
   */
  nextLost(from: number, una: number, mss: number): [number, number] | null {
    const limit = this.lossBoundary(una, mss);
    let s = seqMax(from, una);
    for (let i = 0; i < this.starts.length; i++) {
      if (!seqLt(s, limit)) return null;
      const rs = this.starts[i]!;
      const re = this.ends[i]!;
      if (seqLt(s, rs)) return [s, seqMin(rs, limit)];
      if (seqLt(s, re)) s = re;
    }
    return null;
  }

  /** The end of the SACKed range holding `seq`, or `seq` itself when it is not SACKed. */
  skipSacked(seq: number): number {
    for (let i = 0; i < this.starts.length; i++) {
      if (seqLt(seq, this.starts[i]!)) return seq;
      if (seqLt(seq, this.ends[i]!)) return this.ends[i]!;
    }
    return seq;
  }

  /** Bytes from `seq` up to the next SACKed range (Infinity when none is above). */
  gapAbove(seq: number): number {
    for (let i = 0; i < this.starts.length; i++) {
      if (seqGt(this.starts[i]!, seq)) return seqSub(this.starts[i]!, seq);
    }
    return Infinity;
  }

  /** True when no range is recorded. */
  get empty(): boolean {
    return this.starts.length === 0;
  }

  /** Every range as [start, end) pairs (tests, debugging). */
  ranges(): Array<[number, number]> {
    return this.starts.map((s, i) => [s, this.ends[i]!]);
  }
}
