import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { connect, createServer } from "node:net";
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Flow, Stack } from "@mirage-ts/devices";
import { socketStack } from "./socket-stack.ts";

const LOCAL = "127.0.0.1";
const stacks: Stack[] = [];

async function newStack(ipv4 = LOCAL): Promise<Stack> {
  const s = await socketStack({ ipv4 });
  stacks.push(s);
  return s;
}

afterEach(async () => {
  for (const s of stacks.splice(0)) await s.disconnect();
});

/** A port that was free a moment ago (the stack's API takes a number, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, LOCAL, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function echo(flow: Flow): Promise<void> {
  for (;;) {
    const r = await flow.read();
    if (!r.ok || r.value === null) break;
    const w = await flow.write(r.value);
    if (!w.ok) break;
  }
  await flow.close();
}

function clientExchange(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    const c = connect({ host: LOCAL, port, allowHalfOpen: true }, () => c.end(payload));
    c.on("data", (b: Buffer) => got.push(b));
    c.on("end", () => resolve(Buffer.concat(got)));
    c.on("error", reject);
  });
}

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("socketStack TCP", () => {
  it("echoes to node:net clients, handing out plain Uint8Arrays", async () => {
    const stack = await newStack();
    const port = await freePort();
    let sawBuffer = false;
    stack.tcp.listen(port, async (flow) => {
      expect(flow.remote.address).toBe(LOCAL);
      expect(flow.local).toEqual({ address: LOCAL, port });
      const r = await flow.read();
      if (r.ok && r.value) {
        sawBuffer = Buffer.isBuffer(r.value) || "readUInt8" in r.value;
        await flow.write(r.value);
      }
      await echo(flow);
    });
    const [a, b] = await Promise.all([clientExchange(port, Buffer.from("hello, mirage")), clientExchange(port, Buffer.from("second"))]);
    expect(a.toString()).toBe("hello, mirage");
    expect(b.toString()).toBe("second");
    expect(sawBuffer).toBe(false);
    expect(stack.addresses()).toEqual([{ address: LOCAL, prefix: 8 }]);
  });

  it("echoes through nc (netcat-openbsd)", async (ctx) => {
    if (spawnSync("nc", ["-h"]).error) {
      console.log("skipped: nc is not installed (apt-get install -y netcat-openbsd)");
      ctx.skip();
    }
    const stack = await newStack();
    const port = await freePort();
    stack.tcp.listen(port, echo);
    // The bind completes at the end of this tick (see SocketTcp.listen); a process spawned
    // within the same synchronous run could race it.
    await new Promise((r) => setImmediate(r));
    const out = await new Promise<string>((resolve, reject) => {
      const nc = spawn("nc", ["-N", "-w", "5", LOCAL, String(port)]);
      let text = "";
      nc.stdout.on("data", (d: Buffer) => (text += d.toString()));
      let errors = "";
      nc.stderr.on("data", (d: Buffer) => (errors += d.toString()));
      nc.on("close", (status) => {
        if (status !== 0) reject(new Error(`nc exited ${status}: ${errors}`));
      });
      nc.on("error", reject);
      nc.on("close", () => resolve(text));
      nc.stdin.end("line one\nline two\n");
    });
    expect(out).toBe("line one\nline two\n");
  });

  it("connects out to a node:net server and through to another socket stack", async () => {
    const stack = await newStack();
    const server = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => server.listen(0, LOCAL, r));
    const port = (server.address() as { port: number }).port;
    const flow = await stack.tcp.connect(LOCAL, port);
    expect(flow.ok).toBe(true);
    if (!flow.ok) return;
    expect(flow.value.remote).toEqual({ address: LOCAL, port });
    expect((await flow.value.writev([Uint8Array.of(1, 2), Uint8Array.of(3)])).ok).toBe(true);
    const r = await flow.value.read();
    expect(r.ok && Array.from(r.value ?? [])).toEqual([1, 2, 3]);
    await flow.value.shutdown("write");
    expect(await flow.value.read()).toEqual({ ok: true, value: null });
    const late = await flow.value.write(Uint8Array.of(9));
    expect(!late.ok && late.error.code).toBe("closed");
    await flow.value.close();
    server.close();

    const other = await newStack();
    const p2 = await freePort();
    other.tcp.listen(p2, echo);
    const f2 = await stack.tcp.connect(LOCAL, p2);
    if (!f2.ok) throw new Error(f2.error.message);
    await f2.value.write(Uint8Array.of(42));
    const e = await f2.value.read();
    expect(e.ok && Array.from(e.value ?? [])).toEqual([42]);
    await f2.value.close();
  });

  it("reports a refused connection as a typed error, and misuse as RangeError", async () => {
    const stack = await newStack();
    const port = await freePort();
    const r = await stack.tcp.connect(LOCAL, port);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe("refused");
    expect(() => stack.tcp.connect("10.0.0.300", 80)).toThrow(/10\.0\.0\.300/);
    expect(() => stack.tcp.listen(70000, () => {})).toThrow(RangeError);
    stack.tcp.listen(port, () => {});
    expect(() => stack.tcp.listen(port, () => {})).toThrow(/already listening/);
  });

  it("reports a peer's reset to a pending read as code reset", async () => {
    const stack = await newStack();
    const port = await freePort();
    const result = new Promise<unknown>((resolve) => {
      stack.tcp.listen(port, async (flow) => {
        const first = await flow.read();
        const second = await flow.read();
        resolve([first.ok, second]);
      });
    });
    const peer = connect({ host: LOCAL, port });
    await new Promise((r) => peer.once("connect", r));
    peer.write("x");
    await sleep(50);
    peer.resetAndDestroy();
    const [firstOk, second] = (await result) as [boolean, { ok: boolean; error?: { code: string } }];
    expect(firstOk).toBe(true);
    expect(second.ok).toBe(false);
    expect(second.error?.code).toBe("reset");
  });

  it("stops listening on unlisten and on disconnect", async () => {
    const stack = await socketStack({ ipv4: LOCAL });
    const port = await freePort();
    stack.tcp.listen(port, echo);
    expect((await clientExchange(port, Buffer.from("x"))).toString()).toBe("x");
    await stack.disconnect();
    const probe = await newStack();
    const r = await probe.tcp.connect(LOCAL, port);
    expect(!r.ok && r.error.code).toBe("refused");
    expect(stack.addresses()).toEqual([]);
  });

  it("rejects a bind address this host does not have", async () => {
    await expect(socketStack({ ipv4: "192.0.2.1" })).rejects.toThrow(/not an address of this host/);
    await expect(socketStack({ ipv4: "nope" })).rejects.toThrow(RangeError);
  });
});

const BIG = 20 * 1024 * 1024;
const CHUNK = 64 * 1024;

describe("socketStack TCP backpressure (20 MB each way)", () => {
  it("holds the app's writer back while the peer does not read, then delivers intact", async () => {
    const stack = await newStack();
    const port = await freePort();
    const data = randomBytes(BIG);
    let written = 0;
    let writerDone = false;
    stack.tcp.listen(port, async (flow) => {
      for (let off = 0; off < BIG; off += CHUNK) {
        const r = await flow.write(data.subarray(off, off + CHUNK));
        if (!r.ok) throw new Error(r.error.message);
        written += CHUNK;
      }
      writerDone = true;
      await flow.close();
    });
    const peer: Socket = connect({ host: LOCAL, port });
    peer.pause();
    await new Promise((r) => peer.once("connect", r));
    await sleep(600);
    const stalledAt = written;
    await sleep(400);
    // Kernel buffers on loopback hold a few MB at most; the rest must wait in the app.
    expect(written).toBe(stalledAt);
    expect(written).toBeLessThan(8 * 1024 * 1024);
    expect(writerDone).toBe(false);
    const hash = createHash("sha256");
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      peer.on("data", (b: Buffer) => {
        hash.update(b);
        received += b.length;
        // Read slowly: a pause every 1 MB.
        if (received % (1024 * 1024) < b.length) {
          peer.pause();
          setTimeout(() => peer.resume(), 5);
        }
      });
      peer.on("end", resolve);
      peer.on("error", reject);
      peer.resume();
    });
    expect(received).toBe(BIG);
    expect(hash.digest("hex")).toBe(sha(data));
    expect(writerDone).toBe(true);
    peer.destroy();
  });

  it("holds a peer's writer back while the app does not read, then delivers intact", async () => {
    const stack = await newStack();
    const port = await freePort();
    const data = randomBytes(BIG);
    let appFlow: Flow | undefined;
    stack.tcp.listen(port, (flow) => {
      appFlow = flow;
    });
    const peer: Socket = connect({ host: LOCAL, port });
    await new Promise((r) => peer.once("connect", r));
    let accepted = 0; // bytes the peer's socket took without asking it to wait
    const writer = (async () => {
      for (let off = 0; off < BIG; off += CHUNK) {
        if (!peer.write(data.subarray(off, off + CHUNK))) await new Promise((r) => peer.once("drain", r));
        accepted += CHUNK;
      }
      peer.end();
    })();
    await sleep(600);
    const stalledAt = accepted;
    await sleep(400);
    expect(accepted).toBe(stalledAt);
    expect(accepted).toBeLessThan(8 * 1024 * 1024);
    expect(appFlow).toBeDefined();
    const flow = appFlow!;
    const hash = createHash("sha256");
    let received = 0;
    let reads = 0;
    for (;;) {
      const r = await flow.read();
      if (!r.ok) throw new Error(r.error.message);
      if (r.value === null) break;
      expect(r.value.constructor).toBe(Uint8Array);
      hash.update(r.value);
      received += r.value.length;
      if (++reads % 64 === 0) await sleep(2); // a slow reader
    }
    await writer;
    expect(received).toBe(BIG);
    expect(hash.digest("hex")).toBe(sha(data));
    await flow.close();
    peer.destroy();
  });
});

describe("socketStack UDP", () => {
  it("echoes datagrams to a node:dgram client from the listening port", async () => {
    const stack = await newStack();
    const port = await freePort();
    stack.udp.listen(port, (d) => {
      expect(d.dst).toEqual({ address: LOCAL, port });
      expect(Buffer.isBuffer(d.data)).toBe(false);
      void stack.udp.send(d.src.address, d.src.port, d.data, { srcPort: port });
    });
    const client = createSocket("udp4");
    await new Promise<void>((r) => client.bind(0, LOCAL, r));
    const reply = new Promise<{ msg: Buffer; from: number }>((r) => client.once("message", (msg, rinfo) => r({ msg, from: rinfo.port })));
    client.send(Buffer.from("ping"), port, LOCAL);
    const { msg, from } = await reply;
    expect(msg.toString()).toBe("ping");
    expect(from).toBe(port);

    // Without srcPort the stack sends from an ephemeral port; with an unlistened one, from that port.
    const got = new Promise<number[]>((r) => {
      const ports: number[] = [];
      client.on("message", (_m, rinfo) => {
        ports.push(rinfo.port);
        if (ports.length === 2) r(ports);
      });
    });
    const clientPort = client.address().port;
    expect((await stack.udp.send(LOCAL, clientPort, Uint8Array.of(1))).ok).toBe(true);
    const fixed = await freePort();
    expect((await stack.udp.send(LOCAL, clientPort, Uint8Array.of(2), { srcPort: fixed })).ok).toBe(true);
    const [p1, p2] = await got;
    expect(p1).not.toBe(port);
    expect(p2).toBe(fixed);
    const big = await stack.udp.send(LOCAL, clientPort, new Uint8Array(70000));
    expect(!big.ok && big.error.code).toBe("too_large");
    stack.udp.unlisten(port);
    client.close();
  });
});
