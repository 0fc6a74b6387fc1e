/**
 * @module @mirage-ts/devices
 *
 * The device interfaces that unikernels are written against, and the one error
 * family. Implementations live in storage, platform and (later) network packages;
 * an app names only these types. Pure ECMAScript 2022: types and tiny helpers only.
 */
export type { Result } from "./result.ts";
export { ok, err } from "./result.ts";
export { MirageError, unwrap } from "./error.ts";
export type { ErrorValue } from "./error.ts";
export type { KvRo, KvRw, KvEntryKind, KvError, KvErrorCode, KvWriteError, KvWriteErrorCode } from "./kv.ts";
export type { Block, BlockInfo, BlockError, BlockErrorCode } from "./block.ts";
export { utf8Encode, utf8Decode } from "./text.ts";
export type { Network, NetworkStats, NetError, NetErrorCode } from "./network.ts";
export { ETHERNET_HEADER, FrameDevice } from "./frame-device.ts";
export type {
  Stack,
  Tcp,
  TcpListenOptions,
  Udp,
  Flow,
  FlowError,
  FlowErrorCode,
  Datagram,
  Endpoint,
  UdpError,
  UdpErrorCode,
  Ipv4Config,
} from "./stack.ts";
export type { Ethernet, Arp, ArpEntry, Ipv4, Icmp, PingReply, PingOptions, PingError } from "./net-layers.ts";
