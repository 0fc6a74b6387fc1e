/**
 * The parsed representation of a TCP segment (RFC 9293 section 3.1), shared by the
 * codec (tcp.ts) and the TCP state machine in @mirage-ts/tcpip. Sequence and
 * acknowledgement numbers are unsigned 32-bit integers held in plain numbers.
 */
export const TCP_FLAG = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

export interface TcpTimestamp {
  /** TSval (RFC 7323 section 3). */
  readonly value: number;
  /** TSecr. */
  readonly echo: number;
}

/** Options this stack reads and writes; others are skipped on parse. */
export interface TcpOptions {
  readonly mss?: number;
  /** Shift count, 0..14 (RFC 7323 section 2). */
  readonly windowScale?: number;
  readonly sackPermitted?: boolean;
  /** SACK blocks as [left, right) sequence numbers (RFC 2018), at most 4. */
  readonly sack?: ReadonlyArray<readonly [number, number]>;
  readonly timestamp?: TcpTimestamp;
}

export interface TcpRepr {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Bitwise OR of TCP_FLAG values. */
  readonly flags: number;
  /** The raw 16-bit window field (unscaled). */
  readonly window: number;
  readonly urgent: number;
  readonly options: TcpOptions;
  readonly payload: Uint8Array;
}
