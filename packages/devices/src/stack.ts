import type { ErrorValue } from "./error.ts";
import type { Result } from "./result.ts";

/**
 * The TCP/IP stack as apps see it, modelled on mirage-tcpip's Stack.V4V6 (IPv4 for
 * now). Two implementations share it: the pure direct stack (@mirage-ts/tcpip) over a
 * `Network`, and on unix the socket stack over the host's own TCP/IP.
 * Addresses are dotted-quad strings at this boundary ("10.0.0.2").
 */
export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export type FlowErrorCode =
  | "refused" // connect: RST in answer to SYN, or ICMP port unreachable
  | "timeout" // connect or retransmission gave up
  | "reset" // the peer reset an established connection
  | "unreachable" // no route, ARP failed, or ICMP unreachable
  | "closed" // write after close/shutdown
  | "io";

export type FlowError = ErrorValue<FlowErrorCode>;

/** A reliable byte stream (a TCP connection), modelled on mirage-flow. */
export interface Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** The next bytes received, or null at end of stream (the peer sent FIN). */
  read(): Promise<Result<Uint8Array | null, FlowError>>;
  /** Resolves when `data` fits in the send buffer (backpressure), not when it is acknowledged. */
  write(data: Uint8Array): Promise<Result<void, FlowError>>;
  writev(data: readonly Uint8Array[]): Promise<Result<void, FlowError>>;
  /** Half-closes: "write" sends FIN after buffered data; "read" discards further input. */
  shutdown(mode: "read" | "write" | "both"): Promise<void>;
  /** Closes both directions and releases the connection. */
  close(): Promise<void>;
}

export interface TcpListenOptions {
  /** Connections completed but not yet handed to the callback, at most (default 128). */
  readonly backlog?: number;
  /** Send keepalive probes on idle connections. */
  readonly keepalive?: boolean;
}

export interface Tcp {
  /** Calls `onFlow` for each new connection to `port` until `unlisten`. */
  listen(port: number, onFlow: (flow: Flow) => void | Promise<void>, options?: TcpListenOptions): void;
  unlisten(port: number): void;
  connect(address: string, port: number): Promise<Result<Flow, FlowError>>;
}

export interface Datagram {
  readonly src: Endpoint;
  readonly dst: Endpoint;
  readonly data: Uint8Array;
}

export type UdpErrorCode = "too_large" | "unreachable" | "io";
export type UdpError = ErrorValue<UdpErrorCode>;

export interface Udp {
  /** Calls `onDatagram` for each datagram to `port` until `unlisten`. */
  listen(port: number, onDatagram: (d: Datagram) => void): void;
  unlisten(port: number): void;
  send(address: string, port: number, data: Uint8Array, options?: { readonly srcPort?: number }): Promise<Result<void, UdpError>>;
}

export interface Ipv4Config {
  /** "10.0.0.2" */
  readonly address: string;
  /** Prefix length, e.g. 24. */
  readonly prefix: number;
  readonly gateway?: string;
}

export interface Stack {
  readonly udp: Udp;
  readonly tcp: Tcp;
  /** The addresses the stack answers on (empty until DHCP has a lease). */
  addresses(): readonly Ipv4Config[];
  /** Counters by name ("icmp.echo_requests", "tcp.segments_in", ...), flattened; optional. */
  stats?(): Readonly<Record<string, number>>;
  disconnect(): Promise<void>;
}
