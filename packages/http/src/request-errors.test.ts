import { describe, expect, it } from "vitest";
import { utf8Encode } from "@mirage-ts/devices";
import { seededRandom } from "@mirage-ts/netsim";
import { RequestParser, type RequestEvent } from "./request-parser.ts";
import type { ParserLimits } from "./message-parser.ts";

/** Parses whole, then one byte at a time, and checks both give the same single error. */
function errorOf(input: string | Uint8Array, limits?: Partial<ParserLimits>): { code: string; status: number } | undefined {
  const bytes = typeof input === "string" ? utf8Encode(input) : input;
  const results = [bytes.length, 1].map((step) => {
    const p = new RequestParser(limits);
    const events: RequestEvent[] = [];
    for (let i = 0; i < bytes.length; i += step) events.push(...p.push(bytes.subarray(i, i + step)));
    const errors = events.filter((e) => e.type === "error");
    expect(errors.length).toBeLessThanOrEqual(1);
    if (errors.length === 1) {
      expect(events[events.length - 1]!.type).toBe("error");
      expect(p.failed).toBe(true);
      // A failed parser ignores further input.
      expect(p.push(utf8Encode("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))).toEqual([]);
    }
    const e = errors[0];
    return e?.type === "error" ? { code: e.error.code, status: e.error.status } : undefined;
  });
  expect(results[1]).toEqual(results[0]);
  return results[0];
}

const R = (head: string) => `${head}\r\n\r\n`;

describe("RequestParser errors", () => {
  const cases: Array<[string, string, number, string]> = [
    // request line
    ["lower-case version", R("GET / http/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["missing version", R("GET /\r\nHost: h"), 400, "bad_start_line"],
    ["double space", R("GET  / HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["space in target", R("GET /a b HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["bad method char", R("G(T / HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["trailing space", R("GET / HTTP/1.1 \r\nHost: h"), 400, "bad_start_line"],
    ["two-digit minor", R("GET / HTTP/1.10\r\nHost: h"), 400, "bad_start_line"],
    ["asterisk with GET", R("GET * HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["relative target", R("GET foo HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["CONNECT without port", R("CONNECT example.com HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["bare CR in request line", R("GET /\r HTTP/1.1\r\nHost: h"), 400, "bad_start_line"],
    ["HTTP/2.0", R("GET / HTTP/2.0\r\nHost: h"), 505, "bad_version"],
    ["HTTP/0.9", R("GET / HTTP/0.9\r\nHost: h"), 505, "bad_version"],
    ["HTTP/3.1", R("GET / HTTP/3.1\r\nHost: h"), 505, "bad_version"],
    // header fields
    ["obs-fold", R("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  continued"), 400, "obs_fold"],
    ["obs-fold tab", R("GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\tcontinued"), 400, "obs_fold"],
    ["space before colon", R("GET / HTTP/1.1\r\nHost : h"), 400, "bad_header"],
    ["no colon", R("GET / HTTP/1.1\r\nHost h"), 400, "bad_header"],
    ["empty name", R("GET / HTTP/1.1\r\n: h\r\nHost: h"), 400, "bad_header"],
    ["bad name char", R("GET / HTTP/1.1\r\nHo{st: h"), 400, "bad_header"],
    ["NUL in value", R("GET / HTTP/1.1\r\nHost: h\u0000x"), 400, "bad_header"],
    ["bare CR in value", R("GET / HTTP/1.1\r\nHost: h\rX-Injected: 1"), 400, "bad_header"],
    ["missing Host in 1.1", R("GET / HTTP/1.1\r\nAccept: */*"), 400, "missing_host"],
    ["two Host fields", R("GET / HTTP/1.1\r\nHost: a\r\nHost: b"), 400, "missing_host"],
    // Content-Length
    ["negative CL", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1"), 400, "bad_content_length"],
    ["CL with sign", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5"), 400, "bad_content_length"],
    ["hex CL", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10"), 400, "bad_content_length"],
    ["empty CL", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:"), 400, "bad_content_length"],
    ["CL with space inside", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 0"), 400, "bad_content_length"],
    ["duplicate CL disagree", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6"), 400, "bad_content_length"],
    ["CL list disagree", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 6"), 400, "bad_content_length"],
    ["CL too large", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999"), 413, "body_too_large"],
    ["CL over limit", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 16777217"), 413, "body_too_large"],
    // smuggling (RFC 9112 6.1, 6.3)
    ["CL + TE", R("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked"), 400, "conflicting_framing"],
    ["TE + CL", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 4"), 400, "conflicting_framing"],
    ["TE: chunked, identity", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity"), 400, "bad_transfer_encoding"],
    ["TE: identity", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity"), 400, "bad_transfer_encoding"],
    ["TE: chunked twice", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked"), 400, "bad_transfer_encoding"],
    ["TE: xchunked", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked"), 400, "bad_transfer_encoding"],
    ["TE: chunked;x=1", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;x=1"), 400, "bad_transfer_encoding"],
    ["TE empty", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding:  "), 400, "bad_transfer_encoding"],
    ["TE in HTTP/1.0", R("POST / HTTP/1.0\r\nTransfer-Encoding: chunked"), 400, "bad_transfer_encoding"],
    ["TE: gzip, chunked", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked"), 501, "unsupported_transfer_coding"],
    ["TE: foo, chunked", R("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: foo, chunked"), 501, "unsupported_transfer_coding"],
  ];
  for (const [name, req, status, code] of cases) {
    it(`${name} -> ${status}`, () => expect(errorOf(req)).toEqual({ status, code }));
  }

  const chunked = (body: string) => `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${body}`;
  const chunkCases: Array<[string, string, number, string]> = [
    ["bad hex", "zz\r\n", 400, "bad_chunk"],
    ["empty size", "\r\n", 400, "bad_chunk"],
    ["negative size", "-1\r\n", 400, "bad_chunk"],
    ["size with 0x", "0x5\r\n", 400, "bad_chunk"],
    ["garbage after size", "5 x\r\n", 400, "bad_chunk"],
    ["missing CRLF after data", "3\r\nabcX\r\n", 400, "bad_chunk"],
    ["CR then garbage after data", "3\r\nabc\rX", 400, "bad_chunk"],
    ["huge size", "fffffffffffffffff\r\n", 400, "bad_chunk"],
    ["size over body limit", "1000001\r\n", 413, "body_too_large"],
    ["obs-fold in trailer", "0\r\nA: 1\r\n b\r\n\r\n", 400, "obs_fold"],
    ["CTL in chunk-ext", "1;\u0001\r\n", 400, "bad_chunk"],
  ];
  for (const [name, body, status, code] of chunkCases) {
    it(`chunked: ${name} -> ${status}`, () => expect(errorOf(chunked(body))).toEqual({ status, code }));
  }

  it("bounds the total chunked body (413)", () => {
    const body = "8\r\n12345678\r\n".repeat(3) + "0\r\n\r\n";
    expect(errorOf(chunked(body), { maxBodyBytes: 20 })).toEqual({ status: 413, code: "body_too_large" });
    expect(errorOf(chunked(body), { maxBodyBytes: 24 })).toBeUndefined();
  });

  it("bounds the chunk-size line", () => {
    expect(errorOf(chunked(`1;${"x".repeat(2000)}\r\n`))).toEqual({ status: 400, code: "bad_chunk" });
  });
});

describe("RequestParser limits", () => {
  it("request line too long -> 414", () => {
    const long = `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: h\r\n\r\n`;
    expect(errorOf(long)).toEqual({ status: 414, code: "uri_too_long" });
    expect(errorOf(long, { maxStartLineBytes: 10000 })).toBeUndefined();
    // Even without a line end the parser stops buffering at the limit.
    expect(errorOf(`GET /${"a".repeat(9000)}`)).toEqual({ status: 414, code: "uri_too_long" });
  });

  it("header section too large -> 431", () => {
    const big = `GET / HTTP/1.1\r\nHost: h\r\nX-Big: ${"b".repeat(20000)}\r\n\r\n`;
    expect(errorOf(big)).toEqual({ status: 431, code: "header_too_large" });
    const many = `GET / HTTP/1.1\r\nHost: h\r\n${"X-A: 0123456789012345678901234567890123456789\r\n".repeat(90)}\r\n`;
    expect(errorOf(many, { maxHeaderBytes: 4096 })).toEqual({ status: 431, code: "header_too_large" });
    expect(errorOf(many)).toBeUndefined();
  });

  it("too many header fields -> 431", () => {
    const req = (n: number) => `GET / HTTP/1.1\r\nHost: h\r\n${"A: 1\r\n".repeat(n)}\r\n`;
    expect(errorOf(req(99))).toBeUndefined();
    expect(errorOf(req(100))).toEqual({ status: 431, code: "too_many_headers" });
    expect(errorOf(req(10), { maxHeaders: 10 })).toEqual({ status: 431, code: "too_many_headers" });
  });

  it("trailer section is bounded too -> 431", () => {
    const req = `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${"t".repeat(300)}\r\n\r\n`;
    expect(errorOf(req, { maxHeaderBytes: 256 })).toEqual({ status: 431, code: "header_too_large" });
  });

  it("rejects nonsensical limits with RangeError", () => {
    expect(() => new RequestParser({ maxHeaders: 0 })).toThrow(RangeError);
    expect(() => new RequestParser({ maxBodyBytes: NaN })).toThrow(RangeError);
    expect(() => new RequestParser({ maxHeaderBytes: Infinity })).toThrow(RangeError);
    expect(() => new RequestParser({ maxStartLineBytes: 1.5 })).toThrow(RangeError);
  });

  it("too many leading empty lines -> 400", () => {
    expect(errorOf("\r\n".repeat(20) + "GET / HTTP/1.1\r\nHost: h\r\n\r\n")).toEqual({ status: 400, code: "bad_start_line" });
  });
});

describe("RequestParser fuzz", () => {
  const seeds = [
    "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
    "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: v\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
  ].map((s) => utf8Encode(s));
  const alphabet = utf8Encode("\r\n :;,0123456789abcdefHTP/.\t\u0000GETPOST-chunkedContent-LengthTransfer-Encoding");

  it("never throws on 10000 mutated and random inputs, and obeys the event grammar", () => {
    const rnd = seededRandom(20261125);
    let errors = 0;
    let heads = 0;
    for (let iter = 0; iter < 10000; iter++) {
      // Start from a pipeline of valid requests, then mutate bytes, insert, delete.
      const parts: number[] = [];
      const n = 1 + Math.floor(rnd() * 3);
      for (let k = 0; k < n; k++) parts.push(...seeds[Math.floor(rnd() * seeds.length)]!);
      const muts = Math.floor(rnd() * 6);
      for (let m = 0; m < muts; m++) {
        const at = Math.floor(rnd() * (parts.length + 1));
        const r = rnd();
        const b = rnd() < 0.5 ? alphabet[Math.floor(rnd() * alphabet.length)]! : Math.floor(rnd() * 256);
        if (r < 0.4) parts[Math.min(at, parts.length - 1)] = b;
        else if (r < 0.7) parts.splice(at, 0, b);
        else parts.splice(at, 1 + Math.floor(rnd() * 4));
      }
      if (rnd() < 0.05) for (let k = 0; k < 200; k++) parts.push(Math.floor(rnd() * 256));
      const bytes = Uint8Array.from(parts);
      const p = new RequestParser({ maxHeaderBytes: 512, maxStartLineBytes: 128, maxBodyBytes: 1 << 16 });
      const events: RequestEvent[] = [];
      for (let i = 0; i < bytes.length; ) {
        const step = 1 + Math.floor(rnd() * 17);
        events.push(...p.push(bytes.subarray(i, i + step)));
        i += step;
      }
      events.push(...p.finish());
      let open = false;
      for (let k = 0; k < events.length; k++) {
        const e = events[k]!;
        if (e.type === "head") {
          expect(open).toBe(false);
          open = true;
          heads++;
        } else if (e.type === "body") expect(open).toBe(true);
        else if (e.type === "end") {
          expect(open).toBe(true);
          open = false;
        } else {
          expect(k).toBe(events.length - 1);
          expect([400, 413, 414, 431, 501, 505]).toContain(e.error.status);
          errors++;
        }
      }
    }
    // The corpus must exercise both paths.
    expect(errors).toBeGreaterThan(1000);
    expect(heads).toBeGreaterThan(1000);
  });
});
