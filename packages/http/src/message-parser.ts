/**
 * The byte-level HTTP/1.1 message state machine shared by the request and response
 * parsers: line assembly with limits, header fields, Content-Length, chunked and
 * close-delimited bodies, trailers, pipelining. Input is any split of the byte stream;
 * nothing here throws on bad input, errors become one final `error` event.
 */
import { CR, FIELD_CHAR, HTAB, LF, SP, TCHAR, latin1Decode } from "./bytes.ts";
import type { BodyKind } from "./framing.ts";
import { httpError, type HttpError, type HttpErrorCode } from "./errors.ts";
import { Headers } from "./headers.ts";

export interface ParserLimits {
  /** Longest start line, CRLF included (request: 414 beyond it). Default 8192. */
  readonly maxStartLineBytes: number;
  /** Largest header section (and trailer section), line ends included (431). Default 16384. */
  readonly maxHeaderBytes: number;
  /** Most header fields (and trailer fields) (431). Default 100. */
  readonly maxHeaders: number;
  /** Largest body (413). */
  readonly maxBodyBytes: number;
  /** Longest chunk-size line with extensions (400). Default 1024. */
  readonly maxChunkLineBytes: number;
}

export const DEFAULT_LIMITS: ParserLimits = {
  maxStartLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaders: 100,
  maxBodyBytes: 16 * 1024 * 1024,
  maxChunkLineBytes: 1024,
};

/** Body and end events; `data` aliases the pushed chunk (copy it to keep it). */
export type BodyEvent =
  | { readonly type: "body"; readonly data: Uint8Array }
  | { readonly type: "end"; readonly trailers: Headers }
  | { readonly type: "error"; readonly error: HttpError };

export interface Framing {
  readonly kind: BodyKind | "informational";
  readonly length: number;
  /** No further message may follow on this connection. */
  readonly last: boolean;
}

const S_START = 0;
const S_HEADERS = 1;
const S_LENGTH = 2;
const S_CHUNK_SIZE = 3;
const S_CHUNK_DATA = 4;
const S_CHUNK_CR = 5;
const S_CHUNK_LF = 6;
const S_TRAILERS = 7;
const S_UNTIL_CLOSE = 8;
const S_CLOSED = 9;
const S_FAILED = 10;

/** Empty lines tolerated before a start line (RFC 9112 2.2 asks for at least one). */
const MAX_LEADING_EMPTY_LINES = 8;
const NO_TRAILERS = new Headers();
const MAX_LINE_LIMIT = 1 << 20;

export abstract class MessageParser<E> {
  protected readonly limits: ParserLimits;
  private state = S_START;
  /** The line being assembled; grows on demand up to the current line limit. */
  private line = new Uint8Array(256);
  private lineLen = 0;
  private emptyLines = 0;
  private sectionBytes = 0;
  private remaining = 0;
  private bodyTotal = 0;
  private lastMessage = false;
  private fields: Headers = new Headers();
  private trailers: Headers = NO_TRAILERS;

  constructor(limits: Partial<ParserLimits> | undefined, defaults: ParserLimits) {
    const l = { ...defaults, ...limits };
    for (const k of Object.keys(l) as Array<keyof ParserLimits>) {
      const v = l[k];
      // Line limits size a buffer, so they stay modest; the body limit is only a count.
      const max = k === "maxBodyBytes" ? Number.MAX_SAFE_INTEGER : MAX_LINE_LIMIT;
      if (!Number.isSafeInteger(v) || v < 1 || v > max) throw new RangeError(`http parser: bad limit ${k}=${v}`);
    }
    this.limits = l;
  }

  /** Parses the start line in `line[0, len)`; returns an error to stop. */
  protected abstract startLine(line: Uint8Array, len: number): HttpError | undefined;
  /** The head is complete: push the head event and say how the body is framed. */
  protected abstract headComplete(headers: Headers, out: Array<E | BodyEvent>): Framing | HttpError;
  /** Maps the status of every error (a response parser reports 502 for all). */
  protected abstract errorStatus(status: number): number;

  /** True between messages, with no partial message buffered. */
  get idle(): boolean {
    return this.state === S_START && this.lineLen === 0;
  }
  /** True once no further message can be parsed (error, `Connection: close`, EOF). */
  get closed(): boolean {
    return this.state === S_CLOSED || this.state === S_FAILED;
  }
  get failed(): boolean {
    return this.state === S_FAILED;
  }

  /** Feeds bytes; returns the events they complete. Never throws on bad input. */
  push(chunk: Uint8Array): Array<E | BodyEvent> {
    const out: Array<E | BodyEvent> = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case S_START:
        case S_HEADERS:
        case S_CHUNK_SIZE:
        case S_TRAILERS:
          i = this.feedLine(chunk, i, out);
          break;
        case S_LENGTH:
        case S_CHUNK_DATA: {
          const take = Math.min(this.remaining, n - i);
          out.push({ type: "body", data: chunk.subarray(i, i + take) });
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) {
            if (this.state === S_LENGTH) this.endMessage(NO_TRAILERS, out);
            else this.state = S_CHUNK_CR;
          }
          break;
        }
        case S_CHUNK_CR: {
          // RFC 9112 7.1: chunk-data is followed by CRLF; a bare LF is tolerated like line ends.
          const b = chunk[i++]!;
          if (b === CR) this.state = S_CHUNK_LF;
          else if (b === LF) this.state = S_CHUNK_SIZE;
          else this.fail("bad_chunk", 400, "chunk data not followed by CRLF", out);
          break;
        }
        case S_CHUNK_LF:
          if (chunk[i++] === LF) this.state = S_CHUNK_SIZE;
          else this.fail("bad_chunk", 400, "chunk data not followed by CRLF", out);
          break;
        case S_UNTIL_CLOSE:
          out.push({ type: "body", data: chunk.subarray(i) });
          i = n;
          break;
        default:
          // Closed or failed: later bytes are ignored (RFC 9112 9.6: nothing after close).
          return out;
      }
    }
    return out;
  }

  /** The peer closed its side: ends a close-delimited body or reports truncation. */
  finish(): Array<E | BodyEvent> {
    const out: Array<E | BodyEvent> = [];
    if (this.state === S_UNTIL_CLOSE) {
      out.push({ type: "end", trailers: NO_TRAILERS });
      this.state = S_CLOSED;
    } else if (this.state === S_START && this.lineLen === 0) {
      this.state = S_CLOSED;
    } else if (this.state !== S_CLOSED && this.state !== S_FAILED) {
      this.fail("truncated", 400, "connection closed inside a message", out);
    }
    return out;
  }

  private feedLine(chunk: Uint8Array, i: number, out: Array<E | BodyEvent>): number {
    const lf = chunk.indexOf(LF, i);
    const end = lf < 0 ? chunk.length : lf;
    const seg = end - i;
    if (this.lineLen + seg > this.lineLimit()) {
      this.failLineLimit(out);
      return chunk.length;
    }
    if (this.lineLen + seg > this.line.length) {
      const bigger = new Uint8Array(Math.max(this.line.length * 2, this.lineLen + seg));
      bigger.set(this.line.subarray(0, this.lineLen));
      this.line = bigger;
    }
    this.line.set(chunk.subarray(i, end), this.lineLen);
    this.lineLen += seg;
    if (lf < 0) return chunk.length;
    let len = this.lineLen;
    if (len > 0 && this.line[len - 1] === CR) len--;
    this.lineLen = 0;
    this.onLine(len, out);
    return lf + 1;
  }

  private lineLimit(): number {
    switch (this.state) {
      case S_START:
        return this.limits.maxStartLineBytes;
      case S_CHUNK_SIZE:
        return this.limits.maxChunkLineBytes;
      default:
        return this.limits.maxHeaderBytes - this.sectionBytes;
    }
  }

  private failLineLimit(out: Array<E | BodyEvent>): void {
    if (this.state === S_START) this.fail("uri_too_long", 414, "start line too long", out);
    else if (this.state === S_CHUNK_SIZE) this.fail("bad_chunk", 400, "chunk size line too long", out);
    else this.fail("header_too_large", 431, "header section too large", out);
  }

  private onLine(len: number, out: Array<E | BodyEvent>): void {
    const line = this.line;
    switch (this.state) {
      case S_START: {
        if (len === 0) {
          if (++this.emptyLines > MAX_LEADING_EMPTY_LINES) this.fail("bad_start_line", 400, "too many empty lines", out);
          return;
        }
        const e = this.startLine(line, len);
        if (e !== undefined) return this.failWith(e, out);
        this.state = S_HEADERS;
        this.sectionBytes = 0;
        this.fields = new Headers();
        return;
      }
      case S_HEADERS: {
        if (len === 0) return this.onHeadEnd(out);
        this.sectionBytes += len + 2;
        const e = this.fieldLine(len, this.fields);
        if (e !== undefined) this.failWith(e, out);
        return;
      }
      case S_CHUNK_SIZE:
        return this.chunkSizeLine(len, out);
      case S_TRAILERS: {
        if (len === 0) return this.endMessage(this.trailers, out);
        this.sectionBytes += len + 2;
        const e = this.fieldLine(len, this.trailers);
        if (e !== undefined) this.failWith(e, out);
        return;
      }
    }
  }

  /** field-line = field-name ":" OWS field-value OWS (RFC 9112 5). */
  private fieldLine(len: number, into: Headers): HttpError | undefined {
    const line = this.line;
    const first = line[0]!;
    // RFC 9112 5.2: obs-fold may be rejected with 400.
    if (first === SP || first === HTAB) return httpError("obs_fold", 400, "obsolete line folding");
    let c = 0;
    while (c < len && TCHAR[line[c]!] === 1) c++;
    // RFC 9112 5.1: no whitespace between name and colon.
    if (c === 0 || c >= len || line[c] !== 0x3a) return httpError("bad_header", 400, "malformed header field name");
    let s = c + 1;
    let e = len;
    while (s < e && (line[s] === SP || line[s] === HTAB)) s++;
    while (e > s && (line[e - 1] === SP || line[e - 1] === HTAB)) e--;
    for (let k = s; k < e; k++) {
      if (FIELD_CHAR[line[k]!] !== 1) return httpError("bad_header", 400, "control character in header field value");
    }
    if (into.size >= this.limits.maxHeaders) return httpError("too_many_headers", 431, "too many header fields");
    into.appendUnchecked(latin1Decode(line, 0, c), latin1Decode(line, s, e));
    return undefined;
  }

  private onHeadEnd(out: Array<E | BodyEvent>): void {
    const f = this.headComplete(this.fields, out);
    if (f.kind === "http_error") return this.failWith(f, out);
    const framing = f;
    this.emptyLines = 0;
    this.bodyTotal = 0;
    this.lastMessage = framing.last;
    switch (framing.kind) {
      case "informational":
        this.state = S_START;
        return;
      case "length":
        if (framing.length > 0) {
          this.state = S_LENGTH;
          this.remaining = framing.length;
          return;
        }
        return this.endMessage(NO_TRAILERS, out);
      case "chunked":
        this.state = S_CHUNK_SIZE;
        return;
      case "close":
        this.state = S_UNTIL_CLOSE;
        return;
      default:
        return this.endMessage(NO_TRAILERS, out);
    }
  }

  /** chunk-size [ chunk-ext ] CRLF (RFC 9112 7.1); extensions are ignored. */
  private chunkSizeLine(len: number, out: Array<E | BodyEvent>): void {
    const line = this.line;
    let size = 0;
    let k = 0;
    for (; k < len; k++) {
      const b = line[k]!;
      const d = b >= 0x30 && b <= 0x39 ? b - 0x30 : b >= 0x61 && b <= 0x66 ? b - 0x57 : b >= 0x41 && b <= 0x46 ? b - 0x37 : -1;
      if (d < 0) break;
      // 13 hex digits stay below 2^53; bigger sizes are never legitimate here.
      if (k >= 13) return this.fail("bad_chunk", 400, "chunk size too large", out);
      size = size * 16 + d;
    }
    if (k === 0) return this.fail("bad_chunk", 400, "missing or invalid chunk size", out);
    if (k < len) {
      let j = k;
      while (j < len && (line[j] === SP || line[j] === HTAB)) j++; // BWS before chunk-ext
      if (j >= len || line[j] !== 0x3b) return this.fail("bad_chunk", 400, "invalid chunk size", out);
      for (; j < len; j++) if (FIELD_CHAR[line[j]!] !== 1) return this.fail("bad_chunk", 400, "control character in chunk extension", out);
    }
    if (size === 0) {
      this.state = S_TRAILERS;
      this.trailers = new Headers();
      this.sectionBytes = 0;
      return;
    }
    this.bodyTotal += size;
    if (this.bodyTotal > this.limits.maxBodyBytes) return this.fail("body_too_large", 413, "chunked body too large", out);
    this.remaining = size;
    this.state = S_CHUNK_DATA;
  }

  private endMessage(trailers: Headers, out: Array<E | BodyEvent>): void {
    out.push({ type: "end", trailers });
    this.state = this.lastMessage ? S_CLOSED : S_START;
    this.trailers = NO_TRAILERS;
  }

  protected fail(code: HttpErrorCode, status: number, message: string, out: Array<E | BodyEvent>): void {
    this.failWith(httpError(code, status, message), out);
  }

  private failWith(error: HttpError, out: Array<E | BodyEvent>): void {
    const status = this.errorStatus(error.status);
    out.push({ type: "error", error: status === error.status ? error : { ...error, status } });
    this.state = S_FAILED;
  }
}
