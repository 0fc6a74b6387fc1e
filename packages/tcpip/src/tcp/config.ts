/**
 * TCP layer options: every bound and timer the layer uses, with defaults. Options
 * are given in bytes and milliseconds; `resolveConfig` validates them (RangeError
 * quoting the bad value) and converts times to the nanoseconds the core runs on.
 */

export interface TcpOptions {
  /** Send buffer per connection in bytes (default 65536). */
  readonly sendBufferSize?: number;
  /** Receive buffer per connection in bytes (default 65536); bounds the window we offer. */
  readonly receiveBufferSize?: number;
  /** Listen backlog when `listen` gives none (default 128). */
  readonly backlog?: number;
  /** Connections in SYN-RECEIVED across the layer; beyond it the oldest is dropped (default 256). */
  readonly maxHalfOpen?: number;
  /** Connections in TIME-WAIT; beyond it the oldest is dropped (default 4096). */
  readonly maxTimeWait?: number;
  /** All connections together (default 16384); connect fails "io" and SYNs are dropped beyond it. */
  readonly maxConnections?: number;
  /** Maximum segment lifetime in ms; TIME-WAIT lasts 2*MSL (default 10000). */
  readonly mslMs?: number;
  /** RTO before any RTT sample, in ms (default 1000, RFC 6298 section 2.1). */
  readonly rtoInitialMs?: number;
  /** Lower RTO bound in ms (default 200; RFC 6298 suggests 1000). */
  readonly rtoMinMs?: number;
  /** Upper RTO bound in ms (default 60000). */
  readonly rtoMaxMs?: number;
  /**
   * Consecutive retransmission timeouts before an established connection fails "timeout"
   * (default 15, Linux's tcp_retries2: about 15 minutes with a 200 ms base RTO; under 30%
   * loss each way BSD's 12 was reached by chance about once per 10 MB transferred).
   */
  readonly maxRetransmissions?: number;
  /** SYN / SYN-ACK retransmissions before giving up (default 5). */
  readonly maxSynRetransmissions?: number;
  /** Delayed-ACK timeout in ms, at most 200 (default 40; RFC 9293 section 3.8.6.3). */
  readonly delayedAckMs?: number;
  /** Nagle's algorithm (default true; RFC 9293 section 3.7.4). */
  readonly nagle?: boolean;
  /** Keepalive on connections made by `connect` (listeners choose per listen; default false). */
  readonly keepalive?: boolean;
  readonly keepaliveIdleMs?: number;
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveProbes?: number;
  /** How long a connection the application closed may sit in FIN-WAIT-2 (default 60000). */
  readonly finWait2TimeoutMs?: number;
  /** Out-of-order ranges the receive buffer tracks (default 16). */
  readonly maxOutOfOrderRanges?: number;
  /** Challenge ACKs per second, layer-wide (RFC 5961 section 7; default 100). */
  readonly challengeAckLimit?: number;
  readonly windowScaling?: boolean;
  readonly timestamps?: boolean;
  readonly sack?: boolean;
}

export interface TcpConfig {
  readonly sendBufferSize: number;
  readonly receiveBufferSize: number;
  readonly backlog: number;
  readonly maxHalfOpen: number;
  readonly maxTimeWait: number;
  readonly maxConnections: number;
  readonly msl: number;
  readonly rtoInitial: number;
  readonly rtoMin: number;
  readonly rtoMax: number;
  readonly maxRetransmissions: number;
  readonly maxSynRetransmissions: number;
  readonly delayedAck: number;
  readonly nagle: boolean;
  readonly keepalive: boolean;
  readonly keepaliveIdle: number;
  readonly keepaliveInterval: number;
  readonly keepaliveProbes: number;
  readonly finWait2Timeout: number;
  readonly maxOutOfOrderRanges: number;
  readonly challengeAckLimit: number;
  readonly windowScaling: boolean;
  readonly timestamps: boolean;
  readonly sack: boolean;
}

const MS = 1_000_000;

function int(name: string, value: number | undefined, dflt: number, min: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`TCP option ${name} must be an integer in ${min}..${max}, got ${String(value)}`);
  }
  return value;
}

export function resolveConfig(o: TcpOptions = {}): TcpConfig {
  const rtoMin = int("rtoMinMs", o.rtoMinMs, 200, 1, 60_000);
  const rtoMax = int("rtoMaxMs", o.rtoMaxMs, 60_000, rtoMin, 3_600_000);
  return {
    sendBufferSize: int("sendBufferSize", o.sendBufferSize, 65536, 1024, 1 << 30),
    // The window field scaled by at most 14 bits (RFC 7323 section 2.3) caps the buffer.
    receiveBufferSize: int("receiveBufferSize", o.receiveBufferSize, 65536, 1024, 1 << 30),
    backlog: int("backlog", o.backlog, 128, 1, 65535),
    maxHalfOpen: int("maxHalfOpen", o.maxHalfOpen, 256, 1, 1 << 20),
    maxTimeWait: int("maxTimeWait", o.maxTimeWait, 4096, 0, 1 << 20),
    maxConnections: int("maxConnections", o.maxConnections, 16384, 1, 1 << 22),
    msl: int("mslMs", o.mslMs, 10_000, 0, 600_000) * MS,
    rtoInitial: int("rtoInitialMs", o.rtoInitialMs, 1000, rtoMin, rtoMax) * MS,
    rtoMin: rtoMin * MS,
    rtoMax: rtoMax * MS,
    maxRetransmissions: int("maxRetransmissions", o.maxRetransmissions, 15, 1, 100),
    maxSynRetransmissions: int("maxSynRetransmissions", o.maxSynRetransmissions, 5, 0, 100),
    delayedAck: int("delayedAckMs", o.delayedAckMs, 40, 1, 200) * MS,
    nagle: o.nagle ?? true,
    keepalive: o.keepalive ?? false,
    keepaliveIdle: int("keepaliveIdleMs", o.keepaliveIdleMs, 7_200_000, 1, 1 << 30) * MS,
    keepaliveInterval: int("keepaliveIntervalMs", o.keepaliveIntervalMs, 75_000, 1, 1 << 30) * MS,
    keepaliveProbes: int("keepaliveProbes", o.keepaliveProbes, 9, 1, 1000),
    finWait2Timeout: int("finWait2TimeoutMs", o.finWait2TimeoutMs, 60_000, 1, 1 << 30) * MS,
    maxOutOfOrderRanges: int("maxOutOfOrderRanges", o.maxOutOfOrderRanges, 16, 1, 1024),
    challengeAckLimit: int("challengeAckLimit", o.challengeAckLimit, 100, 1, 1 << 20),
    windowScaling: o.windowScaling ?? true,
    timestamps: o.timestamps ?? true,
    sack: o.sack ?? true,
  };
}

/** Layer-wide counters (returned by `TcpLayer.stats`). */
export interface TcpStats {
  segmentsIn: number;
  segmentsOut: number;
  retransmissions: number;
  fastRetransmissions: number;
  timeouts: number;
  /** Malformed or unacceptable segments dropped (bad flags, bad ports, bad ACKs, ...). */
  droppedBad: number;
  /** Segments to a port with no connection or listener (answered with RST). */
  droppedNoListener: number;
  /** SYNs or handshake-completing ACKs dropped because the accept queue was full. */
  droppedBacklogFull: number;
  /** Half-open connections evicted to admit a new SYN. */
  droppedHalfOpen: number;
  /** Segments dropped by the PAWS test (RFC 7323 section 5). */
  droppedPaws: number;
  /** Segments outside the receive window. */
  droppedOutOfWindow: number;
  /** Out-of-order segments dropped because the reassembly range table was full. */
  droppedReassembly: number;
  challengeAcks: number;
  resetsSent: number;
  resetsReceived: number;
  activeOpens: number;
  passiveOpens: number;
  connectionsOpen: number;
  halfOpen: number;
  timeWait: number;
  /** Connections the app closed whose data or FIN the peer has not acknowledged yet. */
  closing: number;
}

export function emptyStats(): TcpStats {
  return {
    segmentsIn: 0,
    segmentsOut: 0,
    retransmissions: 0,
    fastRetransmissions: 0,
    timeouts: 0,
    droppedBad: 0,
    droppedNoListener: 0,
    droppedBacklogFull: 0,
    droppedHalfOpen: 0,
    droppedPaws: 0,
    droppedOutOfWindow: 0,
    droppedReassembly: 0,
    challengeAcks: 0,
    resetsSent: 0,
    resetsReceived: 0,
    activeOpens: 0,
    passiveOpens: 0,
    connectionsOpen: 0,
    halfOpen: 0,
    timeWait: 0,
    closing: 0,
  };
}
