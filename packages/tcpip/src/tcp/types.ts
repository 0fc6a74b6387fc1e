/** The interface between the TCP layer and the stack that owns it. */
import type { Tcp } from "@mirage-ts/devices";
import type { TcpRepr } from "@mirage-ts/wire";
import type { TcpStats } from "./config.ts";

export interface TcpEnv {
  /** Monotonic time in nanoseconds. */
  now(): number;
  /** CSPRNG bytes. */
  random(length: number): Uint8Array;
  /** Send a segment now; the stack routes it, emits bytes and the checksum. */
  output(src: number, dst: number, segment: TcpRepr): void;
  /** Largest segment payload toward dst (path MTU - 40). */
  mss(dst: number): number;
  /** Our source address for a connection to dst, or undefined if there is no route (connect fails "unreachable"). */
  sourceFor(dst: number): number | undefined;
  /** pollAt() may have changed (a timer was armed or the app acted): the stack re-reads it and calls poll when due. */
  schedule(): void;
}

export interface TcpLayer extends Tcp {
  /** A segment addressed to one of our addresses (checksum already verified). */
  input(src: number, dst: number, segment: TcpRepr): void;
  /** ICMP destination unreachable about a segment we sent (RFC 9293 3.10.7 / RFC 5927). */
  unreachable(src: number, dst: number, srcPort: number, dstPort: number, code: number): void;
  /** The earliest timer deadline (ns), or undefined when none is armed. */
  pollAt(): number | undefined;
  /** Runs the timers that are due at env.now(). */
  poll(): void;
  stats(): TcpStats;
  /** Close everything (RST established connections) — stack disconnect. */
  shutdownAll(): void;
}
