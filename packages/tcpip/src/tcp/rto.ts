/**
 * The retransmission timer's value per RFC 6298: SRTT/RTTVAR smoothing (section 2),
 * a lower and upper bound, and exponential backoff on expiry (section 5.5). Times in
 * nanoseconds.
 */
export interface RtoBounds {
  readonly initial: number;
  readonly min: number;
  readonly max: number;
}

/** Clock granularity G of RFC 6298 section 2; our timestamp clock ticks in ms. */
const GRANULARITY_NS = 1_000_000;

export class RtoEstimator {
  srtt = 0;
  rttvar = 0;
  hasSample = false;
  /** Number of doublings applied since the last valid RTT sample or new ACK. */
  backoffs = 0;
  private base: number;

  constructor(private readonly bounds: RtoBounds) {
    this.base = bounds.initial;
  }

  /** Feeds one RTT measurement R (ns); never from a retransmitted segment (Karn). */
  sample(r: number): void {
    if (r < 0) r = 0;
    if (!this.hasSample) {
      // RFC 6298 section 2.2.
      this.srtt = r;
      this.rttvar = r / 2;
      this.hasSample = true;
    } else {
      // Section 2.3: RTTVAR first, with the old SRTT; alpha = 1/8, beta = 1/4.
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.base = this.srtt + Math.max(GRANULARITY_NS, 4 * this.rttvar);
    this.backoffs = 0;
  }

  /** The timeout to arm now, backoff included and clamped (sections 2.4, 2.5). */
  rto(): number {
    const clamped = Math.min(Math.max(this.base, this.bounds.min), this.bounds.max);
    return Math.min(clamped * 2 ** this.backoffs, this.bounds.max);
  }

  /** Section 5.5: double the RTO after the timer expires. */
  backoff(): void {
    if (this.rto() < this.bounds.max) this.backoffs++;
  }

  resetBackoff(): void {
    this.backoffs = 0;
  }
}
