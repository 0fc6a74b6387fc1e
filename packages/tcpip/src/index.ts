/**
 * @module @mirage-ts/tcpip
 *
 * The direct TCP/IP stack (mirage-tcpip's counterpart): ARP, IPv4, ICMPv4, UDP, TCP
 * and a DHCP client, each a pure state machine driven by `now` (nanoseconds), glued
 * by `StackCore` (synchronous frame demux and send path) and wrapped by `directStack`
 * into the `Stack` device interface over a `Network`.
 *
 * Guarantees: nothing received from the network makes the stack throw; bad frames are
 * dropped and counted per layer (`stats()`); memory is bounded under any input (ARP
 * cache and pending queues, reassembly buffers, TCP tables and buffers); one timer is
 * armed for the earliest deadline of all machines. Time and randomness are injected
 * (defaulting to @mirage-ts/runtime), so the network simulator runs the stack on
 * virtual time. Pure ECMAScript 2022.
 */
export { directStack, type DirectStackOptions } from "./direct-stack.ts";
export {
  createDirectStack,
  flattenStats,
  type DirectStack,
  type ShellDeps,
  type ShellOptions,
  type StackTime,
  type StaticIpv4,
} from "./shell.ts";
export { StackCore, type Counters, type StackCoreOptions, type StackStats } from "./core.ts";
export { ArpCache, ARP_REPLY, ARP_REQUEST, type ArpMessage, type ArpOptions, type ArpOutput, type ArpStats } from "./arp.ts";
export { Reassembler, MAX_IPV4_PAYLOAD, type Fragment, type Reassembled, type ReassemblyDrop, type ReassemblyOptions } from "./reassembly.ts";
export { fragmentSpans, type FragmentSpan } from "./fragment.ts";
export { Ipv4Output, type Ipv4OutputOptions, type Ipv4OutputStats, type PendingFrame, type SendDone } from "./ipv4-output.ts";
export { route, onLink, netmask, subnetBroadcast, checkInterface, LIMITED_BROADCAST, type Ipv4Interface, type Route } from "./route.ts";
export { TokenBucket, mayAnswerWithError, ICMP_QUOTE_LIMIT, type RateLimitOptions } from "./icmp.ts";
export { UdpLayer, MAX_UDP_PAYLOAD, type UdpLayerStats, type UdpTransmit } from "./udp.ts";
export type { TcpEnvLike, TcpLayerLike, CreateTcpLayer, DhcpClientLike, CreateDhcpClient, DhcpSendLike, DhcpEventLike, DhcpLeaseLike } from "./layers.ts";
export { createTcpLayer, type TcpEnv, type TcpLayer, type TcpOptions, type TcpStats, type TcpState } from "./tcp/index.ts";
export { DhcpClient, type DhcpClientOptions, type DhcpEvent, type DhcpLease, type DhcpSend, type DhcpState } from "./dhcp/client.ts";
