import { describe, expect, it } from "vitest";
import { utf8Decode, utf8Encode } from "@mirage-ts/devices";
import { ChunkedEncoder, encodeRequestHead, encodeResponse, encodeResponseHead } from "./serializer.ts";
import { ResponseParser } from "./response-parser.ts";
import { RequestParser } from "./request-parser.ts";
import { Headers } from "./headers.ts";

const text = (b: Uint8Array) => utf8Decode(b);

describe("encodeResponse", () => {
  it("writes status line, headers in order and Content-Length", () => {
    const out = encodeResponse({ status: 200, headers: [["Content-Type", "text/plain"], ["X-A", "1"]] }, utf8Encode("hi"));
    expect(text(out)).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi");
  });

  it("HEAD keeps Content-Length but drops the body", () => {
    const out = encodeResponse({ status: 200, requestMethod: "HEAD" }, utf8Encode("hello"));
    expect(text(out)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  });

  it("204 and 304 have neither body nor Content-Length", () => {
    expect(text(encodeResponse({ status: 204 }, utf8Encode("x")))).toBe("HTTP/1.1 204 No Content\r\n\r\n");
    expect(text(encodeResponse({ status: 304, headers: { ETag: '"a"' } }))).toBe('HTTP/1.1 304 Not Modified\r\nETag: "a"\r\n\r\n');
  });

  it("adds Connection: close once and a custom reason", () => {
    const out = encodeResponse({ status: 599, reason: "Odd", close: true, headers: { Connection: "close" } });
    expect(text(out)).toBe("HTTP/1.1 599 Odd\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    expect(text(encodeResponse({ status: 500, close: true }))).toContain("Connection: close\r\n");
  });

  it("rejects injection and misuse", () => {
    expect(() => encodeResponse({ status: 200, headers: { "X-A": "a\r\nSet-Cookie: x" } })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: { "X-A": "a\nb" } })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: { "X A": "a" } })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: { "X-\u0100": "a" } })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: { "X-A": "\u2603" } })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, reason: "OK\r\nX: 1" })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 200, headers: { "Content-Length": "3" } })).toThrow(TypeError);
    expect(() => encodeResponse({ status: 99 })).toThrow(RangeError);
    expect(() => encodeResponse({ status: 200.5 })).toThrow(RangeError);
  });
});

describe("chunked encoding", () => {
  it("streams chunks and trailers that the parser reads back", () => {
    const { head, bodyAllowed } = encodeResponseHead({ status: 200, headers: { "Content-Type": "text/plain" } }, { kind: "chunked" });
    expect(bodyAllowed).toBe(true);
    expect(text(head)).toBe("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n");
    const enc = new ChunkedEncoder();
    const parts = [head, enc.encode(utf8Encode("hello ")), enc.encode(new Uint8Array(0)), enc.encode(new Uint8Array(300).fill(0x61)), enc.end({ "X-Sum": "1" })];
    expect(text(parts[1]!)).toBe("6\r\nhello \r\n");
    expect(parts[2]!.length).toBe(0);
    expect(text(parts[3]!).slice(0, 5)).toBe("12c\r\n");
    expect(text(parts[4]!)).toBe("0\r\nX-Sum: 1\r\n\r\n");
    expect(() => enc.encode(utf8Encode("late"))).toThrow(TypeError);

    const p = new ResponseParser();
    const body: number[] = [];
    let trailers: Array<[string, string]> = [];
    for (const part of parts) {
      for (const e of p.push(part)) {
        if (e.type === "body") body.push(...e.data);
        if (e.type === "end") trailers = e.trailers.entries();
        if (e.type === "error") throw new Error(e.error.message);
      }
    }
    expect(utf8Decode(Uint8Array.from(body))).toBe("hello " + "a".repeat(300));
    expect(trailers).toEqual([["X-Sum", "1"]]);
    expect(p.idle).toBe(true);
  });

  it("HEAD/204/304 heads announce no chunked body; HTTP/1.0 gets close-delimited", () => {
    const r = encodeResponseHead({ status: 200, requestMethod: "HEAD" }, { kind: "chunked" });
    expect(r.bodyAllowed).toBe(false);
    expect(text(r.head)).toBe("HTTP/1.1 200 OK\r\n\r\n");
    const r10 = encodeResponseHead({ status: 200, version: "1.0" }, { kind: "chunked" });
    expect(text(r10.head)).toBe("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
    expect(r10.bodyAllowed).toBe(true);
  });
});

describe("encodeRequestHead", () => {
  it("round-trips through the request parser", () => {
    const head = encodeRequestHead({ method: "POST", target: "/api?q=1", headers: { Host: "example.com" } }, { kind: "length", length: 3 });
    expect(text(head)).toBe("POST /api?q=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\n");
    const ev = new RequestParser().push(Uint8Array.from([...head, 0x61, 0x62, 0x63]));
    expect(ev.map((e) => e.type)).toEqual(["head", "body", "end"]);
    expect(() => encodeRequestHead({ method: "G T", target: "/" }, { kind: "none" })).toThrow(TypeError);
    expect(() => encodeRequestHead({ method: "GET", target: "/a b" }, { kind: "none" })).toThrow(TypeError);
  });
});

describe("Headers", () => {
  it("is case-insensitive, ordered and keeps original case", () => {
    const h = new Headers([["Set-Cookie", "a=1"], ["content-type", "text/html"], ["SET-COOKIE", "b=2"]]);
    expect(h.get("set-cookie")).toBe("a=1, b=2");
    expect(h.getAll("Set-Cookie")).toEqual(["a=1", "b=2"]);
    expect(h.first("Content-Type")).toBe("text/html");
    expect(h.has("CONTENT-TYPE")).toBe(true);
    expect(h.get("missing")).toBeUndefined();
    h.set("set-cookie", "c=3");
    expect(h.entries()).toEqual([["set-cookie", "c=3"], ["content-type", "text/html"]]);
    h.append("X-Trim", "  v  ");
    expect(h.first("x-trim")).toBe("v");
    expect(h.delete("X-TRIM")).toBe(true);
    expect(h.size).toBe(2);
    expect(new Headers(h).entries()).toEqual(h.entries());
  });

  it("rejects bad names and values", () => {
    expect(() => new Headers().append("", "x")).toThrow(TypeError);
    expect(() => new Headers().append("a:b", "x")).toThrow(TypeError);
    expect(() => new Headers().append("a", "x\r\n")).toThrow(TypeError);
    expect(() => new Headers().append("a", "x\u0000")).toThrow(TypeError);
    expect(() => new Headers().set("a", "x\ry")).toThrow(TypeError);
  });
});
