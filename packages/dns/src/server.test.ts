/**
 * serveDns over two direct stacks on the simulated switch (virtual time): real UDP and
 * TCP segments, so framing across segments, pipelining, timers and limits run for real.
 */
import type { Flow } from "@mirage-ts/devices";
import { SimClock, Switch, runPromise, runUntil, seededRandom } from "@mirage-ts/netsim";
import { directStack, type DirectStack } from "@mirage-ts/tcpip";
import { describe, expect, it } from "vitest";
import { decodeMessage, encodeMessage, frameMessages, name, parseZone, Rcode, recordToString, RrType, serveDns, TcpFramer, ZoneStore, type Message } from "./index.ts";

const ZONE = `$ORIGIN example.test.
$TTL 600
@     SOA  ns1 hostmaster 1 3600 600 86400 120
@     NS   ns1
ns1   A    192.0.2.53
host  A    192.0.2.10
big   TXT  "${"x".repeat(250)}"
big   TXT  "${"y".repeat(250)}"
big   TXT  "${"z".repeat(250)}"
`;

function store(): ZoneStore {
  const z = parseZone(ZONE, { file: "t.zone" });
  expect(z.errors).toEqual([]);
  const s = ZoneStore.build(z.records);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.value;
}

function query(id: number, qname: string, type: number, edns?: number): Uint8Array {
  const m: Message = {
    id, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false, rcode: 0,
    questions: [{ name: name(qname), type, class: 1 }], answers: [], authority: [], additional: [],
    edns: edns === undefined ? undefined : { udpPayloadSize: edns, version: 0, dnssecOk: false, flags: 0, options: [] },
  };
  return encodeMessage(m).bytes;
}

function decode(b: Uint8Array): Message {
  const d = decodeMessage(b);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

function rng(seed: number): (n: number) => Uint8Array {
  const r = seededRandom(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

async function setup(opts: Parameters<typeof serveDns>[2] = {}) {
  const clock = new SimClock();
  const sw = new Switch({ seed: 7, now: clock.now });
  const run = <T>(p: Promise<T>) => runPromise(sw, clock, p, { maxNs: 120e9 });
  const server: DirectStack = await run(directStack(sw.port("s"), { ipv4: "10.0.0.1/24", time: clock, random: rng(1) }));
  const client: DirectStack = await run(directStack(sw.port("c"), { ipv4: "10.0.0.2/24", time: clock, random: rng(2) }));
  const dns = serveDns(server, store(), { port: 53, time: clock, ...opts });
  const replies: Message[] = [];
  client.udp.listen(4000, (d) => replies.push(decode(d.data)));
  /** Connects and collects every framed reply; `closed` turns true at EOF. */
  const connect = async () => {
    const c = await run(client.tcp.connect("10.0.0.1", 53));
    if (!c.ok) throw new Error(c.error.message);
    const flow: Flow = c.value;
    const got: Message[] = [];
    const state = { closed: false };
    const framer = new TcpFramer(65535);
    void (async () => {
      for (;;) {
        const r = await flow.read();
        if (!r.ok || r.value === null) break;
        for (const m of framer.push(r.value).messages) got.push(decode(m));
      }
      state.closed = true;
    })();
    return { flow, got, state };
  };
  return { clock, sw, run, client, dns, replies, connect };
}

describe("serveDns", () => {
  it("answers UDP queries, truncates to 512 without EDNS, drops and counts garbage", async () => {
    const t = await setup();
    await t.run(t.client.udp.send("10.0.0.1", 53, query(1, "host.example.test", RrType.A), { srcPort: 4000 }));
    await t.run(t.client.udp.send("10.0.0.1", 53, query(2, "big.example.test", RrType.TXT), { srcPort: 4000 }));
    await t.run(t.client.udp.send("10.0.0.1", 53, query(3, "big.example.test", RrType.TXT, 4096), { srcPort: 4000 }));
    await t.run(t.client.udp.send("10.0.0.1", 53, Uint8Array.of(1, 2, 3), { srcPort: 4000 })); // shorter than a header
    await t.run(t.client.udp.send("10.0.0.1", 53, Uint8Array.of(0, 9, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0), { srcPort: 4000 })); // a response
    await t.run(t.client.udp.send("10.0.0.1", 53, Uint8Array.of(0, 8, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0), { srcPort: 4000 })); // bad name
    await runUntil(t.sw, t.clock, () => t.replies.length >= 4, { maxNs: 10e9 });
    const byId = new Map(t.replies.map((m) => [m.id, m]));
    expect(byId.get(1)!.answers.map(recordToString)).toEqual(["host.example.test.\t600\tIN\tA\t192.0.2.10"]);
    expect(byId.get(2)!.tc).toBe(true);
    expect(byId.get(3)!.tc).toBe(false);
    expect(byId.get(3)!.answers).toHaveLength(3);
    expect(byId.get(8)!.rcode).toBe(Rcode.FORMERR);
    expect(byId.has(9)).toBe(false);
    expect(t.dns.stats).toMatchObject({ udpReceived: 6, udpAnswers: 4, udpTruncated: 1, udpDropped: 2, formErrors: 1 });
  });

  it("answers several and pipelined TCP queries in order, split across segments", async () => {
    const t = await setup();
    const c = await t.connect();
    const framed = frameMessages([query(10, "host.example.test", RrType.A), query(11, "big.example.test", RrType.TXT), query(12, "nope.example.test", RrType.A)]);
    // One byte, then a cut inside the second length prefix, then the rest.
    await t.run(c.flow.write(framed.subarray(0, 1)));
    await t.run(c.flow.write(framed.subarray(1, framed.indexOf(0, 40) + 1)));
    await t.run(c.flow.write(framed.subarray(framed.indexOf(0, 40) + 1)));
    await runUntil(t.sw, t.clock, () => c.got.length >= 3, { maxNs: 10e9 });
    expect(c.got.map((m) => m.id)).toEqual([10, 11, 12]);
    expect(c.got[1]!.tc).toBe(false);
    expect(c.got[1]!.answers).toHaveLength(3);
    expect(c.got[2]!.rcode).toBe(Rcode.NXDOMAIN);
    // Later queries on the same connection still work.
    await t.run(c.flow.write(frameMessages([query(13, "ns1.example.test", RrType.A)])));
    await runUntil(t.sw, t.clock, () => c.got.length >= 4, { maxNs: 10e9 });
    expect(c.got[3]!.id).toBe(13);
    expect(t.dns.stats).toMatchObject({ tcpAccepted: 1, tcpMessages: 4, tcpAnswers: 4 });
    expect(c.state.closed).toBe(false);
  });

  it("closes a connection that completes no message within the idle timeout, trickling or not", async () => {
    const t = await setup({ tcpIdleMs: 2000 });
    const idle = await t.connect();
    const trickle = await t.connect();
    const start = t.clock.now();
    const q = frameMessages([query(20, "host.example.test", RrType.A)]);
    for (let i = 0; i < 6; i++) {
      await t.run(trickle.flow.write(q.subarray(i, i + 1)));
      await t.run(t.clock.sleep(300e6));
    }
    await runUntil(t.sw, t.clock, () => idle.state.closed && trickle.state.closed, { maxNs: 10e9 });
    expect(t.clock.now() - start).toBeGreaterThanOrEqual(2000e6);
    expect(t.clock.now() - start).toBeLessThan(3000e6);
    expect(trickle.got).toEqual([]);
    expect(t.dns.stats.tcpIdleClosed).toBe(2);
    expect(t.dns.tcpConnections).toBe(0);
  });

  it("closes connections beyond the limit at once and serves again when one leaves", async () => {
    const t = await setup({ maxTcpConnections: 2 });
    const a = await t.connect();
    const b = await t.connect();
    const c = await t.connect();
    await runUntil(t.sw, t.clock, () => c.state.closed, { maxNs: 10e9 });
    expect(t.dns.stats).toMatchObject({ tcpAccepted: 2, tcpRefused: 1 });
    await t.run(a.flow.close());
    await runUntil(t.sw, t.clock, () => t.dns.tcpConnections === 1, { maxNs: 10e9 });
    const d = await t.connect();
    await t.run(d.flow.write(frameMessages([query(30, "host.example.test", RrType.A)])));
    await runUntil(t.sw, t.clock, () => d.got.length === 1, { maxNs: 10e9 });
    expect(d.got[0]!.answers).toHaveLength(1);
    expect(b.state.closed).toBe(false);
  });

  it("closes a connection announcing an oversize message after answering what came before it", async () => {
    const t = await setup({ maxTcpMessageSize: 512 });
    const c = await t.connect();
    const bytes = frameMessages([query(40, "host.example.test", RrType.A)]);
    await t.run(c.flow.write(Uint8Array.of(...bytes, 0x02, 0x01, 1, 2, 3)));
    await runUntil(t.sw, t.clock, () => c.state.closed, { maxNs: 10e9 });
    expect(c.got.map((m) => m.id)).toEqual([40]);
    expect(t.dns.stats.tcpOversize).toBe(1);
  });

  it("survives random bytes on both transports and still answers", async () => {
    const t = await setup();
    const rand = rng(99);
    for (let i = 0; i < 300; i++) await t.run(t.client.udp.send("10.0.0.1", 53, rand(1 + (i % 80)), { srcPort: 4000 }));
    const c = await t.connect();
    for (let i = 0; i < 20; i++) await t.run(c.flow.write(rand(50)));
    await t.run(t.clock.sleep(1e9));
    t.replies.length = 0;
    await t.run(t.client.udp.send("10.0.0.1", 53, query(50, "host.example.test", RrType.A), { srcPort: 4000 }));
    await runUntil(t.sw, t.clock, () => t.replies.some((m) => m.id === 50), { maxNs: 10e9 });
    expect(t.dns.stats.internalErrors).toBe(0);
    expect(t.dns.stats.udpReceived).toBe(301);
  });

  it("stops on close and rejects bad options with RangeError", async () => {
    const t = await setup();
    const c = await t.connect();
    await t.run(t.dns.close());
    await runUntil(t.sw, t.clock, () => c.state.closed, { maxNs: 10e9 });
    expect(() => serveDns(t.client, store(), { port: 0 })).toThrow(RangeError);
    expect(() => serveDns(t.client, store(), { maxUdpSize: 100 })).toThrow(/maxUdpSize/);
    expect(() => new TcpFramer(5)).toThrow(RangeError);
  });
});

describe("TcpFramer", () => {
  it("reassembles messages across any split and reports oversize prefixes", () => {
    const msgs = [Uint8Array.from({ length: 12 }, (_, i) => i), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff), new Uint8Array(0)];
    const stream = frameMessages(msgs);
    for (let cut = 0; cut <= stream.length; cut += 7) {
      const f = new TcpFramer(4096);
      const out = [...f.push(stream.subarray(0, cut)).messages, ...f.push(stream.subarray(cut)).messages];
      expect(out).toEqual(msgs);
      expect(f.idle).toBe(true);
    }
    const f = new TcpFramer(100);
    const r = f.push(Uint8Array.of(0, 12, ...new Uint8Array(12), 0, 101));
    expect(r).toEqual({ ok: false, messages: [new Uint8Array(12)], oversize: 101 });
  });
});
