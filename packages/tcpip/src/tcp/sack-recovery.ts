/**
 * SACK-based loss recovery for the sender (RFC 6675), used when both ends sent
 * SACK-permitted: the ACK-side bookkeeping (scoreboard update, duplicate-ACK count,
 * entering and leaving recovery) and the send loop driven by the pipe estimate and
 * NextSeg. Peers without SACK keep NewReno (congestion.ts, RFC 6582).
 *
 * Recovery ends when the cumulative ACK reaches RecoveryPoint (SND.MAX at entry):
 * NewReno.onNewAck's full-ACK branch then sets cwnd to min(ssthresh, FlightSize +
 * SMSS). Not implemented: rescue retransmission and NextSeg rule 3 (a tail loss with
 * nothing SACKed above it waits for the retransmission timer), and detection of a
 * lost retransmission (RFC 6675 has none; RACK would), which also waits for the RTO.
 */
import type { TcpRepr } from "@mirage-ts/wire";
import type { Connection } from "./connection.ts";
import { retransmitFirst, sendData } from "./output.ts";
import { DUP_THRESH } from "./scoreboard.ts";
import { seqAdd, seqGe, seqGt, seqLt, seqMax, seqMin, seqSub } from "./seq.ts";

/** Records the ACK's SACK blocks; returns the number of bytes newly SACKed. */
export function sackUpdate(c: Connection, seg: TcpRepr): number {
  const ack = seg.ack;
  const una = seqGt(ack, c.sndUna) ? ack : c.sndUna;
  // A receiver holding a SACKed range acknowledges through its end once the hole
  // below fills, so a cumulative ACK landing at or inside a recorded range means it
  // reneged (discarded out-of-order data, RFC 2018 section 8): forget everything.
  if (c.scoreboard.isSacked(una)) {
    c.scoreboard.clear();
    // A go-back-N resend may have skipped the reneged ranges: restart it at the ACK.
    if (seqLt(c.sndNxt, c.sndMax)) c.sndNxt = una;
  }
  c.scoreboard.ackTo(una);
  const blocks = seg.options.sack;
  if (blocks === undefined || blocks.length === 0) return 0;
  return c.scoreboard.update(una, c.sndMax, blocks);
}

/**
 * After an ACK was processed: enter recovery on the DupThresh-th duplicate ACK or
 * when IsLost(HighACK + 1) (RFC 6675 section 5 steps 2 and 4). Not while already
 * recovering, and (section 5.1) not until the cumulative ACK reaches the
 * RecoveryPoint left by a previous recovery or timeout.
 */
export function sackMaybeEnter(c: Connection, now: number): void {
  const cc = c.cc;
  if (cc.inRecovery || c.sndMax === c.sndUna) return;
  if (!seqGe(c.sndUna, cc.recover)) return;
  if (cc.dupAcks < DUP_THRESH && !c.scoreboard.isLost(c.sndUna, c.sndUna, c.sndMss)) return;
  cc.enterSackRecovery(seqSub(c.sndMax, c.sndUna), c.sndMax);
  c.host.counters.fastRetransmissions++;
  // Step (4.3): retransmit the first segment, HighRxt at its end.
  retransmitFirst(c, now);
  c.highRxt = seqMin(seqAdd(c.sndUna, c.segmentSize()), c.sndMax);
  c.rtxAt = now + c.rto.rto();
}

/**
 * RFC 6675 section 5 step (C): while cwnd - pipe >= 1 SMSS, send NextSeg: the first
 * lost hole above HighRxt (rule 1), else new data the peer's window allows (rule 2).
 */
export function sackTransmit(c: Connection, now: number): void {
  const mss = c.segmentSize();
  const sb = c.scoreboard;
  // Each pass sends a segment or stops; the bound only guards against a logic slip.
  for (let guard = 0; guard < 4096; guard++) {
    const pipe = sb.pipe(c.sndUna, c.sndMax, c.highRxt, c.sndMss);
    if (c.cc.cwnd - pipe < c.sndMss) return;
    const hole = sb.nextLost(c.highRxt, c.sndUna, c.sndMss);
    if (hole !== null) {
      const [start, end] = hole;
      const off = seqSub(start, c.bufSeq);
      const data = Math.max(0, c.sendBuf.length - off);
      const len = Math.min(mss, seqSub(end, start), data);
      const fin = c.finSent && seqAdd(start, len) === c.finSeq && seqGt(end, c.finSeq);
      if (len === 0 && !fin) return;
      const used = sendData(c, now, start, len, fin);
      c.highRxt = seqAdd(start, used);
      continue;
    }
    // Rule 2: new data, only when nothing was rewound (SND.NXT at SND.MAX).
    if (c.sndNxt !== c.sndMax) return;
    const off = seqSub(c.sndNxt, c.bufSeq);
    const buffered = c.sendBuf.length;
    if (off > buffered) return; // FIN already sent
    const room = c.sndWnd - seqSub(c.sndNxt, c.sndUna);
    const len = Math.max(0, Math.min(buffered - off, mss, room));
    const fin = c.finQueued && off + len === buffered && room > len;
    if (len === 0 && !fin) return;
    const used = sendData(c, now, c.sndNxt, len, fin);
    c.sndNxt = seqAdd(c.sndNxt, used);
    // HighRxt never trails SND.UNA's hole search start; keep it within the sent range.
    c.highRxt = seqMax(c.highRxt, c.sndUna);
  }
}

/**
 * After a retransmission timeout (RFC 6675 section 5.1) recovery ends (the caller's
 * cc.onTimeout sets RecoveryPoint to SND.MAX). RFC 2018 section 8 says the SACKed
 * bits SHOULD be cleared in case the receiver reneged; we keep them as a hint after
 * the first timeout, so the go-back-N resend skips data the peer holds. Reneging is
 * caught instead by sackUpdate (an ACK landing in a SACKed range) and, as a backstop,
 * by discarding the scoreboard on a second consecutive timeout. The left edge is
 * resent regardless (RFC 2018 section 8 MUST).
 */
export function sackOnTimeout(c: Connection): void {
  if (c.retransmits > 1) c.scoreboard.clear();
  c.highRxt = c.sndUna;
}

/**
 * Limited Transmit (RFC 3042, RFC 6675 section 5 step 3): on the first and second
 * duplicate ACKs send one segment of new data, if the peer's window allows and the
 * flight stays within cwnd + 2 * SMSS, so small windows still produce the ACKs (and
 * SACK blocks) that trigger recovery.
 */
export function limitedTransmit(c: Connection, now: number): void {
  if (c.cc.inRecovery || c.cc.dupAcks > 2 || c.sndNxt !== c.sndMax) return;
  const mss = c.segmentSize();
  const flight = seqSub(c.sndNxt, c.sndUna);
  const off = seqSub(c.sndNxt, c.bufSeq);
  const unsent = c.sendBuf.length - off;
  if (unsent <= 0) return;
  const len = Math.min(unsent, mss, c.sndWnd - flight);
  if (len < Math.min(mss, unsent) || flight + len > c.cc.cwnd + 2 * c.sndMss) return;
  const used = sendData(c, now, c.sndNxt, len, c.finQueued && off + len === c.sendBuf.length);
  c.sndNxt = seqAdd(c.sndNxt, used);
}
