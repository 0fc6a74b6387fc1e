import { describe, expect, it } from "vitest";
import { utf8Decode, utf8Encode } from "@mirage-ts/devices";
import { seededRandom } from "@mirage-ts/netsim";
import { RequestParser, type RequestEvent, type RequestHead } from "./request-parser.ts";
import type { ParserLimits } from "./message-parser.ts";
import type { HttpError } from "./errors.ts";

interface Msg {
  head: RequestHead;
  body: string;
  trailers: Array<[string, string]>;
  ended: boolean;
}

/** Folds events into messages, checking the event grammar as it goes. */
function fold(events: RequestEvent[]): { msgs: Msg[]; error: HttpError | undefined } {
  const msgs: Msg[] = [];
  let error: HttpError | undefined;
  let cur: Msg | undefined;
  const parts: Uint8Array[] = [];
  for (const e of events) {
    expect(error).toBeUndefined();
    if (e.type === "head") {
      expect(cur === undefined || cur.ended).toBe(true);
      cur = { head: e.head, body: "", trailers: [], ended: false };
      parts.length = 0;
      msgs.push(cur);
    } else if (e.type === "body") {
      expect(cur && !cur.ended).toBe(true);
      parts.push(e.data.slice());
    } else if (e.type === "end") {
      expect(cur && !cur.ended).toBe(true);
      const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      cur!.body = utf8Decode(all);
      cur!.trailers = e.trailers.entries();
      cur!.ended = true;
    } else {
      error = e.error;
    }
  }
  return { msgs, error };
}

function parse(input: string | Uint8Array, limits?: Partial<ParserLimits>, split?: (n: number) => number[]) {
  const bytes = typeof input === "string" ? utf8Encode(input) : input;
  const p = new RequestParser(limits);
  const events: RequestEvent[] = [];
  const cuts = split ? split(bytes.length) : [bytes.length];
  let at = 0;
  for (const c of cuts) {
    events.push(...p.push(bytes.subarray(at, at + c)));
    at += c;
  }
  events.push(...p.finish());
  return { ...fold(events), parser: p };
}

const oneByte = (n: number) => Array.from({ length: n }, () => 1);

const CURL_GET =
  "GET /index.html?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n";

describe("RequestParser: well-formed requests", () => {
  it("parses a curl GET", () => {
    const { msgs, error } = parse(CURL_GET);
    expect(error).toBeUndefined();
    expect(msgs).toHaveLength(1);
    const h = msgs[0]!.head;
    expect(h.method).toBe("GET");
    expect(h.target).toBe("/index.html?x=1");
    expect(h.targetForm).toBe("origin");
    expect(h.version).toBe("1.1");
    expect(h.keepAlive).toBe(true);
    expect(h.expectContinue).toBe(false);
    expect(h.bodyKind).toBe("none");
    expect(h.headers.entries()).toEqual([
      ["Host", "localhost:8080"],
      ["User-Agent", "curl/8.5.0"],
      ["Accept", "*/*"],
    ]);
    expect(h.headers.get("user-agent")).toBe("curl/8.5.0");
    expect(msgs[0]!.ended).toBe(true);
  });

  it("parses a POST with Content-Length, and Expect: 100-continue", () => {
    const { msgs, error } = parse(
      "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nExpect: 100-Continue\r\n\r\nhello world",
    );
    expect(error).toBeUndefined();
    expect(msgs[0]!.head.bodyKind).toBe("length");
    expect(msgs[0]!.head.contentLength).toBe(11);
    expect(msgs[0]!.head.expectContinue).toBe(true);
    expect(msgs[0]!.body).toBe("hello world");
  });

  it("emits the head of a curl -T chunked upload before its body arrives (100-continue)", () => {
    const p = new RequestParser();
    const head = utf8Encode(
      "PUT /up.txt HTTP/1.1\r\nHost: 10.0.0.2:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n" +
        "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
    );
    const first = p.push(head);
    expect(first).toHaveLength(1);
    expect(first[0]!.type === "head" && first[0]!.head.expectContinue).toBe(true);
    const rest = p.push(utf8Encode("4\r\ndata\r\n0\r\n\r\n"));
    expect(rest.map((e) => e.type)).toEqual(["body", "end"]);
    expect(p.idle).toBe(true);
  });

  it("ignores Expect: 100-continue from HTTP/1.0", () => {
    const { msgs } = parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n");
    expect(msgs[0]!.head.expectContinue).toBe(false);
  });

  it("decodes chunked bodies with extensions and trailers", () => {
    const req =
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "5;name=value\r\nhello\r\n1 ; a=\"b\"\r\n \r\nA\r\n0123456789\r\n0\r\nX-Checksum: abc\r\nX-Other:  z \r\n\r\n";
    const { msgs, error } = parse(req);
    expect(error).toBeUndefined();
    expect(msgs[0]!.head.bodyKind).toBe("chunked");
    expect(msgs[0]!.body).toBe("hello 0123456789");
    expect(msgs[0]!.trailers).toEqual([
      ["X-Checksum", "abc"],
      ["X-Other", "z"],
    ]);
  });

  it("accepts the four request-target forms", () => {
    expect(parse("GET http://example.com/a HTTP/1.1\r\nHost: example.com\r\n\r\n").msgs[0]!.head.targetForm).toBe("absolute");
    expect(parse("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").msgs[0]!.head.targetForm).toBe("authority");
    expect(parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").msgs[0]!.head.targetForm).toBe("asterisk");
    expect(parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n").msgs[0]!.head.targetForm).toBe("origin");
  });

  it("trims OWS, keeps empty values, and decodes obs-text as Latin-1", () => {
    const bytes = utf8Encode("GET / HTTP/1.1\r\nHost:h\r\nX-Empty:\r\nX-Tabs:\t a b \t\r\nX-Latin: caf_\r\n\r\n");
    bytes[bytes.indexOf(0x5f)] = 0xe9; // é in Latin-1
    const { msgs, error } = parse(bytes);
    expect(error).toBeUndefined();
    const h = msgs[0]!.head.headers;
    expect(h.first("host")).toBe("h");
    expect(h.first("x-empty")).toBe("");
    expect(h.first("x-tabs")).toBe("a b");
    expect(h.first("x-latin")).toBe("caf\u00e9");
  });

  it("accepts bare LF line endings and a leading empty line", () => {
    const { msgs, error } = parse("\r\nGET / HTTP/1.1\nHost: h\n\n");
    expect(error).toBeUndefined();
    expect(msgs[0]!.head.method).toBe("GET");
  });

  it("treats HTTP/1.2 as 1.1", () => {
    expect(parse("GET / HTTP/1.2\r\nHost: h\r\n\r\n").msgs[0]!.head.version).toBe("1.1");
  });
});

describe("RequestParser: keep-alive", () => {
  const cases: Array<[string, string, boolean]> = [
    ["1.1 default", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", true],
    ["1.1 close", "GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", false],
    ["1.1 close in a list", "GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, close\r\n\r\n", false],
    ["1.0 default", "GET / HTTP/1.0\r\n\r\n", false],
    ["1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true],
    ["1.0 keep-alive, close", "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false],
  ];
  for (const [name, req, ka] of cases) {
    it(name, () => expect(parse(req).msgs[0]!.head.keepAlive).toBe(ka));
  }

  it("ignores requests after Connection: close (RFC 9112 9.6)", () => {
    const { msgs, parser } = parse("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n");
    expect(msgs.map((m) => m.head.target)).toEqual(["/a"]);
    expect(parser.closed).toBe(true);
  });
});

const PIPELINE =
  CURL_GET +
  "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc" +
  "PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nxyz\r\n0\r\nT: 1\r\n\r\n" +
  "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n" +
  "DELETE /d HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n";

function checkPipeline(r: ReturnType<typeof parse>): void {
  expect(r.error).toBeUndefined();
  expect(r.msgs.map((m) => [m.head.method, m.head.target, m.body, m.ended])).toEqual([
    ["GET", "/index.html?x=1", "", true],
    ["POST", "/p", "abc", true],
    ["PUT", "/c", "xyz", true],
    ["HEAD", "/h", "", true],
    ["DELETE", "/d", "", true],
  ]);
  expect(r.msgs[2]!.trailers).toEqual([["T", "1"]]);
  expect(r.parser.idle || r.parser.closed).toBe(true);
}

describe("RequestParser: pipelining and splits", () => {
  it("parses pipelined requests in one chunk", () => checkPipeline(parse(PIPELINE)));
  it("parses pipelined requests fed one byte at a time", () => checkPipeline(parse(PIPELINE, undefined, oneByte)));
  it("parses pipelined requests in 500 random splits", () => {
    const rnd = seededRandom(42);
    for (let t = 0; t < 500; t++) {
      checkPipeline(
        parse(PIPELINE, undefined, (n) => {
          const cuts: number[] = [];
          for (let left = n; left > 0; ) {
            const c = Math.min(left, 1 + Math.floor(rnd() * 40));
            cuts.push(c);
            left -= c;
          }
          return cuts;
        }),
      );
    }
  });

  it("is idle between messages and reports truncation at EOF", () => {
    const p = new RequestParser();
    p.push(utf8Encode("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    expect(p.idle).toBe(true);
    p.push(utf8Encode("GET / HT"));
    expect(p.idle).toBe(false);
    const ev = p.finish();
    expect(ev).toEqual([{ type: "error", error: expect.objectContaining({ code: "truncated", status: 400 }) }]);
  });

  it("reports a truncated body at EOF", () => {
    expect(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc").error?.code).toBe("truncated");
  });
});
