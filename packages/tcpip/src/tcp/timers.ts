/**
 * Timer expiry for one connection: retransmission timeout (RFC 6298 section 5),
 * persist / zero-window probe (RFC 9293 3.8.6.1), delayed ACK, keepalive
 * (RFC 9293 3.8.4, RFC 1122 4.2.3.6), TIME-WAIT and the FIN-WAIT-2 limit.
 */
import { EMPTY, type Connection } from "./connection.ts";
import { TCP_FLAG } from "@mirage-ts/wire";
import { retransmitFirst, transmit } from "./output.ts";
import { sackOnTimeout } from "./sack-recovery.ts";
import { seqAdd, seqMax, seqSub } from "./seq.ts";

const NEVER = Infinity;

export function onTimer(c: Connection, now: number): void {
  if (c.closeAt <= now) {
    c.closeAt = NEVER;
    c.enterClosed(null);
    return;
  }
  if (c.rtxAt <= now) onRetransmitTimeout(c, now);
  if (c.state === "CLOSED") return;
  if (c.persistAt <= now) onPersist(c, now);
  if (c.delAckAt <= now) c.sendAck(now);
  if (c.keepaliveAt <= now) onKeepalive(c, now);
}

export function onRetransmitTimeout(c: Connection, now: number): void {
  c.rtxAt = NEVER;
  if (c.sndMax === c.sndUna) return;
  const syn = c.state === "SYN-SENT" || c.state === "SYN-RECEIVED";
  const limit = syn ? c.config.maxSynRetransmissions : c.config.maxRetransmissions;
  if (c.retransmits >= limit) {
    c.host.counters.timeouts++;
    c.enterClosed("timeout");
    return;
  }
  c.retransmits++;
  // RFC 6298 section 5.5-5.6 and RFC 5681 section 3.1: back off, collapse to one
  // segment, and go back to SND.UNA.
  c.rto.backoff();
  c.cc.onTimeout(seqSub(c.sndMax, c.sndUna), c.sndMax);
  sackOnTimeout(c);
  c.rttTiming = false;
  c.tsLastRtx = c.tsNow(now);
  c.sndNxt = c.sndUna;
  retransmitFirst(c, now);
  c.rtxAt = now + c.rto.rto();
  transmit(c, now);
}

export function onPersist(c: Connection, now: number): void {
  c.persistAt = NEVER;
  const off = seqSub(c.sndNxt, c.bufSeq);
  if (c.sndWnd > 0) {
    transmit(c, now, true); // the SWS override timeout
    return;
  }
  if (off < c.sendBuf.length) {
    // Zero-window probe (RFC 9293 section 3.8.6.1): one byte of new data beyond the
    // window. SND.NXT stays put, so an ACK for it is accepted up to SND.MAX.
    const payload = c.sendBuf.copyOut(off, 1);
    c.emit(now, TCP_FLAG.ACK, c.sndNxt, payload);
    c.sndMax = seqMax(c.sndMax, seqAdd(c.sndNxt, 1));
  }
  c.persistBackoff++;
  c.persistAt = now + Math.min(c.rto.rto() * 2 ** c.persistBackoff, c.config.rtoMax);
}

export function onKeepalive(c: Connection, now: number): void {
  c.keepaliveAt = NEVER;
  if (c.state !== "ESTABLISHED" && c.state !== "CLOSE-WAIT") return;
  if (c.sndMax !== c.sndUna) {
    c.keepaliveAt = now + c.config.keepaliveIdle; // retransmission covers liveness
    return;
  }
  if (c.keepaliveSent >= c.config.keepaliveProbes) {
    c.host.counters.timeouts++;
    c.enterClosed("timeout");
    return;
  }
  // RFC 9293 section 3.8.4: SEG.SEQ = SND.NXT - 1 with no data elicits an ACK.
  c.keepaliveSent++;
  c.emit(now, TCP_FLAG.ACK, seqAdd(c.sndMax, -1), EMPTY);
  c.keepaliveAt = now + c.config.keepaliveInterval;
}
