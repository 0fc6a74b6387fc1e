/** The stub resolver's public surface, re-exported by index.ts in one line. */
export { Resolver, resolve, encodeQuery, type Resolution, type ResolveError, type ResolveErrorCode, type ResolverOptions } from "./resolver.ts";
export { parseDnsServers } from "./resolver-servers.ts";
export { dnsServersArg } from "./resolver-boot.ts";
export type { Nameserver, ResolverStats, ResolverTime } from "./resolver-transport.ts";
