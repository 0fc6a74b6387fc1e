import type { Flow } from "@mirage-ts/devices";
import { SimClock, Switch, runUntil, seededRandom, type SimNetwork, runPromise } from "@mirage-ts/netsim";
import {
  BOOTP_OP,
  DHCP_MESSAGE_TYPE,
  ETHERTYPE,
  IPPROTO,
  emitDhcp,
  emitEthernet,
  emitIpv4Packet,
  emitUdp,
  parseDhcp,
  parseEthernet,
  parseIpv4Packet,
  parseUdp,
} from "@mirage-ts/wire";
import { describe, expect, it } from "vitest";
import { directStack } from "./direct-stack.ts";
import type { DirectStack } from "./shell.ts";

function rng(seed: number): (n: number) => Uint8Array {
  const r = seededRandom(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
    return out;
  };
}

async function settle<T>(sw: Switch, clock: SimClock, p: Promise<T>, maxNs = 120e9): Promise<T> {
  return runPromise(sw, clock, p, { maxNs });
}

describe("directStack with the real TCP layer", () => {
  it("echoes a TCP stream between two stacks on a lossy switch", async () => {
    const clock = new SimClock();
    const sw = new Switch({ seed: 3, now: clock.now, impairments: { loss: 0.02 } });
    const a: DirectStack = await settle(sw, clock, directStack(sw.port("a"), { ipv4: "10.0.0.1/24", time: clock, random: rng(1) }));
    const b: DirectStack = await settle(sw, clock, directStack(sw.port("b"), { ipv4: { address: "10.0.0.2", prefix: 24 }, time: clock, random: rng(2) }));
    b.tcp.listen(7, async (flow: Flow) => {
      for (;;) {
        const r = await flow.read();
        if (!r.ok || r.value === null) break;
        await flow.write(r.value);
      }
      await flow.close();
    });
    const c = await settle(sw, clock, a.tcp.connect("10.0.0.2", 7));
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    const flow = c.value;
    const data = rng(9)(200_000);
    const received: Uint8Array[] = [];
    let total = 0;
    void (async () => {
      for (;;) {
        const r = await flow.read();
        if (!r.ok || r.value === null) break;
        received.push(r.value);
        total += r.value.length;
      }
    })();
    for (let off = 0; off < data.length; off += 10_000) await settle(sw, clock, flow.write(data.subarray(off, off + 10_000)));
    await runUntil(sw, clock, () => total === data.length, { maxNs: 300e9 });
    const joined = new Uint8Array(total);
    let o = 0;
    for (const r of received) {
      joined.set(r, o);
      o += r.length;
    }
    expect(joined).toEqual(data);
    const s = a.stats();
    expect(s["internalErrors"]).toBe(0);
    expect(Object.keys(s).some((k) => k.startsWith("tcp."))).toBe(true);
    await a.disconnect();
    await b.disconnect();
  });

  it("fails a connect to a silent on-link address with unreachable", async () => {
    const clock = new SimClock();
    const sw = new Switch({ seed: 4, now: clock.now });
    const a: DirectStack = await settle(sw, clock, directStack(sw.port("a"), { ipv4: "10.0.0.1/24", time: clock, random: rng(5) }));
    const r = await settle(sw, clock, a.tcp.connect("10.0.0.77", 80), 600e9);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe("unreachable"); // ARP gave up; TCP was told (host unreachable)
    const nr = await settle(sw, clock, a.tcp.connect("192.168.5.5", 80));
    expect(nr.ok ? "ok" : nr.error.code).toBe("unreachable");
  });
});

/** A one-lease DHCP server on a switch port: OFFERs by unicast (to the offered address), ACKs by broadcast. */
function fakeDhcpServer(port: SimNetwork, offered: number, server: number): { requests: number } {
  const state = { requests: 0 };
  void port.listen((frame) => {
    const e = parseEthernet(frame);
    if (!e.ok || e.value.ethertype !== ETHERTYPE.IPV4) return;
    const ip = parseIpv4Packet(e.value.payload);
    if (!ip.ok || ip.value.protocol !== IPPROTO.UDP) return;
    const u = parseUdp(ip.value.payload, ip.value.src, ip.value.dst);
    if (!u.ok || u.value.dstPort !== 67) return;
    const m = parseDhcp(u.value.payload);
    if (!m.ok) return;
    const type = m.value.options.messageType;
    let replyType: number;
    let dstIp: number;
    let dstMac: Uint8Array;
    if (type === DHCP_MESSAGE_TYPE.DISCOVER) {
      replyType = DHCP_MESSAGE_TYPE.OFFER;
      dstIp = offered;
      dstMac = m.value.chaddr.slice(0, 6);
    } else if (type === DHCP_MESSAGE_TYPE.REQUEST) {
      state.requests++;
      replyType = DHCP_MESSAGE_TYPE.ACK;
      dstIp = 0xffffffff;
      dstMac = new Uint8Array(6).fill(0xff);
    } else return;
    const reply = emitDhcp({
      op: BOOTP_OP.REPLY,
      htype: 1,
      hops: 0,
      xid: m.value.xid,
      secs: 0,
      broadcast: m.value.broadcast,
      ciaddr: 0,
      yiaddr: offered,
      siaddr: server,
      giaddr: 0,
      chaddr: m.value.chaddr,
      options: { messageType: replyType, serverId: server, leaseTime: 3600, subnetMask: 0xffffff00, routers: [server], dnsServers: [server] },
    });
    const udp = emitUdp({ srcPort: 67, dstPort: 68, payload: reply }, server, dstIp);
    const ipBytes = emitIpv4Packet(
      { src: server, dst: dstIp, protocol: IPPROTO.UDP, payloadLen: udp.length, ttl: 64, identification: 0, tos: 0, dontFragment: false, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0) },
      udp,
    );
    void port.write(emitEthernet({ dst: dstMac, src: port.mac, ethertype: ETHERTYPE.IPV4 }, ipBytes));
  });
  return state;
}

describe("directStack with DHCP", () => {
  it("resolves once a lease is bound and uses it", async () => {
    const clock = new SimClock();
    const sw = new Switch({ seed: 5, now: clock.now });
    const server = fakeDhcpServer(sw.port("dhcp"), 0x0a000032, 0x0a000001);
    const a: DirectStack = await settle(sw, clock, directStack(sw.port("a"), { time: clock, random: rng(11), hostname: "mirage" }));
    expect(a.addresses()).toEqual([{ address: "10.0.0.50", prefix: 24, gateway: "10.0.0.1" }]);
    expect(server.requests).toBe(1);
    const b: DirectStack = await settle(sw, clock, directStack(sw.port("b"), { ipv4: "10.0.0.2/24", time: clock, random: rng(12) }));
    const r = await settle(sw, clock, b.icmp.ping("10.0.0.50"));
    expect(r.ok).toBe(true);
    await a.disconnect();
  });
});
