/**
 * @mirage-ts/dns: the DNS wire format (RFC 1035 messages with name compression,
 * RFC 3597 unknown types, RFC 6891 EDNS(0)), a master-file (zone) parser, and the
 * authoritative answer logic (`ZoneStore`, `answerQuery`/`answerPacket`: NXDOMAIN and
 * NODATA with the SOA, CNAME chains, referrals with glue, wildcards, minimal ANY, UDP
 * truncation). Pure ECMAScript: decoding never throws on untrusted bytes and returns a
 * ParseError; zone errors come back as a `file:line: message` list.
 */
export type { Name } from "./name.ts";
export { name, parseName, nameToString, nameEquals, nameKey, isSubdomain, labelEquals, nameWireLength, checkName, MAX_LABEL, MAX_NAME } from "./name.ts";
export type { Rdata, ResourceRecord, Question, Edns, EdnsOption, Message } from "./types.ts";
export { RrType, RrClass, Opcode, Rcode, typeToString, classToString, typeFromString, classFromString } from "./types.ts";
export { decodeName, type DecodedName } from "./wire-name.ts";
export { decodeMessage, encodeMessage, HEADER_SIZE, type EncodeOptions, type Encoded } from "./message.ts";
export { parseZone, type ZoneError, type ZoneOptions, type ZoneResult } from "./zone.ts";
export { parseIpv4, parseIpv6, ipv4ToString, ipv6ToString } from "./text.ts";
export { rdataToString, recordToString, characterString } from "./present.ts";
export { ZoneStore, type Zone, type ZoneNode, type ZoneStoreError, type ZoneStoreErrorKind } from "./zone-store.ts";
export { answerQuery, answerPacket, type AnswerOptions, type Answer } from "./authority.ts";
export { Resolver, resolve, encodeQuery, type Resolution, type ResolveError, type ResolveErrorCode, type ResolverOptions } from "./resolver.ts";
export { parseDnsServers } from "./resolver-servers.ts";
export { dnsServersArg } from "./resolver-boot.ts";
export type { Nameserver, ResolverStats, ResolverTime } from "./resolver-transport.ts";
export { serveDns, type DnsServer, type DnsServerOptions, type DnsServerStats } from "./server.ts";
export { TcpFramer, frameMessages, type FramerResult } from "./server-framing.ts";
