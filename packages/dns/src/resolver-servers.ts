/** Parsing a server list as given on a command line: `192.0.2.53,198.51.100.1:5353`. */
import { type Result, err, ok } from "@mirage-ts/devices";
import type { Nameserver } from "./resolver-transport.ts";
import { parseIpv4 } from "./text.ts";

/** Comma-separated `ipv4[:port]` entries (port default 53); whitespace around entries is ignored. */
export function parseDnsServers(text: string, defaultPort = 53): Result<Nameserver[], string> {
  const out: Nameserver[] = [];
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") return err(`empty entry in server list ${JSON.stringify(text)}`);
    const m = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(entry);
    if (!m || parseIpv4(m[1]!) === undefined) return err(`${JSON.stringify(entry)} is not an IPv4 address with an optional :port`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (port < 1 || port > 65535) return err(`port ${port} of ${JSON.stringify(entry)} is not in 1..65535`);
    out.push({ address: m[1]!, port });
  }
  return ok(out);
}
