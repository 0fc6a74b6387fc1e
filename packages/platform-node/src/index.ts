/**
 * @module @mirage-ts/platform-node
 *
 * The unix target: the ambient runtime's host over Node.js (`./host.ts`, bound by
 * the build's alias, not imported from here) and the devices that only exist on a
 * host operating system. This is a platform package: it may use `node:*` freely.
 */
export { directKvRo } from "./kv-direct.ts";
export { blockOfFile } from "./block-file.ts";
export { socketStack, type SocketStackOptions } from "./socket-stack.ts";
export { tapNetwork, type TapOptions } from "./net-tap.ts";
export { udpLink, type UdpLinkOptions, type UdpLinkEndpoint } from "./net-udp.ts";
export { withPcap } from "./pcap.ts";
