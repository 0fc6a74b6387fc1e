import type { ErrorValue } from "./error.ts";
import type { Result } from "./result.ts";
import type { Ipv4Config } from "./stack.ts";

/**
 * The lower layers of a direct stack, as mirage-tcpip exposes Ethernet, ARP, IPv4 and
 * ICMP beside the stack: what an app may inspect or use directly. The socket stack
 * has none of these (the host's kernel owns them).
 */
export interface Ethernet {
  readonly mac: Uint8Array;
  /** Largest IP packet carried. */
  readonly mtu: number;
}

export interface ArpEntry {
  readonly address: string;
  /** "aa:bb:cc:dd:ee:ff" */
  readonly mac: string;
  readonly expiresInNs: number;
}

export interface Arp {
  /** The cache's resolved entries. */
  entries(): readonly ArpEntry[];
}

export interface Ipv4 {
  addresses(): readonly Ipv4Config[];
  readonly mtu: number;
}

export interface PingReply {
  readonly address: string;
  readonly seq: number;
  /** ICMP data bytes echoed back. */
  readonly bytes: number;
  readonly rttNs: number;
}

export interface PingOptions {
  /** ICMP data bytes (default 56, as ping(8)); up to 65507, larger ones are fragmented. */
  readonly size?: number;
  /** Default 1 s. */
  readonly timeoutNs?: number;
}

export type PingError = ErrorValue<"timeout" | "unreachable">;

export interface Icmp {
  /** Sends one echo request and waits for its reply. */
  ping(address: string, options?: PingOptions): Promise<Result<PingReply, PingError>>;
}
