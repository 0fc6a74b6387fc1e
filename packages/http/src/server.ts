/**
 * An HTTP/1.1 server over any `Tcp` (RFC 9112): one `RequestParser` per connection,
 * requests answered strictly in order (pipelining), keep-alive or close, HEAD without
 * a body, `Expect: 100-continue`, parse errors answered with their status and
 * `Connection: close`. Slow clients cannot hold a connection: a head must complete
 * within `headerTimeoutMs` of its first byte (slowloris), and a connection with nothing
 * to do is closed after `idleMs`. Beyond `maxConnections` a new connection gets a 503
 * and is closed. Nothing thrown by the handler leaves a connection: it becomes a 500.
 * Every response carries a `Date` from the wall clock (RFC 9110 6.6.1) unless the
 * handler set its own.
 */
import type { Endpoint, Flow, Tcp } from "@mirage-ts/devices";
import { monotonicNs, setTimer, wallClockMs } from "@mirage-ts/runtime";
import { Headers, type HeaderInit } from "./headers.ts";
import type { ParserLimits } from "./message-parser.ts";
import { RequestParser, type RequestHead } from "./request-parser.ts";
import { encodeResponse } from "./serializer.ts";

export interface Request {
  readonly method: string;
  readonly target: string;
  readonly version: "1.0" | "1.1";
  readonly headers: Headers;
  /** The whole body (empty if none). */
  readonly body: Uint8Array;
  readonly remote: Endpoint;
}

export interface Response {
  readonly status: number;
  /** No Content-Length/Transfer-Encoding: the server frames the body itself. */
  readonly headers?: HeaderInit;
  /** Sent as is with a Content-Length; dropped for HEAD, 1xx, 204 and 304. */
  readonly body?: Uint8Array | undefined;
}

export type Handler = (req: Request) => Promise<Response> | Response;

export interface ServeOptions {
  /** Connections served at once; more get a 503 and are closed (default 256). */
  readonly maxConnections?: number;
  /** A connection idle this long between requests, or inside a body, is closed (default 10000). */
  readonly idleMs?: number;
  /** A request head must be complete this long after its first byte (default 10000). */
  readonly headerTimeoutMs?: number;
  readonly limits?: Partial<ParserLimits>;
}

export interface HttpServer {
  /** Connections being served now. */
  readonly connections: number;
  /** Stops accepting; open connections finish their current exchange. */
  close(): void;
}

const CONTINUE = new Uint8Array([
  // "HTTP/1.1 100 Continue\r\n\r\n"
  72, 84, 84, 80, 47, 49, 46, 49, 32, 49, 48, 48, 32, 67, 111, 110, 116, 105, 110, 117, 101, 13, 10, 13, 10,
]);
const TIMEOUT = Symbol("timeout");

let dateSecond = NaN;
let dateText = "";

/**
 * The current time as an IMF-fixdate (RFC 9110 5.6.7), for the `Date` header an origin
 * server with a clock must send (RFC 9110 6.6.1). Formatted once per second: under
 * load most responses reuse the string.
 */
export function httpDate(): string {
  const second = Math.floor(wallClockMs() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`serveHttp: ${name} must be a positive number, got ${v}`);
  return v;
}

export function serveHttp(tcp: Tcp, port: number, handler: Handler, options: ServeOptions = {}): HttpServer {
  const maxConnections = positive("maxConnections", options.maxConnections, 256);
  const idleNs = positive("idleMs", options.idleMs, 10_000) * 1e6;
  const headerNs = positive("headerTimeoutMs", options.headerTimeoutMs, 10_000) * 1e6;
  let active = 0;

  const serve = async (flow: Flow): Promise<void> => {
    if (active >= maxConnections) {
      await flow.write(encodeResponse({ status: 503, close: true, headers: { Date: httpDate(), "Retry-After": "1" } })).catch(() => undefined);
      await flow.close().catch(() => undefined);
      return;
    }
    active++;
    try {
      await connection(flow, handler, idleNs, headerNs, options.limits);
    } catch {
      // A failing flow or a serializer bug ends this connection only.
    } finally {
      active--;
      await flow.close().catch(() => undefined);
    }
  };
  tcp.listen(port, serve);
  return {
    get connections() {
      return active;
    },
    close: () => tcp.unlisten(port),
  };
}

/** `flow.read()`, or TIMEOUT if nothing arrives before the monotonic deadline. */
function readBefore(flow: Flow, deadlineNs: number): Promise<Awaited<ReturnType<Flow["read"]>> | typeof TIMEOUT> {
  const delay = Math.max(0, deadlineNs - monotonicNs());
  let cancel: (() => void) | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    cancel = setTimer(delay, () => resolve(TIMEOUT));
  });
  return Promise.race([flow.read(), timeout]).finally(() => cancel?.());
}

async function connection(flow: Flow, handler: Handler, idleNs: number, headerNs: number, limits: Partial<ParserLimits> | undefined): Promise<void> {
  const parser = new RequestParser(limits);
  let current: { head: RequestHead; chunks: Uint8Array[]; length: number } | undefined;
  /** When the first byte of a head not yet complete arrived; undefined when none is pending. */
  let headStart: number | undefined;
  for (;;) {
    const deadline = headStart !== undefined ? headStart + headerNs : monotonicNs() + idleNs;
    const r = await readBefore(flow, deadline);
    if (r === TIMEOUT || !r.ok) return;
    const eof = r.value === null;
    const events = eof ? parser.finish() : parser.push(r.value!);
    for (const ev of events) {
      if (ev.type === "head") {
        current = { head: ev.head, chunks: [], length: 0 };
        headStart = undefined;
        // RFC 9110 10.1.1: invite the body only when one is announced.
        if (ev.head.expectContinue && ev.head.bodyKind !== "none") {
          const w = await flow.write(CONTINUE);
          if (!w.ok) return;
        }
      } else if (ev.type === "body") {
        if (current === undefined) continue;
        current.chunks.push(ev.data.slice());
        current.length += ev.data.length;
      } else if (ev.type === "end") {
        if (current === undefined) continue;
        const req = current;
        current = undefined;
        const ok = await respond(flow, handler, req.head, concat(req.chunks, req.length));
        if (!ok || !req.head.keepAlive) return;
      } else {
        // A bad request: answer its status, then close (RFC 9112 9.6); nothing after it is read.
        await flow.write(encodeResponse({ status: ev.error.status, close: true, headers: { Date: httpDate() } }));
        return;
      }
    }
    if (eof || parser.closed) return;
    // Bytes of a head are buffered: from now on the head timer runs, not reset by trickling bytes.
    if (current === undefined && !parser.idle) headStart ??= monotonicNs();
    else if (parser.idle) headStart = undefined;
  }
}

async function respond(flow: Flow, handler: Handler, head: RequestHead, body: Uint8Array): Promise<boolean> {
  let res: Response;
  try {
    res = await handler({ method: head.method, target: head.target, version: head.version, headers: head.headers, body, remote: flow.remote });
  } catch {
    res = { status: 500 };
  }
  let bytes: Uint8Array;
  try {
    const headers = new Headers(res.headers);
    // An HTTP/1.0 client keeps the connection only if told so (RFC 9112 9.3, 1.0 keep-alive).
    if (head.version === "1.0" && head.keepAlive && !headers.has("connection")) headers.append("Connection", "keep-alive");
    if (!headers.has("date")) headers.append("Date", httpDate());
    bytes = encodeResponse(
      { status: res.status, headers, requestMethod: head.method, close: !head.keepAlive, version: head.version },
      res.body ?? new Uint8Array(0),
    );
  } catch {
    bytes = encodeResponse({ status: 500, close: !head.keepAlive, version: head.version, requestMethod: head.method, headers: { Date: httpDate() } });
  }
  const w = await flow.write(bytes);
  return w.ok;
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(length);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
