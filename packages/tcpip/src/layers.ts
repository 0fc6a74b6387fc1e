/**
 * What the stack core needs of its TCP layer and DHCP client. The types are those of
 * tcp/ and dhcp/, narrowed to the members the core uses, so that core tests can stub
 * them without depending on those modules' internals.
 */
import type { DhcpClient, DhcpClientOptions, DhcpEvent, DhcpLease, DhcpSend } from "./dhcp/client.ts";
import type { TcpEnv, TcpLayer } from "./tcp/types.ts";

export type TcpEnvLike = TcpEnv;

/** A TCP layer, whatever the exact shape of its statistics. */
export type TcpLayerLike = Omit<TcpLayer, "stats"> & { stats(): object };

export type CreateTcpLayer = (env: TcpEnvLike) => TcpLayerLike;

export type DhcpSendLike = DhcpSend;
export type DhcpLeaseLike = DhcpLease;
export type DhcpEventLike = DhcpEvent;

export type DhcpClientLike = Pick<DhcpClient, "start" | "input" | "pollAt" | "poll" | "takeEvents" | "release">;

export type CreateDhcpClient = (options: DhcpClientOptions) => DhcpClientLike;
