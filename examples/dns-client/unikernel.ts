import type { Stack } from "@mirage-ts/devices";
import { Resolver, classToString, nameToString, dnsServersArg, parseName, rdataToString, typeFromString, typeToString, type ResourceRecord } from "@mirage-ts/dns";
import { EXIT, bootArg, exit, log } from "@mirage-ts/runtime";

const domainName = bootArg.custom<string | undefined>("domain-name", {
  doc: "The name to resolve (required).",
  docv: "NAME",
  default: undefined,
  defaultText: "none, required",
  parse: (text) => {
    const n = parseName(text.endsWith(".") ? text : text + ".");
    return n.ok ? { ok: true, value: text } : { ok: false, message: `not a domain name: ${n.error}` };
  },
});
const dnsServers = dnsServersArg("Servers to ask");
const rrType = bootArg.custom<number>("type", {
  doc: "The record type to ask for: A, AAAA, MX, TXT, ... or TYPEnnn.",
  docv: "TYPE",
  default: 1,
  defaultText: "A",
  parse: (text) => {
    const t = typeFromString(text);
    return t === undefined ? { ok: false, message: `unknown record type ${JSON.stringify(text)}` } : { ok: true, value: t };
  },
});
const timeout = bootArg.int("timeout", { default: 2000, min: 1, max: 60_000, doc: "Milliseconds to wait for an answer, per try.", docv: "MS" });
const tries = bootArg.int("tries", { default: 3, min: 1, max: 20, doc: "Queries sent in all before giving up, rotating over the servers." });

/** Like dig: `example.org. 3600 IN A 192.0.2.1`. */
function show(rr: ResourceRecord): string {
  return `${nameToString(rr.name)} ${rr.ttl} ${classToString(rr.class)} ${typeToString(rr.type)} ${rdataToString(rr.data)}`;
}

/**
 * Resolves `--domain-name` with the stub resolver and prints the answer (CNAMEs
 * followed, then the records), one record a line; exits 1 with the reason when there
 * is no answer (NXDOMAIN, no record of the type, timeout, ...).
 */
export async function start(stack: Stack): Promise<void> {
  const name = domainName();
  if (name === undefined) {
    log.error("--domain-name is required, e.g. --domain-name=example.org");
    return exit(EXIT.BAD_ARGUMENT);
  }
  const servers = dnsServers(stack);
  const resolver = new Resolver(stack, { servers, timeoutMs: timeout(), tries: tries() });
  const r = await resolver.resolve(name, rrType());
  if (!r.ok) {
    log.error(r.error.message);
    return exit(EXIT.FAILURE);
  }
  for (const rr of [...r.value.cnames, ...r.value.records]) log.info(show(rr));
  const s = r.value.server;
  log.debug(`answer from ${s.address}:${s.port} over ${r.value.transport.toUpperCase()}`);
}
