import type { ErrorValue } from "./error.ts";
import type { Result } from "./result.ts";

/**
 * A network interface that sends and receives raw Ethernet II frames, modelled on
 * mirage-net. Frames exclude the FCS. Implementations: a Linux tap device and a UDP
 * link on unix, the tender's net device on hvt/spt, an in-memory switch port in tests.
 */
export interface NetworkStats {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
  /** Frames dropped on receive (too large, queue full, ...). */
  rxDropped: number;
  /** Frames that could not be sent. */
  txDropped: number;
}

export type NetErrorCode =
  | "too_large" // the frame exceeds MTU + the 14-byte Ethernet header
  | "disconnected"
  | "io";

export type NetError = ErrorValue<NetErrorCode>;

export interface Network {
  /** The interface's MAC address, 6 bytes. */
  readonly mac: Uint8Array;
  /** The largest Ethernet payload (IP packet) it carries, usually 1500. */
  readonly mtu: number;
  /**
   * Delivers each received frame to `onFrame` (which must not keep the buffer past its
   * return unless it copies it) until `disconnect`; resolves then. One listener at a time.
   */
  listen(onFrame: (frame: Uint8Array) => void): Promise<Result<void, NetError>>;
  /** Sends one frame (destination MAC first); resolves once the platform took it. */
  write(frame: Uint8Array): Promise<Result<void, NetError>>;
  stats(): NetworkStats;
  resetStats(): void;
  disconnect(): Promise<void>;
}
