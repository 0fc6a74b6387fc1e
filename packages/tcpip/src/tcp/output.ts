/**
 * The send path of one connection: what the windows, Nagle (RFC 9293 3.7.4) and
 * sender-side SWS avoidance (3.8.6.2.1) allow, retransmission of the first
 * unacknowledged segment, and arming the persist timer.
 */
import { EMPTY, type Connection } from "./connection.ts";
import { TCP_FLAG } from "@mirage-ts/wire";
import { sackTransmit } from "./sack-recovery.ts";
import { seqAdd, seqGt, seqLt, seqMax, seqSub } from "./seq.ts";

const NEVER = Infinity;

/** Sends [seq, seq+len) of buffered data, plus FIN if asked; returns the sequence space used. */
export function sendData(c: Connection, now: number, seq: number, len: number, fin: boolean): number {
  const off = seqSub(seq, c.bufSeq);
  const payload = len > 0 ? c.sendBuf.copyOut(off, len) : EMPTY;
  let flags = TCP_FLAG.ACK;
  if (fin) flags |= TCP_FLAG.FIN;
  if (len > 0 && off + len === c.sendBuf.length) flags |= TCP_FLAG.PSH;
  const used = len + (fin ? 1 : 0);
  const end = seqAdd(seq, used);
  if (seqLt(seq, c.sndMax)) {
    c.host.counters.retransmissions++;
    // Karn: a retransmitted segment never yields an RTT sample.
    if (c.rttTiming && seqGt(end, c.rttSeq) && !seqGt(seq, c.rttSeq)) c.rttTiming = false;
  } else if (!c.rttTiming && !c.tsOn && used > 0) {
    c.rttTiming = true;
    c.rttSeq = seq;
    c.rttStart = now;
  }
  c.emit(now, flags, seq, payload);
  c.sndMax = seqMax(c.sndMax, end);
  if (used > 0 && c.rtxAt === NEVER) c.rtxAt = now + c.rto.rto();
  return used;
}

/** Resends the first unacknowledged segment (fast retransmit, partial ACK, timeout). */
export function retransmitFirst(c: Connection, now: number): void {
  if (c.state === "SYN-SENT" || c.state === "SYN-RECEIVED") {
    c.sendSyn(now);
    return;
  }
  const outstanding = seqSub(c.sndMax, c.sndUna);
  if (outstanding <= 0) return;
  const dataOut = Math.min(c.sendBuf.length - seqSub(c.sndUna, c.bufSeq), outstanding);
  const len = Math.min(c.segmentSize(), dataOut);
  const fin = c.finSent && seqAdd(c.sndUna, len) === c.finSeq;
  const used = sendData(c, now, c.sndUna, len, fin);
  if (seqLt(c.sndNxt, seqAdd(c.sndUna, used))) c.sndNxt = seqAdd(c.sndUna, used);
}

/** Sends what the windows, Nagle and SWS avoidance allow (RFC 9293 3.7.4, 3.8.6.2.1). */
export function transmit(c: Connection, now: number, force = false): void {
  const s = c.state;
  if (s !== "ESTABLISHED" && s !== "CLOSE-WAIT" && s !== "FIN-WAIT-1" && s !== "CLOSING" && s !== "LAST-ACK") return;
  if (c.cc.sackRecovery) {
    sackTransmit(c, now); // RFC 6675: the pipe estimate governs sending during recovery
    updatePersist(c, now);
    return;
  }
  const mss = c.segmentSize();
  for (;;) {
    if (c.sackOn && seqLt(c.sndNxt, c.sndMax)) {
      // Resending after a timeout: skip what the peer SACKed (RFC 6675 section 5.1 lets
      // the scoreboard kept from before the timeout guide this; see sackOnTimeout).
      const skip = c.scoreboard.skipSacked(c.sndNxt);
      if (skip !== c.sndNxt) {
        c.sndNxt = skip;
        continue;
      }
    }
    const off = seqSub(c.sndNxt, c.bufSeq);
    const buffered = c.sendBuf.length;
    if (off > buffered) break; // FIN already sent
    const unsent = buffered - off;
    const inFlight = seqSub(c.sndNxt, c.sndUna);
    const usable = Math.min(c.sndWnd, c.cc.cwnd) - inFlight;
    let len = Math.min(unsent, mss, Math.max(usable, 0));
    if (c.sackOn && seqLt(c.sndNxt, c.sndMax)) len = Math.min(len, c.scoreboard.gapAbove(c.sndNxt));
    const fin = c.finQueued && off + len === buffered;
    if (len === 0 && !fin) {
      if (force && unsent > 0 && usable > 0) len = Math.min(unsent, usable);
      if (len === 0) break;
    } else if (len > 0 && len < mss && !force) {
      if (len < unsent) {
        // Window-limited small segment: sender SWS avoidance, send only at half the max window.
        if (len < c.maxSndWnd / 2) break;
      } else if (inFlight > 0 && c.config.nagle && !fin) {
        break; // Nagle: wait for the ACK of outstanding data
      }
    }
    force = false;
    const used = sendData(c, now, c.sndNxt, len, c.finQueued && off + len === buffered);
    c.sndNxt = seqAdd(c.sndNxt, used);
  }
  updatePersist(c, now);
}

/** Arms the persist timer when data waits but nothing is in flight to elicit an ACK. */
export function updatePersist(c: Connection, now: number): void {
  const unsent = c.sendBuf.length - seqSub(c.sndNxt, c.bufSeq);
  if (unsent > 0 && c.sndNxt === c.sndUna && c.rtxAt === NEVER) {
    if (c.persistAt === NEVER) {
      c.persistAt = now + Math.min(c.rto.rto() * 2 ** c.persistBackoff, c.config.rtoMax);
    }
  } else {
    c.persistAt = NEVER;
    c.persistBackoff = 0;
  }
}
