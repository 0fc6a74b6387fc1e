import { describe, expect, it } from "vitest";
import { utf8Decode, utf8Encode } from "@mirage-ts/devices";
import { seededRandom } from "@mirage-ts/netsim";
import { ResponseParser, type ResponseEvent, type ResponseHead } from "./response-parser.ts";

interface Msg {
  head: ResponseHead;
  interim: number[];
  body: string;
  trailers: Array<[string, string]>;
}

function run(input: string, methods: string[] = [], step = 0, eof = true) {
  const bytes = utf8Encode(input);
  const p = new ResponseParser();
  for (const m of methods) p.expect(m);
  const events: ResponseEvent[] = [];
  const s = step || bytes.length || 1;
  for (let i = 0; i < bytes.length; i += s) events.push(...p.push(bytes.subarray(i, i + s)));
  if (eof) events.push(...p.finish());
  const msgs: Msg[] = [];
  let interim: number[] = [];
  let body: number[] = [];
  let error: { code: string; status: number } | undefined;
  for (const e of events) {
    if (e.type === "informational") interim.push(e.head.status);
    else if (e.type === "head") {
      msgs.push({ head: e.head, interim, body: "", trailers: [] });
      interim = [];
      body = [];
    } else if (e.type === "body") body.push(...e.data);
    else if (e.type === "end") {
      msgs[msgs.length - 1]!.body = utf8Decode(Uint8Array.from(body));
      msgs[msgs.length - 1]!.trailers = e.trailers.entries();
    } else error = { code: e.error.code, status: e.error.status };
  }
  return { msgs, error, parser: p };
}

describe("ResponseParser", () => {
  it("parses Content-Length and chunked responses, pipelined, split anywhere", () => {
    const input =
      "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello" +
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nnot\r\n6\r\n found\r\n0\r\nX-T: y\r\n\r\n" +
      "HTTP/1.1 204 No Content\r\n\r\n";
    for (const step of [0, 1, 2, 7]) {
      const { msgs, error } = run(input, [], step);
      expect(error).toBeUndefined();
      expect(msgs.map((m) => [m.head.status, m.head.reason, m.head.bodyKind, m.body])).toEqual([
        [200, "OK", "length", "hello"],
        [404, "Not Found", "chunked", "not found"],
        [204, "No Content", "none", ""],
      ]);
      expect(msgs[1]!.trailers).toEqual([["X-T", "y"]]);
    }
  });

  it("reads until close without framing", () => {
    const { msgs, error, parser } = run("HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of this is body\r\n\r\n");
    expect(error).toBeUndefined();
    expect(msgs[0]!.head.bodyKind).toBe("close");
    expect(msgs[0]!.head.keepAlive).toBe(false);
    expect(msgs[0]!.body).toBe("all of this is body\r\n\r\n");
    expect(parser.closed).toBe(true);
  });

  it("does not end a close-delimited body before EOF", () => {
    const { msgs } = run("HTTP/1.1 200 OK\r\n\r\nabc", [], 0, false);
    expect(msgs[0]!.body).toBe("");
  });

  it("frames HEAD, 304 and 204 responses without a body even with Content-Length", () => {
    const input = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const { msgs, error } = run(input, ["HEAD", "GET", "GET"]);
    expect(error).toBeUndefined();
    expect(msgs.map((m) => [m.head.method, m.head.status, m.head.bodyKind, m.body])).toEqual([
      ["HEAD", 200, "none", ""],
      ["GET", 304, "none", ""],
      ["GET", 200, "length", "ok"],
    ]);
  });

  it("surfaces 1xx interim responses before the final one", () => {
    const input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n";
    const { msgs, error } = run(input, ["POST"], 1);
    expect(error).toBeUndefined();
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.interim).toEqual([100, 103]);
    expect(msgs[0]!.head.status).toBe(201);
    expect(msgs[0]!.head.method).toBe("POST");
  });

  it("accepts a status line without reason phrase", () => {
    expect(run("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n").msgs[0]!.head.reason).toBe("");
    expect(run("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n").msgs[0]!.head.reason).toBe("");
  });

  it("lets Transfer-Encoding override Content-Length but refuses reuse", () => {
    const { msgs } = run("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n");
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.body).toBe("hi");
    expect(msgs[0]!.head.keepAlive).toBe(false);
  });

  it("keep-alive semantics", () => {
    expect(run("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").msgs[0]!.head.keepAlive).toBe(true);
    expect(run("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").msgs[0]!.head.keepAlive).toBe(false);
    expect(run("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").msgs[0]!.head.keepAlive).toBe(false);
    expect(run("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").msgs[0]!.head.keepAlive).toBe(true);
  });

  const errors: Array<[string, string, string]> = [
    ["garbage", "HTTP/1.1 2x0 OK\r\n\r\n", "bad_start_line"],
    ["not HTTP", "ICY 200 OK\r\n\r\n", "bad_start_line"],
    ["4-digit status", "HTTP/1.1 2000 OK\r\n\r\n", "bad_start_line"],
    ["HTTP/2", "HTTP/2.0 200 OK\r\n\r\n", "bad_version"],
    ["bad CL", "HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n", "bad_content_length"],
    ["unknown TE", "HTTP/1.1 200 OK\r\nTransfer-Encoding: br, chunked\r\n\r\n", "unsupported_transfer_coding"],
    ["bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nq\r\n", "bad_chunk"],
    ["obs-fold", "HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n", "obs_fold"],
    ["truncated", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "truncated"],
  ];
  for (const [name, input, code] of errors) {
    it(`error: ${name} -> 502 ${code}`, () => expect(run(input).error).toEqual({ code, status: 502 }));
  }

  it("never throws on 10000 random mutations", () => {
    const rnd = seededRandom(7);
    const seed = utf8Encode("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    for (let iter = 0; iter < 10000; iter++) {
      const b = Array.from(seed);
      for (let m = Math.floor(rnd() * 5); m > 0; m--) {
        const at = Math.floor(rnd() * b.length);
        if (rnd() < 0.5) b[at] = Math.floor(rnd() * 256);
        else b.splice(at, 1);
      }
      const p = new ResponseParser();
      p.expect(rnd() < 0.2 ? "HEAD" : "GET");
      const bytes = Uint8Array.from(b);
      const events: ResponseEvent[] = [];
      for (let i = 0; i < bytes.length; i += 5) events.push(...p.push(bytes.subarray(i, i + 5)));
      events.push(...p.finish());
      const errs = events.filter((e) => e.type === "error");
      expect(errs.length).toBeLessThanOrEqual(1);
      if (errs.length === 1) expect(events[events.length - 1]!.type).toBe("error");
    }
  });
});
