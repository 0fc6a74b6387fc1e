/**
 * @module @mirage-ts/wire
 *
 * Wire codecs for the network stack: Ethernet II, ARP, IPv4, ICMPv4, UDP, TCP (and
 * DHCP), plus address helpers and the Internet checksum. Pure ECMAScript 2022.
 *
 * Per protocol (smoltcp's model, DESIGN.md section 4) there is a checked view over
 * bytes (`EthernetFrame`, `ArpPacket`, `Ipv4Packet`, `IcmpPacket`, `UdpPacket`,
 * `TcpSegment`: once `check` succeeds no accessor reads out of bounds) and a small
 * representation with `parseX` / `emitX` / `emitXInto` (or `emitXHeader`) and a length
 * function. Parsing untrusted bytes never throws: it returns a `ParseError` whose code
 * is truncated, bad_checksum, malformed or unsupported. Emitting from a bad
 * representation is API misuse and throws a RangeError/TypeError. Parsed payloads are
 * views into the input, not copies.
 */
export * from "./errors.ts";
export * from "./addr.ts";
export * from "./checksum.ts";
export * from "./ethernet.ts";
export * from "./arp.ts";
export * from "./ipv4.ts";
export * from "./icmp.ts";
export * from "./udp.ts";
export * from "./tcp-repr.ts";
export * from "./tcp-options.ts";
export * from "./tcp.ts";
export * from "./dhcp.ts";
