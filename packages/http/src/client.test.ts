/**
 * httpRequest against the repo's own serveHttp and against scripted raw servers, over
 * in-memory connected flows (and once over two direct stacks on the simulated switch).
 */
import { err, ok, type Flow, type FlowError, type Result, type Tcp } from "@mirage-ts/devices";
import { SimClock, Switch, runPromise, seededRandom } from "@mirage-ts/netsim";
import { directStack } from "@mirage-ts/tcpip";
import { describe, expect, it } from "vitest";
import { httpRequest, type HttpRequestOptions } from "./client.ts";
import { serveHttp, type Handler, type Request } from "./server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** One end of an in-memory connection; what one end writes the other reads. */
class PipeEnd implements Flow {
  peer!: PipeEnd;
  private queue: Array<Uint8Array | null> = [];
  private waiter: ((r: Result<Uint8Array | null, FlowError>) => void) | undefined;
  private writeClosed = false;
  constructor(
    readonly local: { address: string; port: number },
    readonly remote: { address: string; port: number },
  ) {}
  deliver(v: Uint8Array | null): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w(ok(v));
    } else this.queue.push(v);
  }
  read(): Promise<Result<Uint8Array | null, FlowError>> {
    if (this.queue.length > 0) return Promise.resolve(ok(this.queue.shift()!));
    return new Promise((resolve) => (this.waiter = resolve));
  }
  async write(data: Uint8Array): Promise<Result<void, FlowError>> {
    if (this.writeClosed) return err({ code: "closed", message: "closed" });
    if (data.length > 0) this.peer.deliver(data.slice());
    return ok(undefined);
  }
  async writev(data: readonly Uint8Array[]): Promise<Result<void, FlowError>> {
    for (const d of data) {
      const r = await this.write(d);
      if (!r.ok) return r;
    }
    return ok(undefined);
  }
  async shutdown(mode: "read" | "write" | "both"): Promise<void> {
    if (mode !== "read" && !this.writeClosed) {
      this.writeClosed = true;
      this.peer.deliver(null);
    }
  }
  async close(): Promise<void> {
    await this.shutdown("both");
    this.deliver(null);
  }
}

/** A Tcp for both sides: `listen` on the server side, `connect` from the client to known hosts. */
function memoryTcp(hosts: readonly string[] = ["10.0.0.1"]): Tcp & { connects: string[] } {
  const listeners = new Map<string, (f: Flow) => void | Promise<void>>();
  let nextPort = 40000;
  const connects: string[] = [];
  return {
    connects,
    listen: (port, cb) => void listeners.set(String(port), cb),
    unlisten: (port) => void listeners.delete(String(port)),
    async connect(address, port) {
      connects.push(`${address}:${port}`);
      if (!hosts.includes(address)) return err({ code: "unreachable", message: "no route" });
      const cb = listeners.get(String(port));
      if (!cb) return err({ code: "refused", message: "connection refused" });
      const client = new PipeEnd({ address: "10.0.0.2", port: nextPort }, { address, port });
      const server = new PipeEnd({ address, port }, { address: "10.0.0.2", port: nextPort++ });
      client.peer = server;
      server.peer = client;
      void cb(server);
      return ok(client);
    },
  };
}

/** A raw server: reads until the request head ends, then writes `parts` one by one, then closes (or not). */
function rawServer(tcp: Tcp, port: number, parts: readonly string[], opts: { close?: boolean } = {}): { requests: string[] } {
  const requests: string[] = [];
  tcp.listen(port, async (flow) => {
    let text = "";
    while (!text.includes("\r\n\r\n")) {
      const r = await flow.read();
      if (!r.ok || r.value === null) return;
      text += dec.decode(r.value);
    }
    requests.push(text);
    for (const p of parts) {
      await flow.write(enc.encode(p));
      await new Promise((r) => setTimeout(r, 1));
    }
    if (opts.close !== false) await flow.close();
  });
  return { requests };
}

const get = (tcp: Tcp, url: string, more: Partial<HttpRequestOptions> = {}) => httpRequest({ tcp }, { url, ...more });

function served(tcp: Tcp, handler: Handler): Request[] {
  const seen: Request[] = [];
  serveHttp(tcp, 80, (req) => {
    seen.push(req);
    return handler(req);
  });
  return seen;
}

describe("httpRequest against serveHttp", () => {
  it("GETs a body, sending Host, User-Agent, Accept and Connection: close", async () => {
    const tcp = memoryTcp();
    const seen = served(tcp, () => ({ status: 200, headers: { "Content-Type": "text/plain" }, body: enc.encode("hello") }));
    const r = await get(tcp, "http://10.0.0.1/index.html?x=1#frag");
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value).toMatchObject({ status: 200, reason: "OK", version: "1.1", url: "http://10.0.0.1/index.html?x=1", redirects: [] });
    expect(dec.decode(r.value.body)).toBe("hello");
    expect(r.value.headers.get("content-type")).toBe("text/plain");
    expect(seen[0]!.target).toBe("/index.html?x=1");
    expect(seen[0]!.headers.entries()).toEqual([
      ["Host", "10.0.0.1"],
      ["User-Agent", "mirage-ts"],
      ["Accept", "*/*"],
      ["Connection", "close"],
    ]);
  });

  it("POSTs a body with its length, and HEAD gets no body", async () => {
    const tcp = memoryTcp();
    const seen = served(tcp, (req) => ({ status: 201, body: enc.encode(`${req.method} ${req.body.length} ${dec.decode(req.body)}`) }));
    const post = await get(tcp, "http://10.0.0.1/submit", { method: "POST", body: "a=1&b=é", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(post.ok && [post.value.status, dec.decode(post.value.body)]).toEqual([201, "POST 8 a=1&b=é"]);
    expect(seen[0]!.headers.get("content-length")).toBe("8");
    const head = await get(tcp, "http://10.0.0.1/", { method: "HEAD" });
    expect(head.ok && [head.value.status, head.value.body.length, head.value.headers.get("content-length")]).toEqual([201, 0, "7"]);
  });

  it("follows redirects with the method rules of RFC 9110 15.4 and relative Locations", async () => {
    const tcp = memoryTcp();
    const seen = served(tcp, (req) => {
      const m = /\/r(\d{3})(\/[^/]*)?$/.exec(req.target);
      if (m) return { status: Number(m[1]), headers: { Location: m[2] ? `..${m[2]}` : "final?q=1" } };
      return { status: 200, body: enc.encode(`${req.method} ${req.target} ${dec.decode(req.body)} ${req.headers.get("content-type") ?? "-"}`) };
    });
    const post = (url: string) => get(tcp, url, { method: "POST", body: "data", headers: { "Content-Type": "text/plain" } });
    const cases: Array<[string, string]> = [
      ["r301", "GET /final?q=1  -"],
      ["r302", "GET /final?q=1  -"],
      ["r303", "GET /final?q=1  -"],
      ["r307", "POST /final?q=1 data text/plain"],
      ["r308", "POST /final?q=1 data text/plain"],
    ];
    for (const [path, want] of cases) {
      const r = await post(`http://10.0.0.1/dir/${path}`);
      if (!r.ok) throw new Error(r.error.message);
      expect(dec.decode(r.value.body), path).toBe(want.replace("/final", "/dir/final"));
      expect(r.value.redirects).toEqual([`http://10.0.0.1/dir/${path}`]);
      expect(r.value.url).toBe("http://10.0.0.1/dir/final?q=1");
    }
    // 303 keeps HEAD; 301 keeps PUT; "../x" from /a/b/r301/x climbs to /a/b/x.
    const head = await get(tcp, "http://10.0.0.1/a/r303", { method: "HEAD" });
    expect(head.ok && seen.at(-1)!.method).toBe("HEAD");
    const put = await get(tcp, "http://10.0.0.1/a/b/r301/x", { method: "PUT", body: "p" });
    expect(put.ok && dec.decode(put.value.body)).toBe("PUT /a/b/x p -");
  });

  it("stops at the redirect limit, and returns the 3xx itself with maxRedirects 0", async () => {
    const tcp = memoryTcp();
    served(tcp, (req) => ({ status: 302, headers: { Location: `/n${Number(req.target.slice(2) || 0) + 1}` } }));
    const r = await get(tcp, "http://10.0.0.1/n0", { maxRedirects: 3 });
    expect(r).toEqual({ ok: false, error: { code: "too_many_redirects", message: "more than 3 redirects (the last from http://10.0.0.1/n3 to /n4)" } });
    const zero = await get(tcp, "http://10.0.0.1/n0", { maxRedirects: 0 });
    expect(zero.ok && [zero.value.status, zero.value.headers.get("location")]).toEqual([302, "/n1"]);
    expect(tcp.connects.length).toBe(5);
  });

  it("resolves host names through `resolve`, drops credentials across origins, and refuses https", async () => {
    const tcp = memoryTcp(["10.0.0.1", "10.0.0.3"]);
    const seen = served(tcp, (req) => {
      if (req.target === "/away") return { status: 301, headers: { Location: "http://other.example:80/there" } };
      if (req.target === "/tls") return { status: 302, headers: { Location: "https://secure.example/" } };
      return { status: 200, body: enc.encode(req.headers.get("host") ?? "") };
    });
    const names: Record<string, string> = { "www.example": "10.0.0.1", "other.example": "10.0.0.3" };
    const resolve = async (h: string) => (names[h] ? ok(names[h]!) : err({ code: "nxdomain", message: `${h}.: no such domain` }));
    const r = await get(tcp, "http://WWW.example/away", { resolve, headers: { Authorization: "Bearer x" } });
    if (!r.ok) throw new Error(r.error.message);
    expect(dec.decode(r.value.body)).toBe("other.example");
    expect(seen.map((q) => q.headers.get("authorization"))).toEqual(["Bearer x", undefined]);
    expect(tcp.connects).toEqual(["10.0.0.1:80", "10.0.0.3:80"]);
    expect(await get(tcp, "http://missing.example/", { resolve })).toEqual({ ok: false, error: { code: "resolve", message: "cannot resolve missing.example: missing.example.: no such domain" } });
    const noResolver = await get(tcp, "http://www.example/");
    expect(!noResolver.ok && noResolver.error.code).toBe("resolve");
    const tls = await get(tcp, "http://10.0.0.1/tls");
    expect(tls).toEqual({ ok: false, error: { code: "unsupported_scheme", message: "redirect from http://10.0.0.1/tls: https is not supported (no TLS yet): https://secure.example/" } });
    expect(await get(tcp, "https://10.0.0.1/")).toMatchObject({ ok: false, error: { code: "unsupported_scheme" } });
    expect(await get(tcp, "ftp://10.0.0.1/")).toMatchObject({ ok: false, error: { code: "unsupported_scheme" } });
    expect(await get(tcp, "10.0.0.1/")).toMatchObject({ ok: false, error: { code: "bad_url" } });
  });

  it("reports refused and unreachable connections", async () => {
    const tcp = memoryTcp();
    expect(await get(tcp, "http://10.0.0.1:81/")).toEqual({ ok: false, error: { code: "connect", message: "cannot connect to 10.0.0.1:81 (10.0.0.1:81): connection refused" } });
    expect(await get(tcp, "http://10.0.0.9/")).toMatchObject({ ok: false, error: { code: "connect" } });
  });
});

describe("httpRequest against raw responses", () => {
  it("decodes a chunked body split anywhere, with trailers", async () => {
    const tcp = memoryTcp();
    rawServer(tcp, 80, ["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", "lo\r\n6;ext=1\r\n wor", "ld\r\n0\r\nX-Trailer: t\r\n\r\n"], { close: false });
    const r = await get(tcp, "http://10.0.0.1/");
    expect(r.ok && dec.decode(r.value.body)).toBe("hello world");
  });

  it("reads a close-delimited body to the end, and skips 100 Continue", async () => {
    const tcp = memoryTcp();
    rawServer(tcp, 80, ["HTTP/1.1 100 Continue\r\n\r\n", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ", "the end"]);
    const r = await get(tcp, "http://10.0.0.1/");
    expect(r.ok && [r.value.status, r.value.version, dec.decode(r.value.body)]).toEqual([200, "1.0", "until the end"]);
  });

  it("fails cleanly on truncated, malformed and oversized responses", async () => {
    const cases: Array<[string[], Partial<HttpRequestOptions>, string, RegExp]> = [
      [["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"], {}, "protocol", /closed the connection before the response was complete \(5 body bytes/],
      [["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"], {}, "protocol", /bad response/],
      [["garbage\r\n\r\n"], {}, "protocol", /malformed status line/],
      [[], {}, "protocol", /closed the connection without a response/],
      [["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"], { maxBodyBytes: 10 }, "too_large", /larger than 10 bytes/],
      [["HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n" + "x".repeat(32) + "\r\n0\r\n\r\n"], { maxBodyBytes: 10 }, "too_large", /larger than 10/],
      [["HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(11)], { maxBodyBytes: 10 }, "too_large", /larger than 10/],
    ];
    for (const [parts, more, code, message] of cases) {
      const tcp = memoryTcp();
      rawServer(tcp, 80, parts);
      const r = await get(tcp, "http://10.0.0.1/", more);
      expect(!r.ok && r.error.code, parts.join("")).toBe(code);
      expect(!r.ok && r.error.message).toMatch(message);
    }
  });

  it("times out when the server never finishes, within timeoutMs", async () => {
    const tcp = memoryTcp();
    rawServer(tcp, 80, ["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"], { close: false });
    const t0 = Date.now();
    const r = await get(tcp, "http://10.0.0.1/slow", { timeoutMs: 200 });
    expect(r).toEqual({ ok: false, error: { code: "timeout", message: "GET http://10.0.0.1/slow: no complete response within 200 ms" } });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("rejects misuse with TypeError/RangeError", async () => {
    const tcp = memoryTcp();
    await expect(get(tcp, "http://10.0.0.1/", { method: "G T" })).rejects.toThrow(TypeError);
    await expect(get(tcp, "http://10.0.0.1/", { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(get(tcp, "http://10.0.0.1/", { maxRedirects: -1 })).rejects.toThrow(RangeError);
  });
});

describe("httpRequest over two direct stacks on a lossy simulated switch", () => {
  it("fetches 300 kB from serveHttp byte for byte", async () => {
    const clock = new SimClock();
    const sw = new Switch({ seed: 21, now: clock.now, impairments: { loss: 0.03 } });
    const rng = (seed: number) => {
      const r = seededRandom(seed);
      return (n: number) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
    };
    const run = <T>(p: Promise<T>) => runPromise(sw, clock, p, { maxNs: 600e9 });
    const server = await run(directStack(sw.port("s"), { ipv4: "10.0.0.1/24", time: clock, random: rng(1) }));
    const client = await run(directStack(sw.port("c"), { ipv4: "10.0.0.2/24", time: clock, random: rng(2) }));
    const payload = rng(3)(300_000);
    serveHttp(server.tcp, 80, () => ({ status: 200, body: payload }));
    const r = await run(httpRequest(client, { url: "http://10.0.0.1/blob" }));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.body.length).toBe(payload.length);
    expect(Buffer.from(r.value.body).equals(Buffer.from(payload))).toBe(true);
    await client.disconnect();
    await server.disconnect();
  });
});
