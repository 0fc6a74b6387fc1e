import type { Flow, FlowError, Result, Tcp } from "@mirage-ts/devices";
import { describe, expect, it } from "vitest";
import { httpDate, serveHttp, type Handler } from "./server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder("latin1");

/** A server-side Flow fed by the test; `out` collects what the server writes. */
class FakeFlow implements Flow {
  readonly local = { address: "10.0.0.1", port: 80 };
  readonly remote = { address: "10.0.0.2", port: 40000 };
  out = "";
  closed = false;
  private queue: Array<Uint8Array | null> = [];
  private waiter: ((r: Result<Uint8Array | null, FlowError>) => void) | undefined;
  private onClose: Array<() => void> = [];
  send(s: string | null): void {
    const v = s === null ? null : enc.encode(s);
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ ok: true, value: v });
    } else this.queue.push(v);
  }
  read(): Promise<Result<Uint8Array | null, FlowError>> {
    if (this.queue.length > 0) return Promise.resolve({ ok: true, value: this.queue.shift()! });
    if (this.closed) return Promise.resolve({ ok: true, value: null });
    return new Promise((resolve) => (this.waiter = resolve));
  }
  async write(data: Uint8Array): Promise<Result<void, FlowError>> {
    this.out += dec.decode(data);
    return { ok: true, value: undefined };
  }
  async writev(data: readonly Uint8Array[]): Promise<Result<void, FlowError>> {
    for (const d of data) await this.write(d);
    return { ok: true, value: undefined };
  }
  async shutdown(): Promise<void> {}
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.waiter?.({ ok: true, value: null });
    this.waiter = undefined;
    for (const f of this.onClose) f();
  }
  whenClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((r) => this.onClose.push(r));
  }
}

function fakeTcp(): { tcp: Tcp; accept(): FakeFlow } {
  let onFlow: ((f: Flow) => void | Promise<void>) | undefined;
  const tcp: Tcp = {
    listen: (_port, cb) => void (onFlow = cb),
    unlisten: () => void (onFlow = undefined),
    connect: () => Promise.reject(new Error("unused")),
  };
  return {
    tcp,
    accept() {
      const f = new FakeFlow();
      void onFlow!(f);
      return f;
    },
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const echo: Handler = (req) => ({ status: 200, headers: { "Content-Type": "text/plain" }, body: enc.encode(`${req.method} ${req.target} ${req.body.length}`) });

describe("serveHttp", () => {
  it("answers pipelined requests in order and closes on Connection: close", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, async (req) => {
      if (req.target === "/slow") await new Promise((r) => setTimeout(r, 20));
      return echo(req);
    });
    const f = accept();
    f.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\nPOST /b HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyzGET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await f.whenClosed();
    const bodies = [...f.out.matchAll(/\r\n\r\n([A-Z]+ \S+ \d+)/g)].map((m) => m[1]);
    expect(bodies).toEqual(["GET /slow 0", "POST /b 3", "GET /c 0"]);
    expect(f.out).toMatch(/Connection: close\r\n\r\nGET \/c 0$/);
  });

  it("sends no body for HEAD but announces its length", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, echo);
    const f = accept();
    f.send("HEAD /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await f.whenClosed();
    expect(f.out).toContain("Content-Length: 9\r\n"); // "HEAD /x 0"
    expect(f.out.endsWith("\r\n\r\n")).toBe(true);
  });

  it("sends 100 Continue before the body of an Expect: 100-continue request", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, echo);
    const f = accept();
    f.send("PUT /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    await tick();
    expect(f.out).toBe("HTTP/1.1 100 Continue\r\n\r\n");
    f.send("abcd");
    await tick();
    expect(f.out).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK\r\n[^]*PUT \/u 4$/);
    expect(f.closed).toBe(false); // keep-alive
  });

  it("answers a parse error with its status and Connection: close, and a throwing handler with 500", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, (req) => {
      if (req.target === "/boom") throw new Error("boom");
      return echo(req);
    });
    const bad = accept();
    bad.send("GET / HTTP/1.1\r\n\r\n"); // no Host
    await bad.whenClosed();
    expect(bad.out).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*Connection: close\r\n/);
    const boom = accept();
    boom.send("GET /boom HTTP/1.1\r\nHost: a\r\n\r\nGET /after HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    await boom.whenClosed();
    expect(boom.out).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n[^]*GET \/after 0$/);
  });

  it("keeps an HTTP/1.0 keep-alive connection open and closes a plain HTTP/1.0 one", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, echo);
    const ka = accept();
    ka.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    await tick();
    expect(ka.out).toContain("Connection: keep-alive\r\n");
    expect(ka.closed).toBe(false);
    const plain = accept();
    plain.send("GET /a HTTP/1.0\r\n\r\n");
    await plain.whenClosed();
    expect(plain.out).toContain("Connection: close\r\n");
    await ka.close();
  });

  it("closes slowloris heads after the header timeout and idle connections after the idle timeout", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, echo, { headerTimeoutMs: 80, idleMs: 150 });
    const slow = accept();
    const t0 = Date.now();
    slow.send("GET / HTTP/1.1\r\n");
    // Trickling bytes does not reset the head timer.
    const trickle = setInterval(() => slow.send("X"), 20);
    await slow.whenClosed();
    clearInterval(trickle);
    const slowMs = Date.now() - t0;
    expect(slowMs).toBeGreaterThanOrEqual(70);
    expect(slowMs).toBeLessThan(140);
    expect(slow.out).toBe("");
    const idle = accept();
    const t1 = Date.now();
    await idle.whenClosed();
    expect(Date.now() - t1).toBeGreaterThanOrEqual(140);
  });

  it("answers 503 and closes beyond maxConnections", async () => {
    const { tcp, accept } = fakeTcp();
    const server = serveHttp(tcp, 80, echo, { maxConnections: 1 });
    const first = accept();
    await tick();
    expect(server.connections).toBe(1);
    const second = accept();
    await second.whenClosed();
    expect(second.out).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
    await first.close();
    await tick();
    expect(server.connections).toBe(0);
  });

  it("dates every response from the wall clock (RFC 9110 6.6.1), keeping a handler's own Date", async () => {
    const { tcp, accept } = fakeTcp();
    serveHttp(tcp, 80, (req) => (req.target === "/own" ? { status: 200, headers: { Date: "Thu, 01 Jan 1970 00:00:00 GMT" } } : echo(req)));
    const before = Math.floor(Date.now() / 1000) * 1000;
    const f = accept();
    f.send("GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /own HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\n"); // the last lacks Host: 400
    await f.whenClosed();
    const after = Date.now();
    const dates = [...f.out.matchAll(/\r\nDate: ([^\r]*)\r\n/g)].map((m) => m[1]!);
    expect(dates).toHaveLength(3);
    const imfFixdate = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
    for (const d of [dates[0]!, dates[2]!]) {
      expect(d).toMatch(imfFixdate);
      expect(Date.parse(d)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(d)).toBeLessThanOrEqual(after);
    }
    expect(dates[1]).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    expect(f.out).toMatch(/HTTP\/1\.1 400 Bad Request\r\n/);
    expect(httpDate()).toMatch(imfFixdate);
  });

  it("rejects bad options", () => {
    expect(() => serveHttp(fakeTcp().tcp, 80, echo, { idleMs: -1 })).toThrow(RangeError);
  });
});
