/**
 * The contracts between the stack core and the TCP and DHCP state machines, stated
 * structurally here so the core can be tested with stubs and does not depend on those
 * modules' internals. `tcp/index.ts` and `dhcp/client.ts` implement them.
 */
import type { Tcp } from "@mirage-ts/devices";
import type { TcpRepr } from "@mirage-ts/wire";

export interface TcpEnvLike {
  now(): number;
  random(length: number): Uint8Array;
  /** Sends one segment from local address `src` to `dst`. */
  output(src: number, dst: number, segment: TcpRepr): void;
  /** The MSS to advertise for a peer: the path MTU less 40 bytes. */
  mss(dst: number): number;
  /** Our source address for `dst`, or undefined when there is no route. */
  sourceFor(dst: number): number | undefined;
  /** Tells the shell that `pollAt` may have moved earlier. */
  schedule(): void;
}

export interface TcpLayerLike extends Tcp {
  input(src: number, dst: number, segment: TcpRepr): void;
  /** An ICMP error about a segment we sent from src:srcPort to dst:dstPort. */
  unreachable(src: number, dst: number, srcPort: number, dstPort: number, code: number): void;
  pollAt(): number | undefined;
  poll(): void;
  stats(): object;
  shutdownAll(): void;
}

export type CreateTcpLayer = (env: TcpEnvLike) => TcpLayerLike;

export interface DhcpSendLike {
  readonly src: number;
  readonly dst: number;
  readonly payload: Uint8Array;
}

export interface DhcpLeaseLike {
  readonly address: number;
  readonly prefix: number;
  readonly gateway?: number | undefined;
  readonly dnsServers: readonly number[];
  readonly leaseSeconds: number;
  readonly serverId: number;
  readonly obtainedAt: number;
}

export interface DhcpEventLike {
  readonly kind: "bound" | "renewed" | "lost";
  readonly lease: DhcpLeaseLike;
}

export interface DhcpClientLike {
  start(now: number): DhcpSendLike[];
  input(now: number, udpPayload: Uint8Array): DhcpSendLike[];
  pollAt(): number | undefined;
  poll(now: number): DhcpSendLike[];
  takeEvents(): DhcpEventLike[];
  release(now: number): DhcpSendLike[];
}

export type CreateDhcpClient = (options: { mac: Uint8Array; random: (n: number) => Uint8Array; hostname?: string }) => DhcpClientLike;
