import { type Stack, utf8Decode } from "@mirage-ts/devices";
import { Resolver, dnsServersArg } from "@mirage-ts/dns";
import { httpRequest } from "@mirage-ts/http";
import { EXIT, bootArg, exit, log } from "@mirage-ts/runtime";

const uri = bootArg.custom<string | undefined>("uri", {
  doc: "The http:// URL to fetch (required).",
  docv: "URL",
  default: undefined,
  defaultText: "none, required",
  parse: (text) => ({ ok: true, value: text }),
});
const method = bootArg.string("method", { default: "GET", doc: "The request method (GET, HEAD, POST, ...).", docv: "METHOD" });
const data = bootArg.custom<string | undefined>("data", {
  doc: "A request body to send (UTF-8), e.g. with --method=POST.",
  docv: "TEXT",
  default: undefined,
  defaultText: "none",
  parse: (text) => ({ ok: true, value: text }),
});
const dnsServers = dnsServersArg("Servers that resolve the URL's host name");
const timeout = bootArg.int("timeout", { default: 30_000, min: 1, max: 3_600_000, doc: "Milliseconds for the whole fetch, redirects included.", docv: "MS" });
const maxRedirects = bootArg.int("max-redirects", { default: 5, min: 0, max: 50, doc: "Redirects followed at most (0: print the 3xx itself)." });
const maxBody = bootArg.int("max-body", { default: 16 * 1024 * 1024, min: 0, doc: "Largest response body accepted, in bytes.", docv: "BYTES" });

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The first line of a text body, short and with control characters escaped, for a glance. */
function firstLine(body: Uint8Array): string {
  const text = utf8Decode(body.subarray(0, 512)).split(/\r?\n/)[0]!;
  const clean = text.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return clean.length > 120 ? clean.slice(0, 120) + "..." : clean;
}

/**
 * Fetches `--uri` with the HTTP client (redirects followed, host names resolved with
 * the DNS stub resolver) and prints the status, the body length and its first line;
 * exits 1 with the reason when there is no response.
 */
export async function start(stack: Stack): Promise<void> {
  const url = uri();
  if (url === undefined) {
    log.error("--uri is required, e.g. --uri=http://10.0.0.1:8080/");
    return exit(EXIT.BAD_ARGUMENT);
  }
  if (!METHOD.test(method())) {
    log.error(`--method: ${JSON.stringify(method())} is not a method name`);
    return exit(EXIT.BAD_ARGUMENT);
  }
  let resolver: Resolver | undefined;
  const resolve = async (host: string) => {
    resolver ??= new Resolver(stack, { servers: dnsServers(stack) });
    const r = await resolver.resolveIpv4(host);
    return r.ok ? { ok: true as const, value: r.value[0]! } : r;
  };
  const body = data();
  const r = await httpRequest(stack, {
    url,
    method: method(),
    ...(body !== undefined ? { body } : {}),
    timeoutMs: timeout(),
    maxRedirects: maxRedirects(),
    maxBodyBytes: maxBody(),
    resolve,
  });
  if (!r.ok) {
    log.error(r.error.message);
    return exit(EXIT.FAILURE);
  }
  const res = r.value;
  if (res.redirects.length > 0) log.info(`redirected ${res.redirects.length} ${res.redirects.length === 1 ? "time" : "times"} to ${res.url}`);
  log.info(`status ${res.status}`);
  log.info(`body ${res.body.length} bytes`);
  if (res.body.length > 0) log.info(`first line: ${firstLine(res.body)}`);
}
