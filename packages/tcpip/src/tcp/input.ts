/**
 * Segment arrival for one connection (RFC 9293 section 3.10.7.3 for SYN-SENT and
 * 3.10.7.4 for the other states), hardened by RFC 5961 (challenge ACKs for in-window
 * RST and any SYN, ACK-range checks) and RFC 7323 (PAWS, TS.Recent). Opening
 * helpers for active and passive opens are here too.
 */
import { TCP_FLAG, type TcpRepr } from "@mirage-ts/wire";
import type { Connection } from "./connection.ts";
import { retransmitFirst, transmit } from "./output.ts";
import { limitedTransmit, sackMaybeEnter, sackUpdate } from "./sack-recovery.ts";
import { seqAdd, seqGe, seqGt, seqLe, seqLt, seqSub } from "./seq.ts";

const F = TCP_FLAG;
/** PAWS ignores TS.Recent older than 24 days (RFC 7323 section 5.5). */
const TS_RECENT_MAX_IDLE_NS = 24 * 86400 * 1e9;

/** Active OPEN (RFC 9293 section 3.10.1): send SYN, enter SYN-SENT. */
export function openActive(c: Connection, now: number): void {
  c.setState("SYN-SENT");
  c.sendSyn(now);
}

/** A SYN reached a listener (RFC 9293 section 3.10.7.2): record it and answer SYN-ACK. */
export function openPassive(c: Connection, now: number, seg: TcpRepr): void {
  c.passive = true;
  takeSynOptions(c, now, seg, true);
  c.irs = seg.seq;
  c.rcvNxt = seqAdd(seg.seq, 1);
  c.rcvAdv = c.rcvNxt;
  c.sndWnd = seg.window; // unscaled in a SYN (RFC 7323 section 2.2)
  c.maxSndWnd = c.sndWnd;
  c.sndWl1 = seg.seq;
  c.sndWl2 = c.iss;
  c.setState("SYN-RECEIVED");
  c.sendSyn(now);
}

function takeSynOptions(c: Connection, now: number, seg: TcpRepr, offered: boolean): void {
  const o = seg.options;
  const cfg = c.config;
  c.peerMss = o.mss !== undefined && o.mss > 0 ? o.mss : 536; // RFC 9293 section 3.7.1 default
  // Each option is on only if both sides sent it in their SYNs.
  c.wsOn = cfg.windowScaling && offered && o.windowScale !== undefined;
  if (c.wsOn) c.sndShift = Math.min(o.windowScale!, 14); // RFC 7323 section 2.3: clamp to 14
  c.tsOn = cfg.timestamps && offered && o.timestamp !== undefined;
  if (c.tsOn) c.tsRecent = o.timestamp!.value;
  c.sackOn = cfg.sack && offered && o.sackPermitted === true;
  c.negotiated();
  c.heardFromPeer(now);
}

export function segmentArrives(c: Connection, now: number, seg: TcpRepr): void {
  if (c.state === "CLOSED") return;
  if (c.state === "SYN-SENT") {
    synSent(c, now, seg);
    return;
  }
  synchronizedArrival(c, now, seg);
}

/** RFC 9293 section 3.10.7.3. */
function synSent(c: Connection, now: number, seg: TcpRepr): void {
  const flags = seg.flags;
  const hasAck = (flags & F.ACK) !== 0;
  if (hasAck && (seqLe(seg.ack, c.iss) || seqGt(seg.ack, c.sndMax))) {
    if ((flags & F.RST) === 0) sendResetFor(c, now, seg);
    c.host.counters.droppedBad++;
    return;
  }
  if ((flags & F.RST) !== 0) {
    // RFC 5961 section 3.2 in SYN-SENT: only a RST acknowledging our SYN counts.
    if (hasAck) {
      c.host.counters.resetsReceived++;
      c.enterClosed("refused");
    }
    return;
  }
  if ((flags & F.SYN) === 0) return;
  takeSynOptions(c, now, seg, true);
  c.irs = seg.seq;
  c.rcvNxt = seqAdd(seg.seq, 1);
  c.rcvAdv = c.rcvNxt;
  c.lastAckSent = c.rcvNxt;
  if (hasAck) {
    c.sndUna = seg.ack;
    c.rtxAt = Infinity;
    c.retransmits = 0;
    sampleRtt(c, now, seg);
    c.sndWnd = seg.window; // SYN-ACK windows are never scaled
    c.maxSndWnd = c.sndWnd;
    c.sndWl1 = seg.seq;
    c.sndWl2 = seg.ack;
    c.setState("ESTABLISHED");
    c.heardFromPeer(now);
    c.sendAck(now);
    transmit(c, now);
    // Data on a SYN-ACK is not accepted; the peer will retransmit it.
    return;
  }
  // Simultaneous open (RFC 9293 section 3.10.7.3, figure 8): SYN-RECEIVED, send SYN-ACK.
  c.sndWnd = seg.window;
  c.maxSndWnd = c.sndWnd;
  c.sndWl1 = seg.seq;
  c.setState("SYN-RECEIVED");
  c.rtxAt = Infinity;
  c.sendSyn(now);
}

/** RST for a segment that does not belong here: <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.3). */
function sendResetFor(c: Connection, now: number, seg: TcpRepr): void {
  c.host.counters.resetsSent++;
  c.host.counters.segmentsOut++;
  c.host.output(c.localAddr, c.remoteAddr, {
    srcPort: c.localPort,
    dstPort: c.remotePort,
    seq: seg.ack,
    ack: 0,
    flags: F.RST,
    window: 0,
    urgent: 0,
    options: {},
    payload: seg.payload.subarray(0, 0),
  });
  void now;
}

function synchronizedArrival(c: Connection, now: number, seg: TcpRepr): void {
  if (c.state === "SYN-RECEIVED" && !c.passive && (seg.flags & (F.SYN | F.ACK | F.RST)) === (F.SYN | F.ACK) && seg.seq === c.irs) {
    // Simultaneous open (RFC 9293 figure 8): the peer's SYN-ACK repeats the SYN we
    // already took; read it as the ACK it carries, or the sequence check would drop it.
    seg = { ...seg, seq: seqAdd(seg.seq, 1), flags: seg.flags & ~F.SYN };
  }
  const flags = seg.flags;
  const stats = c.host.counters;
  const rst = (flags & F.RST) !== 0;
  const ts = seg.options.timestamp;

  // A retransmitted SYN while we are in SYN-RECEIVED: our SYN-ACK was lost, resend it.
  if (c.state === "SYN-RECEIVED" && (flags & F.SYN) !== 0 && !rst && (flags & F.ACK) === 0 && seg.seq === c.irs) {
    c.sendSyn(now);
    return;
  }

  // RFC 7323 section 5.3 R1: PAWS, before the sequence check.
  if (c.tsOn && ts !== undefined && !rst && seqLt(ts.value, c.tsRecent) && now - c.createdAt < TS_RECENT_MAX_IDLE_NS) {
    stats.droppedPaws++;
    c.sendDupAck(now, seg);
    return;
  }

  // First check: sequence number acceptability (RFC 9293 section 3.10.7.4).
  let seq = seg.seq;
  let payOff = 0;
  let payLen = seg.payload.length;
  let fin = (flags & F.FIN) !== 0;
  const syn = (flags & F.SYN) !== 0;
  const segLen = payLen + (syn ? 1 : 0) + (fin ? 1 : 0);
  const wnd = Math.max(0, seqSub(c.rcvAdv, c.rcvNxt));
  const wndEnd = seqAdd(c.rcvNxt, wnd);
  let acceptable: boolean;
  let probeAck = false;
  if (segLen === 0) acceptable = wnd === 0 ? seq === c.rcvNxt : seqGe(seq, c.rcvNxt) && seqLt(seq, wndEnd);
  else if (wnd === 0) acceptable = false;
  else {
    const last = seqAdd(seq, segLen - 1);
    acceptable = (seqGe(seq, c.rcvNxt) && seqLt(seq, wndEnd)) || (seqGe(last, c.rcvNxt) && seqLt(last, wndEnd));
  }
  if (!acceptable) {
    // A zero window still takes ACKs and RSTs at RCV.NXT (RFC 9293 3.10.7.4); the text is dropped.
    if (seq === c.rcvNxt && !syn) {
      payLen = 0;
      fin = false;
      if (!rst) probeAck = true; // answer the probe with our (still closed) window
    } else {
      stats.droppedOutOfWindow++;
      if (!rst) {
        if (c.state === "TIME-WAIT" && fin) c.closeAt = now + 2 * c.config.msl; // retransmitted FIN
        c.sendDupAck(now, seg);
      }
      return;
    }
  }
  // Trim to the window: bytes already received at the front, beyond the window at the end.
  if (seqLt(seq, c.rcvNxt) && !syn) {
    const dup = seqSub(c.rcvNxt, seq);
    if (dup >= payLen) {
      payOff += payLen;
      payLen = 0;
    } else {
      payOff += dup;
      payLen -= dup;
    }
    seq = c.rcvNxt;
  }
  const room = Math.min(Math.max(0, seqSub(wndEnd, seq)), c.recvBuf.space - Math.max(0, seqSub(seq, c.rcvNxt)));
  if (payLen > room) {
    payLen = Math.max(room, 0);
    fin = false;
  }

  c.heardFromPeer(now);
  // RFC 7323 section 4.3 / 5.3 R3: remember the newest timestamp of an in-sequence segment.
  if (c.tsOn && ts !== undefined && seqGe(ts.value, c.tsRecent) && seqLe(seg.seq, c.lastAckSent)) c.tsRecent = ts.value;

  // Second check: RST (RFC 5961 section 3.2: exact match resets, in-window challenges).
  if (rst) {
    if (seg.seq !== c.rcvNxt) {
      c.challengeAck(now);
      return;
    }
    stats.resetsReceived++;
    switch (c.state) {
      case "SYN-RECEIVED":
        c.enterClosed(c.passive ? null : "refused"); // a passive open just returns to LISTEN
        return;
      case "ESTABLISHED":
      case "FIN-WAIT-1":
      case "FIN-WAIT-2":
      case "CLOSE-WAIT":
        c.enterClosed("reset");
        return;
      default:
        c.enterClosed(null);
        return;
    }
  }

  // Fourth check: SYN in a synchronized state (RFC 5961 section 4.2): challenge ACK.
  if (syn) {
    c.challengeAck(now);
    return;
  }

  // Fifth check: the ACK field.
  if ((flags & F.ACK) === 0) return;
  if (!processAck(c, now, seg)) {
    if (probeAck && c.state !== "CLOSED") c.sendAck(now);
    return;
  }
  if (c.state === "CLOSED") return;

  // Seventh: segment text (ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 only).
  const s = c.state;
  const takesText = s === "ESTABLISHED" || s === "FIN-WAIT-1" || s === "FIN-WAIT-2";
  let ackNow = false;
  if (takesText && payLen > 0) {
    if (c.appClosed) {
      // RFC 1122 section 4.2.2.13: data after CLOSE is lost, so reset.
      c.abort(now, null);
      return;
    }
    const hadHoles = c.recvBuf.hasOutOfOrder;
    let advance: number;
    if (c.readShut) advance = seq === c.rcvNxt ? payLen : 0;
    else advance = c.recvBuf.write(c.rcvNxt, seq, seg.payload, payOff, payLen);
    if (advance < 0) {
      stats.droppedReassembly++;
      advance = 0;
    }
    if (advance > 0) {
      c.rcvNxt = seqAdd(c.rcvNxt, advance);
      c.unackedBytes += advance;
      if (c.readShut) c.recvBuf.discardReadable();
      c.wake?.();
    }
    // RFC 5681 section 4.2 / RFC 9293 3.8.6.3: ACK at once when out of order or when a
    // hole fills; otherwise at least every second full-sized segment, or after the delay.
    if (advance === 0 || hadHoles) ackNow = true;
    else if (c.unackedBytes >= 2 * c.rcvMss) ackNow = true;
    else if (c.delAckAt === Infinity) c.delAckAt = now + c.config.delayedAck;
  }

  // Eighth: FIN, processed only once every byte before it is here.
  if (fin && takesTextOrFin(s)) {
    const finAt = seqAdd(seq, payLen);
    if (finAt === c.rcvNxt) processFin(c, now);
    else if (seqGt(finAt, c.rcvNxt)) {
      c.pendingFin = finAt;
      ackNow = true;
    }
  } else if (c.pendingFin >= 0 && c.pendingFin === c.rcvNxt && takesTextOrFin(s)) {
    processFin(c, now);
  }
  if (isClosed(c)) return;
  if (ackNow || probeAck) c.sendAck(now);
}

/** Re-reads the state after calls that may have closed the connection (defeats narrowing). */
function isClosed(c: Connection): boolean {
  return c.state === "CLOSED";
}

function takesTextOrFin(s: string): boolean {
  return s === "ESTABLISHED" || s === "FIN-WAIT-1" || s === "FIN-WAIT-2" || s === "SYN-RECEIVED";
}

function processFin(c: Connection, now: number): void {
  c.pendingFin = -1;
  c.rcvNxt = seqAdd(c.rcvNxt, 1);
  c.finReceived = true;
  c.sendAck(now);
  switch (c.state) {
    case "SYN-RECEIVED":
    case "ESTABLISHED":
      c.setState("CLOSE-WAIT");
      break;
    case "FIN-WAIT-1":
      // Our FIN is not yet acknowledged (else we would be in FIN-WAIT-2): simultaneous close.
      c.setState("CLOSING");
      break;
    case "FIN-WAIT-2":
      c.enterTimeWait(now);
      break;
    default:
      break;
  }
  c.wake?.();
}

function sampleRtt(c: Connection, now: number, seg: TcpRepr): void {
  const ts = seg.options.timestamp;
  if (c.tsOn && ts !== undefined && ts.echo !== 0) {
    // RFC 7323 section 4.1: RTT from the echoed timestamp (ms clock). An echo older than
    // our last timeout retransmission may come from a duplicate's ACK carrying a stale
    // TS.Recent (section 4.3), so it is skipped, Karn's rule applied to timestamps.
    const ms = seqSub(c.tsNow(now), ts.echo);
    if (ms >= 0 && !seqLt(ts.echo, c.tsLastRtx)) c.rto.sample(ms * 1_000_000);
  } else if (c.rttTiming && seqGt(seg.ack, c.rttSeq)) {
    c.rto.sample(now - c.rttStart);
  }
  c.rttTiming = false;
}

/** The fifth check (RFC 9293 3.10.7.4). Returns false when the segment is done with. */
function processAck(c: Connection, now: number, seg: TcpRepr): boolean {
  const ack = seg.ack;
  // RFC 5961 section 5.2: acceptable only in [SND.UNA - MAX.SND.WND, SND.MAX].
  if (seqGt(ack, c.sndMax) || seqLt(ack, seqAdd(c.sndUna, -Math.max(c.maxSndWnd, 1)))) {
    c.host.counters.droppedBad++;
    c.sendDupAck(now, seg);
    return false;
  }
  if (c.state === "SYN-RECEIVED") {
    if (!seqGt(ack, c.sndUna)) {
      sendResetFor(c, now, seg);
      return false;
    }
    // Room in the accept queue? If not, drop the ACK: the peer will retransmit.
    if (c.passive && !c.host.canEstablish(c)) {
      c.host.counters.droppedBacklogFull++;
      return false;
    }
    c.sndUna = seqAdd(c.iss, 1);
    c.retransmits = 0;
    c.rtxAt = Infinity;
    sampleRtt(c, now, seg);
    c.sndWnd = seg.window * 2 ** c.sndShift;
    c.maxSndWnd = Math.max(c.maxSndWnd, c.sndWnd);
    c.sndWl1 = seg.seq;
    c.sndWl2 = ack;
    c.setState(c.finQueued ? "FIN-WAIT-1" : "ESTABLISHED");
    c.heardFromPeer(now); // arms keepalive now that the connection is synchronized
  }

  const window = seg.window * 2 ** c.sndShift;
  const newlySacked = c.sackOn ? sackUpdate(c, seg) : 0;
  const pure = ack === c.sndUna && seg.payload.length === 0 && (seg.flags & (F.SYN | F.FIN)) === 0 && seqGt(c.sndMax, c.sndUna);
  // RFC 5681 section 2's duplicate ACK, or (RFC 6675 section 2) one that SACKs new data.
  const dup = pure && ((window === c.sndWnd && c.sndWnd > 0) || newlySacked > 0);

  if (seqGt(ack, c.sndUna)) {
    const acked = seqSub(ack, c.sndUna);
    let dataAcked = acked;
    if (c.finSent && seqGt(ack, c.finSeq)) dataAcked--;
    const fromBuf = Math.min(seqSub(seqAdd(c.sndUna, dataAcked), c.bufSeq), c.sendBuf.length);
    if (fromBuf > 0) {
      c.sendBuf.discard(fromBuf);
      c.bufSeq = seqAdd(c.bufSeq, fromBuf);
    }
    c.sndUna = ack;
    if (seqLt(c.sndNxt, ack)) c.sndNxt = ack;
    sampleRtt(c, now, seg);
    c.rto.resetBackoff();
    c.retransmits = 0;
    c.persistBackoff = 0;
    const flight = seqSub(c.sndMax, c.sndUna);
    if (c.cc.onNewAck(ack, acked, flight)) {
      c.host.counters.fastRetransmissions++;
      retransmitFirst(c, now);
    }
    // RFC 6298 section 5.2-5.3: stop the timer when all is acknowledged, else restart it.
    c.rtxAt = c.sndMax === c.sndUna ? Infinity : now + c.rto.rto();
    c.wake?.();
    if (c.sackOn) sackMaybeEnter(c, now); // IsLost(HighACK + 1) after a cumulative ACK
  } else if (dup && c.sackOn) {
    c.cc.dupAcks++;
    sackMaybeEnter(c, now);
    limitedTransmit(c, now);
  } else if (dup) {
    if (c.cc.onDupAck(ack, seqSub(c.sndMax, c.sndUna), c.sndMax)) {
      c.host.counters.fastRetransmissions++;
      retransmitFirst(c, now);
      c.rtxAt = now + c.rto.rto();
    }
  }

  // Window update (RFC 9293 3.10.7.4): only from a segment at least as new as the last one used.
  if (seqLt(c.sndWl1, seg.seq) || (c.sndWl1 === seg.seq && seqLe(c.sndWl2, ack))) {
    c.sndWnd = window;
    c.sndWl1 = seg.seq;
    c.sndWl2 = ack;
    if (window > c.maxSndWnd) c.maxSndWnd = window;
  }

  // Send what the ACK made room for, in CLOSING and LAST-ACK too (data may still precede our FIN).
  transmit(c, now);
  const ourFinAcked = c.finSent && c.sndUna === c.sndMax;
  switch (c.state) {
    case "FIN-WAIT-1":
      if (ourFinAcked) {
        c.setState("FIN-WAIT-2");
        if (c.appClosed) c.closeAt = now + c.config.finWait2Timeout;
      }
      break;
    case "CLOSING":
      if (ourFinAcked) c.enterTimeWait(now);
      return false;
    case "LAST-ACK":
      if (ourFinAcked) c.enterClosed(null);
      return false;
    case "TIME-WAIT":
      return false;
    default:
      break;
  }
  return true;
}
