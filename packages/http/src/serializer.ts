/**
 * HTTP/1.1 message serialization (RFC 9112 4, 6, 7.1): response and request heads,
 * whole fixed-length responses, and an incremental chunked encoder. Field names and
 * values are validated (no CR/LF injection): misuse throws TypeError/RangeError.
 * `Date` is left to the caller.
 */
import { isFieldValue, isToken, latin1Encode } from "./bytes.ts";
import { Headers, type HeaderInit } from "./headers.ts";

export interface ResponseInit {
  readonly status: number;
  /** Defaults to the RFC 9110 reason phrase for the status (or empty). */
  readonly reason?: string;
  readonly headers?: HeaderInit;
  /** Method of the request being answered: a HEAD response carries no body. */
  readonly requestMethod?: string;
  /** Adds `Connection: close`. */
  readonly close?: boolean;
  /** HTTP/1.0 peer: no chunked encoding possible. Default "1.1". */
  readonly version?: "1.0" | "1.1";
}

/** How the body that follows a head is framed. */
export type BodyFraming = { readonly kind: "none" } | { readonly kind: "length"; readonly length: number } | { readonly kind: "chunked" };

const REASONS: Record<number, string> = {
  100: "Continue", 101: "Switching Protocols", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
  206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  307: "Temporary Redirect", 308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
  404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict",
  410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Content Too Large", 414: "URI Too Long",
  415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed", 421: "Misdirected Request",
  426: "Upgrade Required", 429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
  501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? "";
}

/** True if a response with this status to this method has no body (RFC 9110 6.4.1, 9112 6.3). */
export function responseHasNoBody(status: number, requestMethod?: string): boolean {
  return requestMethod === "HEAD" || status < 200 || status === 204 || status === 304;
}

/**
 * Serializes a response head. `framing` chooses Content-Length or chunked; the caller's
 * headers must not carry Content-Length or Transfer-Encoding themselves (TypeError).
 * For HEAD the length is still announced (RFC 9110 9.3.2); 1xx/204 announce nothing
 * (RFC 9110 8.6). Returns the bytes and whether body bytes may follow.
 */
export function encodeResponseHead(init: ResponseInit, framing: BodyFraming): { head: Uint8Array; bodyAllowed: boolean } {
  const status = init.status;
  if (!Number.isInteger(status) || status < 100 || status > 999) throw new RangeError(`encodeResponseHead: bad status ${status}`);
  const reason = init.reason ?? reasonPhrase(status);
  if (!isFieldValue(reason)) throw new TypeError(`encodeResponseHead: bad reason phrase ${JSON.stringify(reason)}`);
  const headers = validated(init.headers);
  if (headers.has("content-length") || headers.has("transfer-encoding")) {
    throw new TypeError("encodeResponseHead: set the framing through `framing`, not Content-Length/Transfer-Encoding headers");
  }
  const noBody = responseHasNoBody(status, init.requestMethod);
  const v10 = init.version === "1.0";
  let close = init.close === true;
  if (framing.kind === "length") {
    if (!Number.isSafeInteger(framing.length) || framing.length < 0) throw new RangeError(`encodeResponseHead: bad length ${framing.length}`);
    if (status >= 200 && status !== 204 && status !== 304) headers.append("Content-Length", String(framing.length));
  } else if (framing.kind === "chunked" && !noBody) {
    // An HTTP/1.0 recipient cannot parse chunked: delimit the body by closing instead.
    if (v10) close = true;
    else headers.append("Transfer-Encoding", "chunked");
  }
  if (close && !hasOption(headers, "close")) headers.append("Connection", "close");
  const start = `HTTP/1.1 ${status} ${reason}`;
  return { head: encodeHead(start, headers), bodyAllowed: !noBody && framing.kind !== "none" };
}

/** A whole response with a fixed body; the body is dropped where none is allowed. */
export function encodeResponse(init: ResponseInit, body: Uint8Array = new Uint8Array(0)): Uint8Array {
  const { head, bodyAllowed } = encodeResponseHead(init, { kind: "length", length: body.length });
  if (!bodyAllowed || body.length === 0) return head;
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

export interface RequestInit {
  readonly method: string;
  readonly target: string;
  readonly headers?: HeaderInit;
}

/** Serializes a request head (for the client); framing as for responses. */
export function encodeRequestHead(init: RequestInit, framing: BodyFraming): Uint8Array {
  if (!isToken(init.method)) throw new TypeError(`encodeRequestHead: bad method ${JSON.stringify(init.method)}`);
  if (!/^[\x21-\x7e]+$/.test(init.target)) throw new TypeError(`encodeRequestHead: bad target ${JSON.stringify(init.target)}`);
  const headers = validated(init.headers);
  if (headers.has("content-length") || headers.has("transfer-encoding")) {
    throw new TypeError("encodeRequestHead: set the framing through `framing`, not Content-Length/Transfer-Encoding headers");
  }
  if (framing.kind === "length") {
    if (!Number.isSafeInteger(framing.length) || framing.length < 0) throw new RangeError(`encodeRequestHead: bad length ${framing.length}`);
    if (framing.length > 0 || init.method === "POST" || init.method === "PUT") headers.append("Content-Length", String(framing.length));
  } else if (framing.kind === "chunked") headers.append("Transfer-Encoding", "chunked");
  return encodeHead(`${init.method} ${init.target} HTTP/1.1`, headers);
}

/** Encodes body data as chunks (RFC 9112 7.1); `end()` writes the last chunk and trailers. */
export class ChunkedEncoder {
  private ended = false;

  /** One chunk holding `data`; empty data yields nothing (a zero chunk would end the body). */
  encode(data: Uint8Array): Uint8Array {
    if (this.ended) throw new TypeError("ChunkedEncoder: encode after end");
    if (data.length === 0) return new Uint8Array(0);
    const size = data.length.toString(16);
    const out = new Uint8Array(size.length + 2 + data.length + 2);
    let o = latin1Encode(size, out, 0);
    out[o++] = 0x0d;
    out[o++] = 0x0a;
    out.set(data, o);
    o += data.length;
    out[o++] = 0x0d;
    out[o] = 0x0a;
    return out;
  }

  /** The last-chunk, optional trailer fields, and the final CRLF. */
  end(trailers?: HeaderInit): Uint8Array {
    if (this.ended) throw new TypeError("ChunkedEncoder: end called twice");
    this.ended = true;
    const t = validated(trailers);
    let text = "0\r\n";
    for (const [n, v] of t) text += `${n}: ${v}\r\n`;
    text += "\r\n";
    const out = new Uint8Array(text.length);
    latin1Encode(text, out, 0);
    return out;
  }
}

function validated(init: HeaderInit | undefined): Headers {
  // The Headers constructor rejects bad names and values with TypeError.
  return new Headers(init);
}

function hasOption(headers: Headers, option: string): boolean {
  const v = headers.get("connection");
  return v !== undefined && v.toLowerCase().split(",").some((s) => s.trim() === option);
}

function encodeHead(startLine: string, headers: Headers): Uint8Array {
  let text = startLine + "\r\n";
  for (const [n, v] of headers) text += `${n}: ${v}\r\n`;
  text += "\r\n";
  const out = new Uint8Array(text.length);
  latin1Encode(text, out, 0);
  return out;
}
