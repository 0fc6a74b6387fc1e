/**
 * NewReno congestion control: slow start and congestion avoidance (RFC 5681 section
 * 3.1), fast retransmit and fast recovery on three duplicate ACKs (section 3.2) with
 * NewReno's partial-ACK handling (RFC 6582 section 3.2). With SACK, loss recovery
 * is RFC 6675's (sack-recovery.ts) and only its cwnd/ssthresh changes live here
 * (enterSackRecovery). Pure bookkeeping in bytes: the connection asks what to do and
 * performs the retransmissions.
 */
import { seqGe } from "./seq.ts";

export const DUPACK_THRESHOLD = 3;

export class NewReno {
  cwnd: number;
  ssthresh = 0x7fffffff;
  dupAcks = 0;
  inRecovery = false;
  /** The recovery in progress is RFC 6675's (SACK): no window inflation or partial-ACK deflation. */
  sackRecovery = false;
  /** RFC 6582 "recover": the highest sequence number sent when loss was detected. */
  recover: number;
  private caBytes = 0;

  constructor(private mss: number, iss: number) {
    this.cwnd = NewReno.initialWindow(mss);
    this.recover = iss;
  }

  /** RFC 5681 section 3.1 (after RFC 3390): IW = min(4*SMSS, max(2*SMSS, 4380)). */
  static initialWindow(mss: number): number {
    return Math.min(4 * mss, Math.max(2 * mss, 4380));
  }

  setMss(mss: number): void {
    this.mss = mss;
    this.cwnd = NewReno.initialWindow(mss);
  }

  /**
   * A cumulative ACK advanced SND.UNA by `acked` bytes. Returns true when it is a
   * partial ACK during recovery, so the first unacknowledged segment must be resent.
   */
  onNewAck(ack: number, acked: number, flightAfter: number): boolean {
    this.dupAcks = 0;
    if (this.inRecovery) {
      if (seqGe(ack, this.recover)) {
        this.sackRecovery = false;
        // Full ACK (RFC 6582 section 3.2 step 3): deflate to min(ssthresh, FlightSize + SMSS).
        this.cwnd = Math.min(this.ssthresh, Math.max(flightAfter, this.mss) + this.mss);
        this.inRecovery = false;
        this.caBytes = 0;
        return false;
      }
      // RFC 6675 section 5: during SACK recovery cwnd stays at ssthresh; the pipe
      // estimate, not window inflation, decides what may be sent.
      if (this.sackRecovery) return false;
      // Partial ACK (step 4): deflate by the amount acked, add back one SMSS if that
      // was at least one SMSS, and resend the next hole.
      this.cwnd = Math.max(this.cwnd - acked, this.mss);
      if (acked >= this.mss) this.cwnd += this.mss;
      return true;
    }
    if (this.cwnd < this.ssthresh) {
      // Slow start, with appropriate byte counting limited to one SMSS per ACK.
      this.cwnd += Math.min(acked, this.mss);
    } else {
      // Congestion avoidance: about one SMSS per RTT (RFC 5681 equation 3's byte-counting form).
      this.caBytes += acked;
      if (this.caBytes >= this.cwnd) {
        this.caBytes -= this.cwnd;
        this.cwnd += this.mss;
      }
    }
    return false;
  }

  /**
   * A duplicate ACK (RFC 5681 section 2 definition, checked by the caller). Returns
   * true when this is the third one and fast retransmit must resend SND.UNA.
   */
  onDupAck(ack: number, flight: number, sndMax: number): boolean {
    this.dupAcks++;
    if (this.inRecovery) {
      this.cwnd += this.mss; // inflate: a segment has left the network
      return false;
    }
    if (this.dupAcks !== DUPACK_THRESHOLD) return false;
    // RFC 6582 section 3.2 step 2: only enter recovery when the ACK covers everything
    // outstanding at the previous loss ("recover" holds SND.MAX then, exclusive), so
    // losses of retransmissions from that episode do not halve the window twice.
    if (!seqGe(ack, this.recover)) return false;
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.recover = sndMax;
    this.cwnd = this.ssthresh + DUPACK_THRESHOLD * this.mss;
    this.inRecovery = true;
    return true;
  }

  /**
   * RFC 6675 section 5 step (4): enter SACK loss recovery. RecoveryPoint is SND.MAX;
   * ssthresh and cwnd are both set to half the flight (RFC 5681 equation 4).
   */
  enterSackRecovery(flight: number, sndMax: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.ssthresh;
    this.recover = sndMax;
    this.inRecovery = true;
    this.sackRecovery = true;
    this.caBytes = 0;
  }

  /** RFC 5681 section 3.1 equation 4 and the loss window after an RTO. */
  onTimeout(flight: number, sndMax: number): void {
    this.ssthresh = Math.max(Math.floor(flight / 2), 2 * this.mss);
    this.cwnd = this.mss;
    this.dupAcks = 0;
    this.inRecovery = false;
    this.sackRecovery = false;
    this.recover = sndMax;
    this.caBytes = 0;
  }
}
