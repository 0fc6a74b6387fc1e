import { err, type Datagram } from "@mirage-ts/devices";
import { SimClock, Switch, runFor, runUntil, type SimNetwork } from "@mirage-ts/netsim";
import {
  ARP_OP,
  ETHERTYPE,
  emitArp,
  parseArp,
  IPPROTO,
  TCP_FLAG,
  emitEthernet,
  emitIcmp,
  emitIpv4Packet,
  emitTcp,
  emitUdp,
  parseEthernet,
  parseIpv4Packet,
  type TcpRepr,
} from "@mirage-ts/wire";
import { describe, expect, it } from "vitest";
import { DhcpClient } from "./dhcp/client.ts";
import type { TcpEnvLike, TcpLayerLike } from "./layers.ts";
import { createDirectStack, type DirectStack, type StaticIpv4 } from "./shell.ts";

const B = 0x0a000002;
const RAW_IP = 0x0a000003;

/** Records what the stack hands to TCP. */
class StubTcp implements TcpLayerLike {
  readonly inputs: Array<{ src: number; dst: number; segment: TcpRepr }> = [];
  readonly unreachables: number[][] = [];
  constructor(readonly env: TcpEnvLike) {}
  listen(): void {}
  unlisten(): void {}
  connect() {
    return Promise.resolve(err({ code: "io" as const, message: "stub" }));
  }
  input(src: number, dst: number, segment: TcpRepr): void {
    this.inputs.push({ src, dst, segment: { ...segment, payload: segment.payload.slice() } });
  }
  unreachable(src: number, dst: number, srcPort: number, dstPort: number, code: number): void {
    this.unreachables.push([src, dst, srcPort, dstPort, code]);
  }
  pollAt(): number | undefined {
    return undefined;
  }
  poll(): void {}
  stats(): object {
    return { segmentsIn: this.inputs.length };
  }
  shutdownAll(): void {}
}

let seedCounter = 1;
function rng(seed: number): (n: number) => Uint8Array {
  let x = seed >>> 0 || 1;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  };
}

interface Net {
  clock: SimClock;
  sw: Switch;
}

function makeNet(): Net {
  const clock = new SimClock();
  return { clock, sw: new Switch({ seed: 7, now: clock.now }) };
}

async function stackOn(net: Net, port: SimNetwork, ipv4: StaticIpv4 | undefined, tcps?: StubTcp[]): Promise<DirectStack> {
  const p = createDirectStack(
    port,
    { ...(ipv4 !== undefined ? { ipv4 } : {}), time: net.clock, random: rng(seedCounter++) },
    {
      createTcp: (env) => {
        const t = new StubTcp(env);
        tcps?.push(t);
        return t;
      },
      createDhcp: (o) => new DhcpClient(o),
    },
  );
  let s: DirectStack | undefined;
  let failure: unknown;
  p.then(
    (x) => (s = x),
    (e: unknown) => (failure = e ?? new Error("rejected")),
  );
  await runUntil(net.sw, net.clock, () => s !== undefined || failure !== undefined, { maxNs: 120e9 });
  if (failure !== undefined) throw failure;
  return s!;
}

/** Runs the simulation until `p` settles. */
async function settle<T>(net: Net, p: Promise<T>, maxNs = 60e9): Promise<T> {
  let done = false;
  let value: T | undefined;
  p.then((v) => {
    done = true;
    value = v;
  });
  await runUntil(net.sw, net.clock, () => done, { maxNs });
  return value as T;
}

async function pair(): Promise<{ net: Net; a: DirectStack; b: DirectStack; raw: SimNetwork; rawFrames: Uint8Array[]; tcpB: StubTcp }> {
  const net = makeNet();
  const tcps: StubTcp[] = [];
  const raw = net.sw.port("raw");
  const rawFrames: Uint8Array[] = [];
  // The raw port is a fake host 10.0.0.3 that answers ARP and records every frame.
  void raw.listen((f) => {
    rawFrames.push(f.slice());
    const e = parseEthernet(f);
    if (!e.ok || e.value.ethertype !== ETHERTYPE.ARP) return;
    const q = parseArp(e.value.payload);
    if (!q.ok || q.value.op !== ARP_OP.REQUEST || q.value.targetIp !== RAW_IP) return;
    const reply = emitArp({ op: ARP_OP.REPLY, senderMac: raw.mac, senderIp: RAW_IP, targetMac: q.value.senderMac, targetIp: q.value.senderIp });
    void raw.write(emitEthernet({ dst: q.value.senderMac, src: raw.mac, ethertype: ETHERTYPE.ARP }, reply));
  });
  const a = await stackOn(net, net.sw.port("a"), { address: "10.0.0.1", prefix: 24 });
  const b = await stackOn(net, net.sw.port("b"), "10.0.0.2/24", tcps);
  await runFor(net.sw, net.clock, 1e6);
  return { net, a, b, raw, rawFrames, tcpB: tcps[0]! };
}

function ipFrame(dstMac: Uint8Array, srcMac: Uint8Array, src: number, dst: number, protocol: number, transport: Uint8Array): Uint8Array {
  const ip = emitIpv4Packet(
    { src, dst, protocol, payloadLen: transport.length, ttl: 64, identification: 1, tos: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0) },
    transport,
  );
  return emitEthernet({ dst: dstMac, src: srcMac, ethertype: ETHERTYPE.IPV4 }, ip);
}

describe("directStack over a simulated switch", () => {
  it("announces its address with gratuitous ARP, resolves peers and answers pings", async () => {
    const { net, a, b, rawFrames } = await pair();
    const arps = rawFrames.map((f) => parseEthernet(f)).filter((e) => e.ok && e.value.ethertype === ETHERTYPE.ARP);
    expect(arps.length).toBeGreaterThanOrEqual(2); // one announcement per stack
    expect(a.addresses()).toEqual([{ address: "10.0.0.1", prefix: 24 }]);
    const r = await settle(net, a.icmp.ping("10.0.0.2"));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatchObject({ address: "10.0.0.2", bytes: 56 });
    expect(a.arp.entries().map((e) => e.address)).toEqual(["10.0.0.2"]);
    // b learnt a from a's request for its address (RFC 826), so it needed no request of its own.
    expect(b.arp.entries().map((e) => e.address)).toEqual(["10.0.0.1"]);
    expect(b.stats()["arp.requestsSent"]).toBe(0);
    expect(b.stats()["icmp.echo_replies"]).toBe(1);
  });

  it("answers a 4000-byte ping: request and reply are both fragmented", async () => {
    const { net, a, b } = await pair();
    const r = await settle(net, a.icmp.ping("10.0.0.2", { size: 4000 }));
    expect(r.ok).toBe(true);
    const sb = b.layerStats();
    expect(sb.ipv4["rx_fragments"]).toBe(3);
    expect(sb.ipv4["reassembly_reassembled"]).toBe(1);
    expect(sb.ipv4["txFragments"]).toBe(3);
    expect(a.layerStats().ipv4["reassembly_reassembled"]).toBe(1);
    // And the largest ping there is.
    const big = await settle(net, a.icmp.ping("10.0.0.2", { size: 65507 - 8 }));
    expect(big.ok).toBe(true);
  });

  it("echoes UDP, verifying and delivering payloads", async () => {
    const { net, a, b } = await pair();
    b.udp.listen(7, (d: Datagram) => void b.udp.send(d.src.address, d.src.port, d.data, { srcPort: 7 }));
    const got: Datagram[] = [];
    a.udp.listen(5000, (d) => got.push(d));
    const payload = new Uint8Array(3000).map((_, i) => i * 13);
    const sent = await settle(net, a.udp.send("10.0.0.2", 7, payload, { srcPort: 5000 }));
    expect(sent.ok).toBe(true);
    await runUntil(net.sw, net.clock, () => got.length === 1);
    expect(got[0]!.data).toEqual(payload);
    expect(got[0]!.src).toEqual({ address: "10.0.0.2", port: 7 });
    expect(got[0]!.dst).toEqual({ address: "10.0.0.1", port: 5000 });
  });

  it("rejects oversized UDP and reports no route", async () => {
    const { net, a } = await pair();
    const big = await a.udp.send("10.0.0.2", 7, new Uint8Array(65508));
    expect(big.ok ? "ok" : big.error.code).toBe("too_large");
    const nr = await a.udp.send("192.168.1.1", 7, new Uint8Array(1));
    expect(nr.ok ? "ok" : nr.error.code).toBe("unreachable");
    await expect(a.udp.send("10.0.0.300", 7, new Uint8Array(1))).rejects.toThrow(TypeError);
    // An on-link address nobody has: ARP gives up after three tries.
    const t0 = net.clock.now();
    const gone = await settle(net, a.udp.send("10.0.0.99", 7, new Uint8Array(1)));
    expect(gone.ok ? "ok" : gone.error.code).toBe("unreachable");
    expect(net.clock.now() - t0).toBeGreaterThanOrEqual(3e9);
    const p = await settle(net, a.icmp.ping("10.0.0.99", { timeoutNs: 500e6 }));
    expect(p.ok ? "ok" : p.error.code).toBe("timeout");
  });

  it("answers UDP to a closed port with ICMP port unreachable", async () => {
    const { net, a, b } = await pair();
    await settle(net, a.udp.send("10.0.0.2", 9999, new Uint8Array([1, 2, 3])));
    await runUntil(net.sw, net.clock, () => (a.stats()["icmp.udp_unreachable"] ?? 0) === 1);
    expect(b.stats()["icmp.port_unreachable_sent"]).toBe(1);
  });

  it("hands TCP segments to TCP and ICMP errors about TCP to tcp.unreachable", async () => {
    const { net, b, raw, tcpB } = await pair();
    const seg: TcpRepr = { srcPort: 40000, dstPort: 80, seq: 1, ack: 0, flags: TCP_FLAG.SYN, window: 1000, urgent: 0, options: { mss: 1460 }, payload: new Uint8Array(0) };
    const RAW = RAW_IP;
    void raw.write(ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.TCP, emitTcp(seg, RAW, B)));
    await runUntil(net.sw, net.clock, () => tcpB.inputs.length === 1);
    expect(tcpB.inputs[0]).toMatchObject({ src: RAW, dst: B, segment: { srcPort: 40000, dstPort: 80, options: { mss: 1460 } } });
    // An ICMP port unreachable quoting a segment b sent to RAW.
    const quoted = emitIpv4Packet(
      { src: B, dst: RAW, protocol: IPPROTO.TCP, payloadLen: 24, ttl: 64, identification: 5, tos: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0) },
      emitTcp({ ...seg, srcPort: 80, dstPort: 40000 }, B, RAW),
    );
    void raw.write(ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.ICMP, emitIcmp({ kind: "dest_unreachable", code: 3, nextHopMtu: 0, original: quoted.subarray(0, 28) })));
    await runUntil(net.sw, net.clock, () => tcpB.unreachables.length === 1);
    expect(tcpB.unreachables[0]).toEqual([B, RAW, 80, 40000, 3]);
    expect(tcpB.env.mss(RAW)).toBe(1460);
    expect(tcpB.env.sourceFor(RAW)).toBe(B);
    expect(tcpB.env.sourceFor(0x08080808)).toBeUndefined();
  });

  it("counts malformed and hostile frames per layer and never throws", async () => {
    const { net, a, b, raw } = await pair();
    const RAW = RAW_IP;
    const good = emitUdp({ srcPort: 1, dstPort: 2, payload: new Uint8Array(10) }, RAW, B);
    const frames: Uint8Array[] = [];
    frames.push(emitEthernet({ dst: b.ethernet.mac, src: raw.mac, ethertype: ETHERTYPE.ARP }, new Uint8Array(10))); // truncated ARP
    frames.push(emitEthernet({ dst: b.ethernet.mac, src: raw.mac, ethertype: ETHERTYPE.IPV4 }, new Uint8Array(12))); // truncated IPv4
    const badIpSum = ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.UDP, good);
    badIpSum[14 + 10] ^= 0xff;
    frames.push(badIpSum);
    const badUdpSum = good.slice();
    badUdpSum[8] ^= 1;
    frames.push(ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.UDP, badUdpSum));
    const badIcmp = emitIcmp({ kind: "echo_request", id: 1, seq: 1, data: new Uint8Array(8) });
    badIcmp[9] ^= 1;
    frames.push(ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.ICMP, badIcmp));
    const badTcp = emitTcp({ srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: TCP_FLAG.SYN, window: 0, urgent: 0, options: {}, payload: new Uint8Array(0) }, RAW, B);
    badTcp[4] ^= 1;
    frames.push(ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.TCP, badTcp));
    frames.push(ipFrame(new Uint8Array([2, 9, 9, 9, 9, 9]), raw.mac, RAW, B, IPPROTO.UDP, good)); // another host's MAC
    // Garbage: random bytes after a valid Ethernet header, for IPv4 and ARP.
    const random = rng(99);
    for (let i = 0; i < 500; i++) {
      const body = random(1 + (random(1)[0]! * 4));
      if (i % 3 === 0 && body.length > 20) body[0] = 0x45; // make some look like IPv4
      frames.push(emitEthernet({ dst: i % 2 === 0 ? b.ethernet.mac : new Uint8Array(6).fill(0xff), src: raw.mac, ethertype: i % 5 === 0 ? ETHERTYPE.ARP : ETHERTYPE.IPV4 }, body));
    }
    const rx0 = b.stats()["ethernet.rx"] ?? 0;
    for (const f of frames) void raw.write(f);
    await runUntil(net.sw, net.clock, () => (b.stats()["ethernet.rx"] ?? 0) - rx0 >= frames.length);
    const s = b.layerStats();
    expect(s.internalErrors).toBe(0);
    expect(s.ethernet["not_for_us"]).toBe(1);
    expect(s.arp["truncated"]).toBeGreaterThanOrEqual(1);
    expect(s.ipv4["truncated"]).toBeGreaterThanOrEqual(1);
    expect(s.ipv4["bad_checksum"]).toBeGreaterThanOrEqual(1);
    expect(s.udp["bad_checksum"]).toBe(1);
    expect(s.icmp["bad_checksum"]).toBe(1);
    expect(s.tcp["bad_checksum"]).toBe(1);
    expect(s.ipv4["dropped"]).toBeGreaterThan(100);
    // Still healthy.
    const r = await settle(net, a.icmp.ping("10.0.0.2"));
    expect(r.ok).toBe(true);
  });

  it("drops IPv4 for other addresses and answers nothing to broadcast pings", async () => {
    const { net, b, raw, rawFrames } = await pair();
    const RAW = RAW_IP;
    const ping = emitIcmp({ kind: "echo_request", id: 1, seq: 1, data: new Uint8Array(8) });
    void raw.write(ipFrame(b.ethernet.mac, raw.mac, RAW, 0x0a000009, IPPROTO.ICMP, ping));
    void raw.write(ipFrame(new Uint8Array(6).fill(0xff), raw.mac, RAW, 0x0a0000ff, IPPROTO.ICMP, ping));
    const before = rawFrames.length;
    await runFor(net.sw, net.clock, 1e9);
    expect(rawFrames.length).toBe(before);
    expect(b.stats()["ipv4.not_for_us"]).toBe(1);
    expect(b.stats()["icmp.broadcast_ignored"]).toBe(1);
    // A directed ping from raw is answered, through ARP for raw.
    void raw.write(ipFrame(b.ethernet.mac, raw.mac, RAW, B, IPPROTO.ICMP, ping));
    await runUntil(net.sw, net.clock, () =>
      rawFrames.some((f) => {
        const e = parseEthernet(f);
        if (!e.ok || e.value.ethertype !== ETHERTYPE.IPV4) return false;
        const ip = parseIpv4Packet(e.value.payload);
        return ip.ok && ip.value.protocol === IPPROTO.ICMP && ip.value.payload[0] === 0;
      }),
    );
  });

  it("rejects with a timeout when no DHCP server answers", async () => {
    const net = makeNet();
    await expect(stackOn(net, net.sw.port("a"), undefined)).rejects.toMatchObject({ code: "timeout" });
  });

  it("disconnects cleanly", async () => {
    const { net, a } = await pair();
    const p = a.icmp.ping("10.0.0.2", { timeoutNs: 10e9 });
    await a.disconnect();
    const r = await settle(net, p);
    expect(r.ok).toBe(false);
  });
});
