/**
 * One TCP connection's control block (RFC 9293 section 3.3.1): sequence variables,
 * negotiated options, timers as absolute deadlines, buffers, and the segment
 * builders (ACK, RST, SYN, window field with receiver SWS avoidance). Behaviour is
 * split by concern: input.ts (segment arrival), output.ts (send path), timers.ts
 * (expiry), app.ts (application operations).
 *
 * No promises and no clock: every entry point takes `now` (ns); outputs go to the
 * host synchronously; the next deadline is `deadline()`.
 */
import type { FlowErrorCode } from "@mirage-ts/devices";
import { TCP_FLAG, type TcpOptions as SegmentOptions, type TcpRepr } from "@mirage-ts/wire";
import type { TcpConfig, TcpStats } from "./config.ts";
import { NewReno } from "./congestion.ts";
import { RecvBuffer } from "./recv-buffer.ts";
import { RtoEstimator } from "./rto.ts";
import { Scoreboard } from "./scoreboard.ts";
import { SendBuffer } from "./send-buffer.ts";
import { seqAdd, seqGt, seqMax, seqSub } from "./seq.ts";
import type { HeapItem } from "./timer-heap.ts";

export type TcpState =
  | "SYN-SENT"
  | "SYN-RECEIVED"
  | "ESTABLISHED"
  | "FIN-WAIT-1"
  | "FIN-WAIT-2"
  | "CLOSE-WAIT"
  | "CLOSING"
  | "LAST-ACK"
  | "TIME-WAIT"
  | "CLOSED";

/** What a connection needs from the layer that owns it. */
export interface ConnectionHost {
  output(src: number, dst: number, segment: TcpRepr): void;
  readonly counters: TcpStats;
  /** Passive open: may SYN-RECEIVED complete (is there room in the accept queue)? */
  canEstablish(c: Connection): boolean;
  stateChanged(c: Connection, from: TcpState): void;
  /** RFC 5961 section 7: a layer-wide budget of challenge ACKs. */
  challengeAckAllowed(now: number): boolean;
}

export interface ConnectionParams {
  readonly host: ConnectionHost;
  readonly config: TcpConfig;
  readonly localAddr: number;
  readonly localPort: number;
  readonly remoteAddr: number;
  readonly remotePort: number;
  readonly iss: number;
  readonly tsOffset: number;
  /** Largest payload the path carries toward the peer (MTU - 40). */
  readonly pathMss: number;
  readonly keepalive: boolean;
}

const NEVER = Infinity;
const TS_OPTION_LEN = 12; // 10 bytes plus 2 of padding (RFC 7323 appendix A)
/** Lower clamp on the peer's MSS so a tiny advertised MSS cannot flood us with segments. */
const MIN_MSS = 64;
const SACK_BLOCKS = 3; // 3 blocks fit next to timestamps in 40 option bytes
/** RFC 5961 section 7: at most one ACK per this interval (ns) in answer to unacceptable segments. */
const INVALID_ACK_INTERVAL = 500_000_000;

export class Connection implements HeapItem {
  state: TcpState = "CLOSED";
  /** Why the connection failed, once it has. */
  error: FlowErrorCode | null = null;
  /** Called whenever reading, writing or the state may have changed (the async shell). */
  wake: (() => void) | null = null;
  readonly host: ConnectionHost;
  readonly config: TcpConfig;
  readonly localAddr: number;
  readonly localPort: number;
  readonly remoteAddr: number;
  readonly remotePort: number;
  passive = false;
  readonly createdAt: number;

  // Send sequence space (RFC 9293 section 3.3.1).
  readonly iss: number;
  sndUna: number;
  sndNxt: number;
  /** The highest sequence number sent plus one (SND.NXT falls back to SND.UNA after a timeout). */
  sndMax: number;
  sndWnd = 0;
  sndWl1 = 0;
  sndWl2 = 0;
  maxSndWnd = 0;
  sndShift = 0;
  sndMss: number;
  /** Sequence number of the first byte in the send buffer. */
  bufSeq: number;
  finQueued = false;

  // Receive sequence space.
  irs = 0;
  rcvNxt = 0;
  /** Right edge of the window we last advertised; never moves left. */
  rcvAdv = 0;
  rcvShift = 0;
  readonly rcvMss: number;
  /** A FIN received ahead of missing data, by sequence number. */
  pendingFin = -1;
  finReceived = false;
  readShut = false;
  appClosed = false;

  // Options (RFC 7323, RFC 2018).
  wsOn = false;
  tsOn = false;
  sackOn = false;
  tsRecent = 0;
  lastAckSent = 0;
  readonly tsOffset: number;
  peerMss = 536;

  // Timers: absolute ns deadlines, Infinity when off.
  rtxAt = NEVER;
  persistAt = NEVER;
  persistBackoff = 0;
  delAckAt = NEVER;
  keepaliveAt = NEVER;
  keepaliveSent = 0;
  closeAt = NEVER; // TIME-WAIT and the FIN-WAIT-2 timeout
  retransmits = 0;
  readonly keepalive: boolean;
  /** The layer's timer heap position and key (timer-heap.ts); the layer re-keys after each operation. */
  heapIndex = -1;
  heapKey = NEVER;

  // RTT timing without timestamps (Karn's algorithm).
  rttTiming = false;
  rttSeq = 0;
  rttStart = 0;
  unackedBytes = 0;
  lastInvalidAck = -Infinity;
  /** Our TSval when the retransmission timer last fired (RTT samples echoing older values are ambiguous). */
  tsLastRtx = 0;

  readonly rto: RtoEstimator;
  readonly cc: NewReno;
  readonly sendBuf: SendBuffer;
  readonly recvBuf: RecvBuffer;
  /** SACKed ranges above SND.UNA (RFC 6675), used only when SACK was negotiated. */
  readonly scoreboard = new Scoreboard();
  /** RFC 6675 HighRxt, exclusive: the end of the highest byte retransmitted in this recovery. */
  highRxt = 0;

  constructor(p: ConnectionParams, now: number) {
    this.host = p.host;
    this.config = p.config;
    this.localAddr = p.localAddr;
    this.localPort = p.localPort;
    this.remoteAddr = p.remoteAddr;
    this.remotePort = p.remotePort;
    this.iss = p.iss;
    this.sndUna = p.iss;
    this.sndNxt = p.iss;
    this.sndMax = p.iss;
    this.bufSeq = seqAdd(p.iss, 1);
    this.tsOffset = p.tsOffset;
    this.keepalive = p.keepalive;
    this.createdAt = now;
    this.tsLastRtx = this.tsNow(now);
    this.rcvMss = Math.max(p.pathMss, MIN_MSS);
    this.sndMss = Math.min(536, this.rcvMss);
    this.rto = new RtoEstimator({ initial: p.config.rtoInitial, min: p.config.rtoMin, max: p.config.rtoMax });
    this.cc = new NewReno(this.sndMss, p.iss);
    this.sendBuf = new SendBuffer(p.config.sendBufferSize);
    this.recvBuf = new RecvBuffer(p.config.receiveBufferSize, p.config.maxOutOfOrderRanges);
    let shift = 0;
    while (shift < 14 && p.config.receiveBufferSize >>> shift > 65535) shift++;
    this.rcvShift = p.config.windowScaling ? shift : 0;
  }

  setState(s: TcpState): void {
    const from = this.state;
    if (from === s) return;
    this.state = s;
    this.host.stateChanged(this, from);
    this.wake?.();
  }

  get synchronized(): boolean {
    return this.state !== "SYN-SENT" && this.state !== "SYN-RECEIVED" && this.state !== "CLOSED";
  }

  /** Sequence number of our FIN (valid once queued). */
  get finSeq(): number {
    return seqAdd(this.bufSeq, this.sendBuf.length);
  }

  get finSent(): boolean {
    return this.finQueued && seqGt(this.sndMax, this.finSeq);
  }

  tsNow(now: number): number {
    return (Math.floor(now / 1_000_000) + this.tsOffset) >>> 0;
  }

  /** Fixes the effective send MSS once the peer's MSS and the options are known (RFC 9293 3.7.1). */
  negotiated(): void {
    const mss = Math.min(this.peerMss, this.rcvMss) - (this.tsOn ? TS_OPTION_LEN : 0);
    this.sndMss = Math.max(mss, MIN_MSS);
    this.cc.setMss(this.sndMss);
    if (!this.wsOn) {
      this.sndShift = 0;
      this.rcvShift = 0;
    }
  }

  /**
   * The payload a segment may carry now: SND.MSS (which already leaves room for the
   * timestamp option) less the SACK option the segment will carry while we hold
   * out-of-order data (RFC 9293 section 3.7.1: the MSS bounds data, and every option
   * byte beyond the fixed ones comes out of it). Without this a full segment plus
   * SACK blocks exceeds the MTU and goes out as two IP fragments.
   */
  segmentSize(): number {
    if (!this.sackOn || !this.recvBuf.hasOutOfOrder) return this.sndMss;
    return this.sndMss - (4 + 8 * Math.min(SACK_BLOCKS, this.recvBuf.rangeCount));
  }

  /** The earliest armed timer (ns), Infinity when none is. */
  nextDeadline(): number {
    return Math.min(this.rtxAt, this.persistAt, this.delAckAt, this.keepaliveAt, this.closeAt);
  }

  deadline(): number | undefined {
    const d = this.nextDeadline();
    return d === NEVER ? undefined : d;
  }

  // ---- Output -------------------------------------------------------------

  /** The window field to send, applying receiver SWS avoidance (RFC 9293 section 3.8.6.2.2). */
  private windowField(): number {
    const space = this.recvBuf.space;
    const current = Math.max(0, seqSub(this.rcvAdv, this.rcvNxt));
    let wnd = current;
    if (space - current >= Math.min(this.recvBuf.capacity >>> 1, this.rcvMss)) wnd = space;
    wnd = Math.min(wnd, 65535 * 2 ** this.rcvShift);
    const field = Math.floor(wnd / 2 ** this.rcvShift);
    const edge = seqAdd(this.rcvNxt, field * 2 ** this.rcvShift);
    if (seqGt(edge, this.rcvAdv)) this.rcvAdv = edge;
    return field;
  }

  /** Emits one segment with the connection's addresses, ACK, window and options. */
  emit(now: number, flags: number, seq: number, payload: Uint8Array): void {
    const F = TCP_FLAG;
    let options: SegmentOptions = {};
    let window = 0;
    if ((flags & F.RST) === 0) {
      const sack = this.sackOn && this.recvBuf.hasOutOfOrder && (flags & F.ACK) !== 0;
      if (this.tsOn || sack) {
        options = {
          ...(this.tsOn ? { timestamp: { value: this.tsNow(now), echo: this.tsRecent } } : {}),
          ...(sack ? { sack: this.recvBuf.sackBlocks(SACK_BLOCKS) } : {}),
        };
      }
      window = this.windowField();
    }
    if ((flags & F.ACK) !== 0) {
      this.lastAckSent = this.rcvNxt;
      this.delAckAt = NEVER;
      this.unackedBytes = 0;
    }
    this.host.counters.segmentsOut++;
    this.host.output(this.localAddr, this.remoteAddr, {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq,
      ack: (flags & F.ACK) !== 0 ? this.rcvNxt : 0,
      flags,
      window,
      urgent: 0,
      options,
      payload,
    });
  }

  /**
   * A pure ACK. Its sequence number is SND.MAX rather than SND.NXT: after a timeout
   * rewinds SND.NXT, the peer may already hold data up to SND.MAX, and an ACK below
   * its RCV.NXT would fail its acceptability test and never be processed (BSD does
   * the same).
   */
  sendAck(now: number): void {
    this.emit(now, TCP_FLAG.ACK, this.sndMax, EMPTY);
  }

  /**
   * The ACK owed for an unacceptable segment (RFC 9293 3.10.7.4, RFC 7323 5.3,
   * RFC 5961 5.2). For segments without data it is limited to one per 500 ms, so two
   * confused ends cannot ping-pong ACKs forever (RFC 5961 section 7; Linux does this).
   */
  sendDupAck(now: number, seg: TcpRepr): void {
    if (seg.payload.length === 0 && (seg.flags & (TCP_FLAG.SYN | TCP_FLAG.FIN)) === 0) {
      if (now - this.lastInvalidAck < INVALID_ACK_INTERVAL) return;
      this.lastInvalidAck = now;
    }
    this.sendAck(now);
  }

  /** RFC 5961: a challenge ACK, within the layer-wide rate limit. */
  challengeAck(now: number): void {
    if (!this.host.challengeAckAllowed(now)) return;
    this.host.counters.challengeAcks++;
    this.sendAck(now);
  }

  sendRst(now: number): void {
    this.host.counters.resetsSent++;
    this.emit(now, TCP_FLAG.RST | TCP_FLAG.ACK, this.sndMax, EMPTY);
  }

  /** SYN (active open) or SYN-ACK (passive or simultaneous open). */
  sendSyn(now: number): void {
    const withAck = this.state === "SYN-RECEIVED";
    const cfg = this.config;
    // On a SYN-ACK, only echo the options the peer offered (RFC 7323 sections 2.2, 3.2; RFC 2018 section 2).
    const ws = withAck ? this.wsOn : cfg.windowScaling;
    const ts = withAck ? this.tsOn : cfg.timestamps;
    const sack = withAck ? this.sackOn : cfg.sack;
    const options: SegmentOptions = {
      mss: this.rcvMss,
      ...(ws ? { windowScale: this.rcvShift } : {}),
      ...(sack ? { sackPermitted: true } : {}),
      ...(ts ? { timestamp: { value: this.tsNow(now), echo: withAck ? this.tsRecent : 0 } } : {}),
    };
    // The window in a SYN is never scaled (RFC 7323 section 2.2).
    const window = Math.min(this.recvBuf.space, 65535);
    if (withAck) {
      this.rcvAdv = seqAdd(this.rcvNxt, window);
      this.lastAckSent = this.rcvNxt;
    }
    if (this.sndMax === this.iss) {
      this.rttTiming = true;
      this.rttSeq = this.iss;
      this.rttStart = now;
    }
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndMax = seqMax(this.sndMax, this.sndNxt);
    if (this.rtxAt === NEVER) this.rtxAt = now + this.rto.rto();
    this.host.counters.segmentsOut++;
    this.host.output(this.localAddr, this.remoteAddr, {
      srcPort: this.localPort,
      dstPort: this.remotePort,
      seq: this.iss,
      ack: withAck ? this.rcvNxt : 0,
      flags: TCP_FLAG.SYN | (withAck ? TCP_FLAG.ACK : 0),
      window,
      urgent: 0,
      options,
      payload: EMPTY,
    });
  }

  // ---- Timers ------------------------------------------------------------
  /** Any segment from the peer proves it alive. */
  heardFromPeer(now: number): void {
    if (!this.keepalive) return;
    this.keepaliveSent = 0;
    this.keepaliveAt = this.synchronized ? now + this.config.keepaliveIdle : NEVER;
  }

  enterTimeWait(now: number): void {
    this.rtxAt = NEVER;
    this.persistAt = NEVER;
    this.keepaliveAt = NEVER;
    this.closeAt = now + 2 * this.config.msl;
    this.sendBuf.release();
    this.setState("TIME-WAIT");
  }

  /** Enters CLOSED: releases memory and tells the shell (error null for an orderly end). */
  enterClosed(error: FlowErrorCode | null): void {
    if (this.state === "CLOSED") return;
    if (error !== null && this.error === null) this.error = error;
    this.rtxAt = this.persistAt = this.delAckAt = this.keepaliveAt = this.closeAt = NEVER;
    this.sendBuf.release();
    // Keep readable bytes after an orderly close so the application can still read them.
    if (error !== null) this.recvBuf.release();
    this.setState("CLOSED");
  }

  // ---- Application side --------------------------------------------------
  /** RST and drop the connection (RFC 9293 section 3.10.5, ABORT). */
  abort(now: number, error: FlowErrorCode | null = null): void {
    if (this.synchronized && this.state !== "TIME-WAIT") this.sendRst(now);
    else if (this.state === "SYN-RECEIVED") this.sendRst(now);
    this.enterClosed(error);
  }
}

export const EMPTY = new Uint8Array(0);
