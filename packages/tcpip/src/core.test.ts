import {
  ETHERTYPE,
  IPPROTO,
  emitEthernet,
  emitIpv4Packet,
  emitUdp,
  parseEthernet,
  parseIcmp,
  parseIpv4Packet,
} from "@mirage-ts/wire";
import { describe, expect, it } from "vitest";
import { StackCore } from "./core.ts";

const MAC = new Uint8Array([2, 0, 0, 0, 0, 1]);
const PEER_MAC = new Uint8Array([2, 0, 0, 0, 0, 2]);
const US = 0x0a000001;
const PEER = 0x0a000002;

function setup() {
  let now = 0;
  const frames: Uint8Array[] = [];
  const core = new StackCore({ mac: MAC, mtu: 1500, now: () => now, random: (n) => new Uint8Array(n).fill(7), transmit: (f) => frames.push(f.slice()) });
  core.configure({ address: US, prefix: 24 });
  return { core, frames, advance: (ns: number) => (now += ns), at: () => now };
}

function ipFrame(fields: { id?: number; offset?: number; more?: boolean; dst?: number; protocol?: number }, payload: Uint8Array): Uint8Array {
  const ip = emitIpv4Packet(
    {
      src: PEER,
      dst: fields.dst ?? US,
      protocol: fields.protocol ?? IPPROTO.UDP,
      payloadLen: payload.length,
      ttl: 64,
      identification: fields.id ?? 1,
      tos: 0,
      dontFragment: false,
      moreFragments: fields.more ?? false,
      fragmentOffset: fields.offset ?? 0,
      options: new Uint8Array(0),
    },
    payload,
  );
  return emitEthernet({ dst: MAC, src: PEER_MAC, ethertype: ETHERTYPE.IPV4 }, ip);
}

describe("StackCore", () => {
  it("rate-limits ICMP port unreachables under a UDP scan", () => {
    const { core, frames } = setup();
    // Let the core know the peer's MAC so replies go out at once.
    core.out.arp.input(0, { op: 2, senderMac: PEER_MAC, senderIp: PEER, targetMac: MAC, targetIp: US });
    frames.length = 0;
    for (let port = 1; port <= 1000; port++) core.input(ipFrame({}, emitUdp({ srcPort: 9, dstPort: port, payload: new Uint8Array(4) }, PEER, US)));
    expect(frames.length).toBe(50); // the default burst
    const e = parseEthernet(frames[0]!);
    if (!e.ok) throw new Error("bad frame");
    const ip = parseIpv4Packet(e.value.payload);
    if (!ip.ok) throw new Error("bad ip");
    const icmp = parseIcmp(ip.value.payload);
    expect(icmp.ok && icmp.value.kind === "dest_unreachable" && icmp.value.code === 3).toBe(true);
    expect(core.stats().icmp["errors_rate_limited"]).toBe(950);
  });

  it("keeps reassembly memory bounded under a fragment flood and times it out", () => {
    const { core, advance } = setup();
    advance(2e9);
    core.poll(); // the second gratuitous ARP (RFC 5227): ARP has no deadline after it
    for (let id = 0; id < 5000; id++) core.input(ipFrame({ id, more: true }, new Uint8Array(1480)));
    const s = core.stats().ipv4;
    expect(s["reassembly_bytes_held"]).toBeLessThanOrEqual(1 << 20);
    expect(s["rx_fragments"]).toBe(5000);
    expect(core.pollAt()).toBe(32e9);
    advance(30e9);
    core.poll();
    expect(core.stats().ipv4["reassembly_bytes_held"]).toBe(0);
    expect(core.pollAt()).toBeUndefined();
  });

  it("queues packets behind ARP and releases them on the reply", () => {
    const { core, frames } = setup();
    frames.length = 0;
    void core.udp.send("10.0.0.2", 7, new Uint8Array([1]));
    expect(frames).toHaveLength(1); // the ARP request
    expect(parseEthernet(frames[0]!).ok && frames[0]![12]).toBe(0x08);
    expect(frames[0]![13]).toBe(0x06);
    core.input(emitEthernet({ dst: MAC, src: PEER_MAC, ethertype: ETHERTYPE.ARP }, (() => {
      const b = new Uint8Array(28);
      b.set([0, 1, 8, 0, 6, 4, 0, 2], 0);
      b.set(PEER_MAC, 8);
      b.set([10, 0, 0, 2], 14);
      b.set(MAC, 18);
      b.set([10, 0, 0, 1], 24);
      return b;
    })()));
    expect(frames).toHaveLength(2);
    expect(Array.from(frames[1]!.subarray(0, 6))).toEqual(Array.from(PEER_MAC));
  });

  it("survives 20,000 mutated frames with bounded memory and no internal errors", () => {
    const { core, advance } = setup();
    core.udp.listen(7, () => {});
    let x = 12345;
    const rnd = (n: number): number => {
      x = (x * 1103515245 + 12345) >>> 0;
      return (x >>> 8) % n;
    };
    const seeds: Uint8Array[] = [
      ipFrame({}, emitUdp({ srcPort: 9, dstPort: 7, payload: new Uint8Array(30) }, PEER, US)),
      ipFrame({ more: true, id: 3 }, new Uint8Array(64)),
      ipFrame({ offset: 64, id: 3 }, new Uint8Array(64)),
      ipFrame({ protocol: IPPROTO.ICMP }, new Uint8Array([8, 0, 0xf7, 0xff, 0, 0, 0, 0])),
      ipFrame({ protocol: IPPROTO.TCP }, new Uint8Array(20)),
      emitEthernet({ dst: MAC, src: PEER_MAC, ethertype: ETHERTYPE.ARP }, new Uint8Array([0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 2, 10, 0, 0, 2, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1])),
    ];
    for (let i = 0; i < 20_000; i++) {
      const seed = seeds[rnd(seeds.length)]!;
      let f = seed.slice();
      const flips = 1 + rnd(4);
      for (let k = 0; k < flips; k++) f[14 + rnd(f.length - 14)] ^= 1 << rnd(8);
      if (rnd(10) === 0) f = f.subarray(0, rnd(f.length + 1));
      if (rnd(10) === 0) {
        const longer = new Uint8Array(f.length + rnd(64));
        longer.set(f);
        f = longer;
      }
      core.input(f);
      if (i % 1000 === 0) {
        advance(1e9);
        core.poll();
      }
    }
    const s = core.stats();
    expect(s.internalErrors).toBe(0);
    expect(s.ipv4["reassembly_bytes_held"]).toBeLessThanOrEqual(1 << 20);
    expect(s.ipv4["dropped"]).toBeGreaterThan(1000);
    expect(core.out.arp.queuedCount()).toBeLessThanOrEqual(256);
  });

  it("never lets an exception out of input", () => {
    const { core } = setup();
    core.udp.listen(7, () => {
      throw new Error("app bug");
    });
    expect(() => core.input(ipFrame({}, emitUdp({ srcPort: 9, dstPort: 7, payload: new Uint8Array(1) }, PEER, US)))).not.toThrow();
    expect(core.stats().udp["listenerErrors"]).toBe(1);
    expect(() => core.input(null as unknown as Uint8Array)).not.toThrow();
    expect(core.stats().internalErrors).toBe(1);
  });
});
