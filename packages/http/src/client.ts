/**
 * A small HTTP/1.1 client over any `Tcp` (RFC 9110, 9112): one request per
 * connection (`Connection: close`), responses framed by Content-Length, chunked
 * coding or the server closing, 1xx interim responses skipped, redirects followed.
 *
 * Bounded: the whole exchange, redirects included, must finish within `timeoutMs`,
 * and a body beyond `maxBodyBytes` is an error, whatever its framing. Only http://
 * (no TLS); host names go through the caller's `resolve` (a DNS stub resolver), IPv4
 * literals are used as they are.
 *
 * Redirects (RFC 9110 15.4): 301, 302, 303, 307 and 308 with a Location are followed
 * up to `maxRedirects`, the Location resolved against the current URL (RFC 3986 5.2).
 * 303 turns any method but HEAD into GET; 301 and 302 turn POST into GET, as user
 * agents do (15.4.2, 15.4.3); 307 and 308 keep the method and body. When the body is
 * dropped, so are the headers describing it; credentials are not sent to another
 * origin. A 3xx without Location is returned as it is.
 */
import { type ErrorValue, type Flow, type Result, type Tcp, err, ok, utf8Encode } from "@mirage-ts/devices";
import { monotonicNs, setTimer } from "@mirage-ts/runtime";
import { isToken } from "./bytes.ts";
import { type HttpUrl, isIpv4, parseHttpUrl, resolveReference } from "./client-url.ts";
import { Headers, type HeaderInit } from "./headers.ts";
import type { ParserLimits } from "./message-parser.ts";
import { ResponseParser, type ResponseHead } from "./response-parser.ts";
import { encodeRequestHead } from "./serializer.ts";

export type HttpClientErrorCode =
  | "bad_url"
  | "unsupported_scheme"
  /** The host name could not be resolved (or no resolver was given). */
  | "resolve"
  /** The TCP connection could not be made (refused, unreachable, ...). */
  | "connect"
  | "timeout"
  /** The connection failed while sending or receiving (reset, ...). */
  | "io"
  /** The response is not valid HTTP/1.1 (or ends early). */
  | "protocol"
  | "too_large"
  | "too_many_redirects";

export type HttpClientError = ErrorValue<HttpClientErrorCode>;

export interface HttpRequestOptions {
  readonly url: string;
  /** Default GET. */
  readonly method?: string;
  /** Added to (and overriding) Host, User-Agent and Accept; no Content-Length or Transfer-Encoding. */
  readonly headers?: HeaderInit;
  /** Sent with a Content-Length; strings as UTF-8. */
  readonly body?: Uint8Array | string;
  /** Redirects followed at most (default 5; 0 returns the 3xx itself). */
  readonly maxRedirects?: number;
  /** The whole exchange, redirects included (default 30000). */
  readonly timeoutMs?: number;
  /** Largest response body accepted (default 16 MiB). */
  readonly maxBodyBytes?: number;
  /** Host name to IPv4 address, e.g. a DNS stub resolver; without it only IPv4 literals work. */
  readonly resolve?: (host: string) => Promise<Result<string, ErrorValue>>;
  /** Limits on the response head (defaults as for the parser). */
  readonly limits?: Partial<Omit<ParserLimits, "maxBodyBytes">>;
}

export interface HttpResponse {
  readonly status: number;
  readonly reason: string;
  readonly version: "1.0" | "1.1";
  readonly headers: Headers;
  readonly body: Uint8Array;
  /** The URL that gave this response (after redirects), without fragment. */
  readonly url: string;
  /** The URLs redirected from, in order (empty when none). */
  readonly redirects: readonly string[];
}

/** The client's own connection: a parsed URL, the method and body to send. */
interface Hop {
  url: HttpUrl;
  method: string;
  body: Uint8Array | undefined;
  headers: Headers;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];
const CREDENTIALS = ["authorization", "cookie", "proxy-authorization"];
const TIMEOUT = Symbol("timeout");

function intOption(name: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`httpRequest: ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

/** Sends one request and returns the final response (after redirects), or a typed error. */
export async function httpRequest(stack: { readonly tcp: Tcp }, opts: HttpRequestOptions): Promise<Result<HttpResponse, HttpClientError>> {
  const maxRedirects = intOption("maxRedirects", opts.maxRedirects, 5, 0);
  const timeoutMs = intOption("timeoutMs", opts.timeoutMs, 30_000, 1);
  const maxBody = intOption("maxBodyBytes", opts.maxBodyBytes, 16 * 1024 * 1024, 0);
  const first = parseHttpUrl(opts.url);
  if (!first.ok) return first;
  const body = typeof opts.body === "string" ? utf8Encode(opts.body) : opts.body;
  if (body !== undefined && !(body instanceof Uint8Array)) throw new TypeError("httpRequest: body must be a Uint8Array or a string");
  const method = opts.method ?? "GET";
  if (!isToken(method)) throw new TypeError(`httpRequest: bad method ${JSON.stringify(method)}`);
  const hop: Hop = { url: first.value, method, body, headers: new Headers(opts.headers) };
  const deadline = monotonicNs() + timeoutMs * 1e6;
  const redirects: string[] = [];
  for (;;) {
    const r = await exchange(stack.tcp, hop, deadline, maxBody, opts);
    if (!r.ok) return r;
    const res = r.value;
    const location = res.headers.first("location");
    if (!REDIRECTS.has(res.status) || location === undefined) return ok({ ...res, redirects });
    if (redirects.length >= maxRedirects) {
      if (maxRedirects === 0) return ok({ ...res, redirects });
      return err({ code: "too_many_redirects", message: `more than ${maxRedirects} redirects (the last from ${hop.url.href} to ${location})` });
    }
    const next = parseHttpUrl(resolveReference(hop.url.href, location));
    if (!next.ok) return err({ code: next.error.code, message: `redirect from ${hop.url.href}: ${next.error.message}` });
    redirects.push(hop.url.href);
    redirect(hop, res.status, next.value);
  }
}

/** Rewrites `hop` for the next request after a `status` redirect to `to` (RFC 9110 15.4). */
function redirect(hop: Hop, status: number, to: HttpUrl): void {
  const toGet = (status === 303 && hop.method !== "HEAD") || ((status === 301 || status === 302) && hop.method === "POST");
  if (toGet) {
    hop.method = "GET";
    hop.body = undefined;
    for (const h of BODY_HEADERS) hop.headers.delete(h);
  }
  if (to.host !== hop.url.host || to.port !== hop.url.port) {
    for (const h of CREDENTIALS) hop.headers.delete(h);
    hop.headers.delete("host"); // a caller's Host was for the old origin
  }
  hop.url = to;
}

/** One request on a fresh connection, read to the end of the response. */
async function exchange(tcp: Tcp, hop: Hop, deadline: number, maxBody: number, opts: HttpRequestOptions): Promise<Result<Omit<HttpResponse, "redirects">, HttpClientError>> {
  const url = hop.url;
  const timedOut = (): Result<never, HttpClientError> => err({ code: "timeout", message: `${hop.method} ${url.href}: no complete response within ${opts.timeoutMs ?? 30_000} ms` });
  let address = url.host;
  if (!isIpv4(address)) {
    if (opts.resolve === undefined) return err({ code: "resolve", message: `cannot resolve ${url.host}: no DNS resolver configured (give an IPv4 address, or DNS servers)` });
    const a = await before(opts.resolve(url.host.replace(/\.$/, "")), deadline);
    if (a === TIMEOUT) return timedOut();
    if (!a.ok) return err({ code: "resolve", message: `cannot resolve ${url.host}: ${a.error.message}` });
    address = a.value;
  }
  const connecting = tcp.connect(address, url.port);
  const c = await before(connecting, deadline);
  if (c === TIMEOUT) {
    void connecting.then((r) => (r.ok ? r.value.close() : undefined)).catch(() => undefined);
    return timedOut();
  }
  if (!c.ok) return err({ code: "connect", message: `cannot connect to ${address}:${url.port} (${url.authority}): ${c.error.message}` });
  const flow = c.value;
  try {
    const headers = new Headers();
    if (!hop.headers.has("host")) headers.append("Host", url.authority);
    if (!hop.headers.has("user-agent")) headers.append("User-Agent", "mirage-ts");
    if (!hop.headers.has("accept")) headers.append("Accept", "*/*");
    for (const [n, v] of hop.headers) if (n.toLowerCase() !== "connection") headers.append(n, v);
    // One request per connection: the server's close is then expected, never a surprise.
    headers.append("Connection", "close");
    const body = hop.body ?? new Uint8Array(0);
    const head = encodeRequestHead({ method: hop.method, target: url.target, headers }, { kind: "length", length: body.length });
    const w = await before(flow.writev(body.length > 0 ? [head, body] : [head]), deadline);
    if (w === TIMEOUT) return timedOut();
    if (!w.ok) return err({ code: "io", message: `sending the request to ${url.authority}: ${w.error.message}` });
    const r = await before(readResponse(flow, hop.method, maxBody, opts.limits), deadline);
    if (r === TIMEOUT) return timedOut();
    if (typeof r === "string") return err({ code: "io", message: `${hop.method} ${url.href}: ${r}` });
    if ("code" in r) return err({ code: r.code, message: `${hop.method} ${url.href}: ${r.message}` });
    return ok({ status: r.head.status, reason: r.head.reason, version: r.head.version, headers: r.head.headers, body: r.body, url: url.href });
  } finally {
    await flow.close().catch(() => undefined);
  }
}

type ReadOutcome = { head: ResponseHead; body: Uint8Array } | { code: "protocol" | "too_large"; message: string } | string;

/** Feeds the parser until the final response ends; a string is an I/O failure. */
async function readResponse(flow: Flow, method: string, maxBody: number, limits: HttpRequestOptions["limits"]): Promise<ReadOutcome> {
  const parser = new ResponseParser({ ...limits, maxBodyBytes: Math.max(1, maxBody) });
  parser.expect(method);
  let head: ResponseHead | undefined;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await flow.read();
    if (!r.ok) return r.error.message;
    const events = r.value === null ? parser.finish() : parser.push(r.value);
    for (const ev of events) {
      switch (ev.type) {
        case "informational":
          break; // 100 Continue and friends: the final response follows (RFC 9110 15.2)
        case "head":
          head = ev.head;
          break;
        case "body":
          total += ev.data.length;
          if (total > maxBody) return { code: "too_large", message: `response body larger than ${maxBody} bytes` };
          chunks.push(ev.data.slice());
          break;
        case "end":
          return { head: head!, body: concat(chunks, total) };
        case "error":
          if (ev.error.code === "body_too_large") return { code: "too_large", message: `response body larger than ${maxBody} bytes` };
          if (ev.error.code === "truncated") return { code: "protocol", message: `the server closed the connection before the response was complete${head ? ` (${total} body bytes received)` : ""}` };
          return { code: "protocol", message: `bad response: ${ev.error.message}` };
      }
    }
    if (r.value === null) return { code: "protocol", message: "the server closed the connection without a response" };
  }
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** `p`, or TIMEOUT at the monotonic `deadline`. */
function before<T>(p: Promise<T>, deadline: number): Promise<T | typeof TIMEOUT> {
  let cancel: (() => void) | undefined;
  const timer = new Promise<typeof TIMEOUT>((resolve) => {
    cancel = setTimer(Math.max(0, deadline - monotonicNs()), () => resolve(TIMEOUT));
  });
  return Promise.race([p, timer]).finally(() => cancel?.());
}
