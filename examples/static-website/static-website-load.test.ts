/**
 * The static website under load (wrk) and under hostile clients, as a built unikernel:
 * seeded random garbage, oversized and smuggling-shaped requests, more connections
 * than its limit, and many slowloris connections at once. Each hostile client must get
 * the right status or a closed connection, and afterwards the site must still serve
 * the right bytes. wrk runs on the socket stack over loopback and, more briefly, on the
 * direct stack from inside a network namespace, where the connection limit and
 * slowloris are checked again over our own TCP.
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildScratchCopy } from "../../test/support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { run } from "../../test/support/run.ts";
import { watch, type Running } from "../../test/support/unikernel-process.ts";

const HERE = import.meta.dirname;
const indexHtml = readFileSync(join(HERE, "htdocs", "index.html"), "utf8");
const HEADER_TIMEOUT_MS = 1500;
const MAX_CONNECTIONS = 256; // serveHttp's default, which the example keeps

interface Exchange {
  text: string;
  closed: boolean;
  ms: number;
}

/** Writes `data` (then half-closes if `end`), collects the answer until the server closes or `ms` passes. */
function exchange(port: number, data: Uint8Array | string, opts: { end?: boolean; ms?: number } = {}): Promise<Exchange> {
  const ms = opts.ms ?? 5000;
  return new Promise((resolve) => {
    const t0 = Date.now();
    let text = "";
    const sock = createConnection({ host: "127.0.0.1", port }, () => {
      sock.write(data);
      if (opts.end) sock.end();
    });
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), ms);
    sock.on("data", (c) => (text += c.toString("latin1")));
    sock.on("close", () => finish(true));
    sock.on("error", () => undefined); // a reset is a closed connection too; "close" follows
  });
}

/** Opens a connection and resolves once it is established. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: "127.0.0.1", port }, () => resolve(sock));
    sock.once("error", reject);
  });
}

/** mulberry32: a small seeded PRNG, so a failing input can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = "GET /style.css HTTP/1.1\r\nHost: x\r\nAccept: */*\r\nRange: bytes=0-9\r\n\r\n";
const PIECES = [
  "GET", "HEAD", "POST", "PUT", "BREW", " ", "  ", "/", "/index.html", "/../", "%00", "%zz", "?a=b", "HTTP/1.1", "HTTP/1.0",
  "HTTP/9.9", "HTTP/1.1x", "\r\n", "\n", "\r", ":", ": ", "Host: x", "Content-Length: ", "Content-Length: 5", "-1",
  "99999999999999999999", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip", "0\r\n\r\n", "ffffffffffff\r\n",
  "Expect: 100-continue", "Connection: close", "Range: bytes=", "\0", "\x7f", "\xff", "\t", "\u00e9",
];

/** One seeded hostile input: random bytes, a mutated valid request, or a soup of HTTP fragments. */
function garbage(rand: () => number): Uint8Array {
  const kind = Math.floor(rand() * 3);
  if (kind === 0) {
    const out = new Uint8Array(1 + Math.floor(rand() * 2000));
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256);
    return out;
  }
  if (kind === 1) {
    const bytes = Array.from(Buffer.from(VALID, "latin1"));
    for (let n = 1 + Math.floor(rand() * 6); n > 0; n--) {
      const at = Math.floor(rand() * bytes.length);
      const op = rand();
      if (op < 0.4) bytes[at] = Math.floor(rand() * 256);
      else if (op < 0.7) bytes.splice(at, 1);
      else bytes.splice(at, 0, Math.floor(rand() * 256));
    }
    return Uint8Array.from(bytes);
  }
  let s = "";
  for (let n = 1 + Math.floor(rand() * 30); n > 0; n--) s += PIECES[Math.floor(rand() * PIECES.length)];
  return Buffer.from(s, "latin1");
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

interface WrkResult {
  requests: number;
  reqPerSec: number;
  socketErrors: string | undefined;
  non2xx: number;
  output: string;
}

function parseWrk(output: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? NaN);
  const reqPerSec = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1] ?? NaN);
  const socketErrors = /Socket errors: ([^\n]*)/.exec(output)?.[1];
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  return { requests, reqPerSec, socketErrors, non2xx, output };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("examples/static-website under load and hostile clients, socket stack", () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  let app: Running;
  /** The site still answers GET / with index.html, whole. */
  const stillServes = async () => {
    const r = await run("curl", ["-sS", "--max-time", "5", `${base}/`]);
    expect(r.stdout).toBe(indexHtml);
  };
  beforeAll(async () => {
    const { bin, dir } = await buildScratchCopy("static-website", "load");
    dirs.push(dir);
    app = watch(spawn(bin, [`--port=${port}`, `--header-timeout=${HEADER_TIMEOUT_MS}`, "--idle-timeout=3000"], { stdio: ["ignore", "pipe", "pipe"] }));
    await app.waitFor(new RegExp(`serving on port ${port}`));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
  });

  it("serves wrk -t1 -c32 -d3s without socket errors or non-2xx answers, then still serves the page", async () => {
    const r = await run("wrk", ["-t1", "-c32", "-d3s", "--timeout", "5s", `${base}/`], { timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const w = parseWrk(r.stdout);
    console.log(`wrk socket stack: ${w.requests} requests, ${w.reqPerSec} req/s`);
    expect(w.requests).toBeGreaterThan(100);
    expect(w.socketErrors, w.output).toBeUndefined();
    expect(w.non2xx, w.output).toBe(0);
    await stillServes();
  }, 30_000);

  it("answers 300 seeded garbage requests with a status line or a close, never hanging, and keeps serving", async () => {
    const seed = 0x5eed;
    const rand = prng(seed);
    const inputs = Array.from({ length: 300 }, () => garbage(rand));
    // Half-closing ends every exchange: at EOF the parser either answers or the server closes.
    const results = await pool(inputs, 16, (data) => exchange(port, data, { end: true, ms: 5000 }));
    const statuses = new Map<string, number>();
    results.forEach((r, i) => {
      const replay = `input ${i} of seed ${seed}: ${JSON.stringify(Buffer.from(inputs[i]!).toString("latin1"))}`;
      expect(r.closed, replay).toBe(true);
      if (r.text === "") return void statuses.set("closed", (statuses.get("closed") ?? 0) + 1);
      // Every response the server wrote is a well-formed status line; the last one decides.
      const lines = [...r.text.matchAll(/HTTP\/1\.1 (\d{3}) [^\r\n]*\r\n/g)];
      expect(r.text.startsWith("HTTP/1.1 "), replay).toBe(true);
      const last = lines[lines.length - 1]![1]!;
      statuses.set(last, (statuses.get(last) ?? 0) + 1);
      expect(["200", "206", "400", "404", "405", "413", "414", "416", "431", "501", "505"], replay).toContain(last);
    });
    console.log(`garbage: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(statuses.get("400") ?? 0).toBeGreaterThan(100);
    await stillServes();
  }, 60_000);

  it("answers oversized and smuggling-shaped requests with their status and closes", async () => {
    const cases: Array<[string, string, string]> = [
      ["request line over 8 KiB", `GET /${"a".repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, "414"],
      ["101 header fields", `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 101 }, (_, i) => `X-${i}: y\r\n`).join("")}\r\n`, "431"],
      ["a 64 KiB header section in many fields", `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 64 }, (_, i) => `X-${i}: ${"b".repeat(1000)}\r\n`).join("")}\r\n`, "431"],
      ["a body over 16 MiB announced", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n", "413"],
      ["Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "400"],
      ["two different Content-Lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", "400"],
      // RFC 9112 6.1: a coding we do not know is a 501; 6.3: a request body not ending in chunked is a 400.
      ["an unknown transfer coding", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "501"],
      ["a body whose last coding is not chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400"],
      ["HTTP/2.0 in an HTTP/1 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", "505"],
      ["a bare CR in a header", "GET / HTTP/1.1\r\nHost: x\rX-Evil: 1\r\n\r\n", "400"],
    ];
    for (const [name, req, status] of cases) {
      const r = await exchange(port, req, { ms: 5000 });
      expect(r.text.slice(0, 12), name).toBe(`HTTP/1.1 ${status}`);
      expect(r.text, name).toMatch(/\r\nConnection: close\r\n/);
      expect(r.closed, name).toBe(true);
    }
    await stillServes();
  }, 30_000);

  it(`answers 503 and closes connections beyond its limit of ${MAX_CONNECTIONS}, and serves again once they go`, async () => {
    const held: Socket[] = [];
    try {
      for (let i = 0; i < MAX_CONNECTIONS; i++) held.push(await open(port));
      // The server has accepted them all once a request on the last one is answered... which it
      // cannot be: the limit is reached. So wait for the first over-limit connection's 503 instead.
      const extra = await Promise.all(Array.from({ length: 20 }, () => exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", { ms: 5000 })));
      for (const r of extra) {
        expect(r.text).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
        expect(r.text).toMatch(/\r\nRetry-After: 1\r\n/);
        expect(r.closed).toBe(true);
      }
      // A held connection is a served one: it still gets its answer.
      const first = held[0]!;
      const answer = new Promise<string>((resolve) => {
        let text = "";
        first.on("data", (c) => {
          text += c.toString("latin1");
          if (text.endsWith(indexHtml)) resolve(text);
        });
      });
      first.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    } finally {
      for (const s of held) s.destroy();
    }
    // Freed slots are reused (the server sees each close on its next read).
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await run("curl", ["-sS", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}", `${base}/`]);
      if (r.stdout === "200" || Date.now() > deadline) {
        expect(r.stdout).toBe("200");
        break;
      }
      await new Promise((res) => setTimeout(res, 100));
    }
    await stillServes();
  }, 30_000);

  it("cuts off 100 slowloris connections at the header timeout while serving others meanwhile", async () => {
    const slow = await Promise.all(Array.from({ length: 100 }, () => open(port)));
    const t0 = Date.now();
    const closedAt: number[] = [];
    const got: string[] = [];
    const allClosed = Promise.all(
      slow.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.on("data", (c) => got.push(c.toString("latin1")));
            s.on("error", () => undefined);
            s.on("close", () => {
              closedAt.push(Date.now() - t0);
              resolve();
            });
          }),
      ),
    );
    for (const s of slow) s.write("GET / HTTP/1.1\r\nHost: x\r\n");
    // Trickle a byte per connection every 200 ms: it must not reset the head timer.
    const trickle = setInterval(() => {
      for (const s of slow) if (!s.destroyed) s.write("X");
    }, 200);
    try {
      // Meanwhile an honest client is served promptly.
      const honest = await run("curl", ["-sS", "--max-time", "5", "-w", "%{time_total}", "-o", "/dev/null", `${base}/`]);
      expect(Number(honest.stdout)).toBeLessThan(1);
      const bounded = await Promise.race([allClosed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 6000))]);
      expect(bounded).toBe(true);
    } finally {
      clearInterval(trickle);
      for (const s of slow) s.destroy();
    }
    expect(got.join("")).toBe(""); // cut off without an answer
    expect(Math.min(...closedAt)).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS - 200);
    expect(Math.max(...closedAt)).toBeLessThan(HEADER_TIMEOUT_MS + 3000);
    await stillServes();
  }, 30_000);
});

/**
 * Run by node inside the namespace against the direct stack: holds `limit` connections,
 * sends GET on 20 more (each should get a 503 and a close), checks a held one is still
 * served, then starts 50 slowloris heads and times their cut-off. Prints one JSON line.
 */
const HOSTILE_CLIENT = `
const net = require("node:net");
const [host, port, limit, headerMs] = process.argv.slice(1).map((x, i) => (i ? Number(x) : x));
const open = () => new Promise((res, rej) => { const s = net.connect({ host, port }, () => res(s)); s.once("error", rej); });
const talk = (s, data, ms) => new Promise((res) => {
  let text = ""; const t0 = Date.now();
  const done = (closed) => { clearTimeout(timer); res({ text, closed, ms: Date.now() - t0 }); };
  const timer = setTimeout(() => done(false), ms);
  s.on("data", (c) => (text += c.toString("latin1"))); s.on("close", () => done(true)); s.on("error", () => {});
  if (data) s.write(data);
});
(async () => {
  const held = [];
  for (let i = 0; i < limit; i++) held.push(await open());
  const extra = await Promise.all(Array.from({ length: 20 }, async () => talk(await open(), "GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n", 5000)));
  const heldAnswer = await talk(held[0], "GET /range.txt HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n", 5000);
  for (const s of held) s.destroy();
  await new Promise((r) => setTimeout(r, 500));
  const slow = await Promise.all(Array.from({ length: 50 }, () => open()));
  const trickle = setInterval(() => { for (const s of slow) if (!s.destroyed) s.write("X"); }, 200);
  const slowResults = await Promise.all(slow.map((s) => talk(s, "GET / HTTP/1.1\\r\\nHost: x\\r\\n", headerMs + 4000)));
  clearInterval(trickle);
  console.log(JSON.stringify({
    extra503: extra.filter((r) => r.closed && /^HTTP\\/1\\.1 503 /.test(r.text)).length,
    held: heldAnswer.text.split("\\r\\n")[0] + " " + heldAnswer.text.endsWith("0123456789abcdefghijklmnopqrstuvwxyz\\n"),
    slowClosed: slowResults.filter((r) => r.closed && r.text === "").length,
    slowMinMs: Math.min(...slowResults.map((r) => r.ms)),
    slowMaxMs: Math.max(...slowResults.map((r) => r.ms)),
  }));
})().catch((e) => { console.log(JSON.stringify({ error: String(e) })); });
`;

const netns = canUseNetns();
if (!netns.ok) console.warn(`skipping the direct stack's load test: ${netns.reason}`);
describe.skipIf(!netns.ok)("examples/static-website under load, direct stack, wrk in a namespace", () => {
  let ns: Netns;
  let app: Running;
  beforeAll(async () => {
    const { bin, dir } = await buildScratchCopy("static-website", "load-direct", ["--net=direct"]);
    dirs.push(dir);
    ns = await createNetns("mwld");
    await ns.addTap("tap0", "10.77.0.1/24");
    app = watch(ns.spawn(bin, ["--ipv4=10.77.0.2/24", `--header-timeout=${HEADER_TIMEOUT_MS}`]));
    await app.waitFor(/serving on port 8080/);
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    await ns?.destroy();
  });

  it("serves wrk -t1 -c16 -d2s without socket errors or non-2xx answers, then still serves the page", async () => {
    const r = await ns.exec("wrk", ["-t1", "-c16", "-d2s", "--timeout", "5s", "http://10.77.0.2:8080/"], { timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const w = parseWrk(r.stdout);
    console.log(`wrk direct stack: ${w.requests} requests, ${w.reqPerSec} req/s`);
    expect(w.requests).toBeGreaterThan(50);
    expect(w.socketErrors, w.output).toBeUndefined();
    expect(w.non2xx, w.output).toBe(0);
    const page = await ns.exec("curl", ["-sS", "--max-time", "5", "http://10.77.0.2:8080/"]);
    expect(page.stdout).toBe(indexHtml);
  }, 30_000);

  it(`over our TCP/IP: answers 503 beyond ${MAX_CONNECTIONS} connections and cuts off 50 slowloris connections`, async () => {
    const r = await ns.exec(process.execPath, ["-e", HOSTILE_CLIENT, "10.77.0.2", "8080", String(MAX_CONNECTIONS), String(HEADER_TIMEOUT_MS)], { timeoutMs: 40_000 });
    const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
    console.log(`direct stack hostile clients: ${JSON.stringify(out)}`);
    expect(out.error).toBeUndefined();
    expect(out.extra503).toBe(20);
    expect(out.held).toBe("HTTP/1.1 200 OK true");
    expect(out.slowClosed).toBe(50);
    expect(out.slowMinMs).toBeGreaterThanOrEqual(HEADER_TIMEOUT_MS - 200);
    expect(out.slowMaxMs).toBeLessThan(HEADER_TIMEOUT_MS + 3000);
    const page = await ns.exec("curl", ["-sS", "--max-time", "5", "http://10.77.0.2:8080/"]);
    expect(page.stdout).toBe(indexHtml);
  }, 45_000);
});
