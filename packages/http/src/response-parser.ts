/**
 * Incremental HTTP/1.1 response parser for clients (RFC 9112 4, 6.3). Call
 * `expect(method)` for each request sent, in order, so HEAD responses and CONNECT
 * tunnels are framed right; 1xx interim responses come as `informational` events.
 * Every error reports status 502 (what a gateway would answer).
 */
import { FIELD_CHAR, SP, latin1Decode } from "./bytes.ts";
import { httpError, type HttpError } from "./errors.ts";
import { classifyTransferEncoding, connectionOptions, parseContentLength, type BodyKind } from "./framing.ts";
import type { Headers } from "./headers.ts";
import { DEFAULT_LIMITS, MessageParser, type BodyEvent, type Framing, type ParserLimits } from "./message-parser.ts";

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly version: "1.0" | "1.1";
  readonly headers: Headers;
  /** The method of the request this answers (from `expect`, GET if none queued). */
  readonly method: string;
  readonly keepAlive: boolean;
  readonly bodyKind: BodyKind;
  readonly contentLength: number | undefined;
}

export type ResponseEvent =
  | { readonly type: "informational"; readonly head: ResponseHead }
  | { readonly type: "head"; readonly head: ResponseHead }
  | BodyEvent;

const RESPONSE_DEFAULTS: ParserLimits = { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER };

export class ResponseParser extends MessageParser<ResponseEvent> {
  private readonly methods: string[] = [];
  private status = 0;
  private reason = "";
  private minor = 1;

  constructor(limits?: Partial<ParserLimits>) {
    super(limits, RESPONSE_DEFAULTS);
  }

  /** Records that a request with `method` was sent; responses are matched in order. */
  expect(method: string): void {
    this.methods.push(method);
  }

  protected errorStatus(): number {
    return 502;
  }

  /** status-line = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4). */
  protected startLine(line: Uint8Array, len: number): HttpError | undefined {
    const bad = (what: string): HttpError => httpError("bad_start_line", 502, `malformed status line: ${what}`);
    if (len < 12 || line[0] !== 0x48 || line[1] !== 0x54 || line[2] !== 0x54 || line[3] !== 0x50 || line[4] !== 0x2f || line[6] !== 0x2e) {
      return bad("version");
    }
    const major = line[5]! - 0x30;
    const minor = line[7]! - 0x30;
    if (major < 0 || major > 9 || minor < 0 || minor > 9 || line[8] !== SP) return bad("version");
    if (major !== 1) return httpError("bad_version", 502, `HTTP version ${major}.${minor} not supported`);
    let status = 0;
    for (let k = 9; k < 12; k++) {
      const d = line[k]! - 0x30;
      if (d < 0 || d > 9) return bad("status code");
      status = status * 10 + d;
    }
    if (status < 100) return bad("status code");
    // The SP before an empty reason is required, but some servers omit it; accept both.
    if (len > 12 && line[12] !== SP) return bad("status code");
    for (let k = 13; k < len; k++) if (FIELD_CHAR[line[k]!] !== 1) return bad("reason phrase");
    this.status = status;
    this.reason = len > 13 ? latin1Decode(line, 13, len) : "";
    this.minor = minor;
    return undefined;
  }

  protected headComplete(headers: Headers, out: Array<ResponseEvent>): Framing | HttpError {
    const status = this.status;
    const v11 = this.minor >= 1;
    const interim = status < 200 && status !== 101;
    const method = (interim ? this.methods[0] : this.methods.shift()) ?? "GET";
    const options = connectionOptions(headers.getAll("connection"));
    let keepAlive = options.indexOf("close") < 0 && (v11 || options.indexOf("keep-alive") >= 0);
    let bodyKind: BodyKind;
    let contentLength: number | undefined;
    const te = headers.getAll("transfer-encoding");
    const cl = headers.getAll("content-length");
    // RFC 9112 6.3, in order.
    if (method === "HEAD" || status < 200 || status === 204 || status === 304) {
      bodyKind = "none";
      // 101: the connection now speaks another protocol; this parser is done with it.
      if (status === 101) keepAlive = false;
    } else if (method === "CONNECT" && status < 300) {
      bodyKind = "none";
      keepAlive = false; // a tunnel follows
    } else if (te.length > 0) {
      // Transfer-Encoding overrides Content-Length; a message with both (or a 1.0 one
      // with TE) cannot be trusted for reuse (RFC 9112 6.1, 6.3 item 3).
      if (cl.length > 0 || !v11) keepAlive = false;
      const verdict = classifyTransferEncoding(te);
      if (verdict === "chunked") bodyKind = "chunked";
      else if (verdict === "not_chunked_final") {
        bodyKind = "close";
        keepAlive = false;
      } else return httpError("unsupported_transfer_coding", 502, `unsupported Transfer-Encoding ${JSON.stringify(te.join(", "))}`);
    } else if (cl.length > 0) {
      const n = parseContentLength(cl);
      if (n === "invalid") return httpError("bad_content_length", 502, `bad Content-Length ${JSON.stringify(cl.join(", "))}`);
      if (n === "too_large" || n > this.limits.maxBodyBytes) return httpError("body_too_large", 502, "Content-Length exceeds the limit");
      bodyKind = "length";
      contentLength = n;
    } else {
      bodyKind = "close";
      keepAlive = false;
    }
    const head: ResponseHead = { status, reason: this.reason, version: v11 ? "1.1" : "1.0", headers, method, keepAlive, bodyKind, contentLength };
    if (interim) {
      out.push({ type: "informational", head });
      return { kind: "informational", length: 0, last: false };
    }
    out.push({ type: "head", head });
    return { kind: bodyKind, length: contentLength ?? 0, last: !keepAlive };
  }
}
