/**
 * Incremental HTTP/1.1 request parser (RFC 9112 3, 6): feed it whatever `flow.read()`
 * returns; it yields `head`, `body`*, `end` per request, for pipelined requests too,
 * or one final `error` with the status to answer before closing.
 */
import { SP, TCHAR, latin1Decode } from "./bytes.ts";
import { httpError, type HttpError } from "./errors.ts";
import { classifyTransferEncoding, connectionOptions, parseContentLength, type BodyKind } from "./framing.ts";
import type { Headers } from "./headers.ts";
import { DEFAULT_LIMITS, MessageParser, type BodyEvent, type Framing, type ParserLimits } from "./message-parser.ts";

export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly targetForm: TargetForm;
  /** "1.0" or "1.1" (a higher 1.x minor is treated as 1.1, RFC 9110 2.5). */
  readonly version: "1.0" | "1.1";
  readonly headers: Headers;
  /** The connection may carry another request after this one (RFC 9112 9.3). */
  readonly keepAlive: boolean;
  /** `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 10.1.1). */
  readonly expectContinue: boolean;
  readonly bodyKind: Exclude<BodyKind, "close">;
  /** The declared length for bodyKind "length", else undefined. */
  readonly contentLength: number | undefined;
}

export type RequestEvent = { readonly type: "head"; readonly head: RequestHead } | BodyEvent;

export class RequestParser extends MessageParser<RequestEvent> {
  private method = "";
  private target = "";
  private targetForm: TargetForm = "origin";
  private minor = 1;

  constructor(limits?: Partial<ParserLimits>) {
    super(limits, DEFAULT_LIMITS);
  }

  protected errorStatus(status: number): number {
    return status;
  }

  /** request-line = method SP request-target SP HTTP-version (RFC 9112 3). */
  protected startLine(line: Uint8Array, len: number): HttpError | undefined {
    const bad = (what: string): HttpError => httpError("bad_start_line", 400, `malformed request line: ${what}`);
    let m = 0;
    while (m < len && TCHAR[line[m]!] === 1) m++;
    if (m === 0 || m >= len || line[m] !== SP) return bad("method");
    const t0 = m + 1;
    let t = t0;
    // Targets are URI characters only: VCHAR without obs-text, no whitespace.
    while (t < len && line[t]! > 0x20 && line[t]! < 0x7f) t++;
    if (t === t0 || t >= len || line[t] !== SP) return bad("request-target");
    const v = t + 1;
    if (len - v !== 8 || !isHttpName(line, v) || line[v + 6] !== 0x2e) return bad("version");
    const major = line[v + 5]! - 0x30;
    const minor = line[v + 7]! - 0x30;
    if (major < 0 || major > 9 || minor < 0 || minor > 9) return bad("version");
    if (major !== 1) return httpError("bad_version", 505, `HTTP version ${major}.${minor} not supported`);
    this.method = latin1Decode(line, 0, m);
    this.target = latin1Decode(line, t0, t);
    this.minor = minor;
    const form = targetForm(this.method, this.target);
    if (form === undefined) return bad(`target ${JSON.stringify(this.target.slice(0, 64))} for ${this.method}`);
    this.targetForm = form;
    return undefined;
  }

  protected headComplete(headers: Headers, out: Array<RequestEvent>): Framing | HttpError {
    const v11 = this.minor >= 1;
    // RFC 9112 3.2: exactly one Host in HTTP/1.1, and never more than one.
    const hosts = headers.getAll("host");
    if (hosts.length > 1 || (v11 && hosts.length === 0)) return httpError("missing_host", 400, "missing or repeated Host");
    let bodyKind: RequestHead["bodyKind"] = "none";
    let contentLength: number | undefined;
    const te = headers.getAll("transfer-encoding");
    const cl = headers.getAll("content-length");
    if (te.length > 0) {
      // RFC 9112 6.1: both present is a smuggling vector; a server may reject, and we do.
      if (cl.length > 0) return httpError("conflicting_framing", 400, "both Content-Length and Transfer-Encoding");
      // RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
      if (!v11) return httpError("bad_transfer_encoding", 400, "Transfer-Encoding in an HTTP/1.0 request");
      const verdict = classifyTransferEncoding(te);
      // RFC 9112 6.3 item 4: chunked not final in a request is a 400.
      if (verdict === "not_chunked_final" || verdict === "invalid") {
        return httpError("bad_transfer_encoding", 400, `bad Transfer-Encoding ${JSON.stringify(te.join(", "))}`);
      }
      if (verdict === "unsupported") {
        return httpError("unsupported_transfer_coding", 501, `unsupported Transfer-Encoding ${JSON.stringify(te.join(", "))}`);
      }
      bodyKind = "chunked";
    } else if (cl.length > 0) {
      const n = parseContentLength(cl);
      if (n === "invalid") return httpError("bad_content_length", 400, `bad Content-Length ${JSON.stringify(cl.join(", "))}`);
      if (n === "too_large" || n > this.limits.maxBodyBytes) return httpError("body_too_large", 413, "Content-Length exceeds the limit");
      bodyKind = n === 0 ? "none" : "length";
      contentLength = n;
    }
    const options = connectionOptions(headers.getAll("connection"));
    const keepAlive = options.indexOf("close") < 0 && (v11 || options.indexOf("keep-alive") >= 0);
    const expect = headers.get("expect");
    const head: RequestHead = {
      method: this.method,
      target: this.target,
      targetForm: this.targetForm,
      version: v11 ? "1.1" : "1.0",
      headers,
      keepAlive,
      expectContinue: v11 && expect !== undefined && expect.toLowerCase() === "100-continue",
      bodyKind,
      contentLength,
    };
    out.push({ type: "head", head });
    return { kind: bodyKind, length: contentLength ?? 0, last: !keepAlive };
  }
}

function isHttpName(line: Uint8Array, at: number): boolean {
  // "HTTP/" is case-sensitive (RFC 9112 2.3).
  return line[at] === 0x48 && line[at + 1] === 0x54 && line[at + 2] === 0x54 && line[at + 3] === 0x50 && line[at + 4] === 0x2f;
}

/** RFC 9112 3.2: which request-target form, or undefined if it fits none for this method. */
function targetForm(method: string, target: string): TargetForm | undefined {
  if (method === "CONNECT") {
    // authority-form = uri-host ":" port
    return /^[^/?#@\s]+:[0-9]+$/.test(target) ? "authority" : undefined;
  }
  if (target === "*") return method === "OPTIONS" ? "asterisk" : undefined;
  if (target.charCodeAt(0) === 0x2f) return "origin";
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(target)) return "absolute";
  return undefined;
}
