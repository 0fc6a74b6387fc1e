/**
 * @module @mirage-ts/tcpip/tcp
 *
 * TCP for the direct stack (RFC 9293 and friends): a deterministic per-connection
 * state machine driven by segments and `now`, plus a thin async shell (Flow,
 * listen, connect). The stack feeds `input`, routes `output`, and calls `poll` at
 * `pollAt`. Guarantees: every buffer is bounded (send, receive, reassembly ranges,
 * accept queue, half-open and TIME-WAIT tables), bad segments are dropped and
 * counted, never thrown, and no timer or promise lives inside the core.
 *
 * Split by concern: seq.ts (mod 2^32 arithmetic), isn.ts (RFC 6528), rto.ts
 * (RFC 6298), congestion.ts (RFC 5681/6582 NewReno), scoreboard.ts and
 * sack-recovery.ts (RFC 2018/6675 SACK loss recovery when both ends offer SACK;
 * NewReno otherwise), send-buffer.ts and
 * recv-buffer.ts (reassembly, SACK blocks), connection.ts (TCB), input.ts
 * (segment arrival), output.ts (send path), timers.ts, app.ts (application
 * operations), layer.ts (demux, LISTEN, bounds), flow.ts (the async shell).
 */
export { createTcpLayer } from "./layer.ts";
export type { TcpEnv, TcpLayer } from "./types.ts";
export type { TcpOptions, TcpStats } from "./config.ts";
export type { TcpState } from "./connection.ts";
