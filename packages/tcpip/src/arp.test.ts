import { describe, expect, it } from "vitest";
import { BROADCAST_MAC } from "@mirage-ts/wire";
import { ARP_REPLY, ARP_REQUEST, ArpCache, type ArpOutput } from "./arp.ts";

const OUR_MAC = new Uint8Array([2, 0, 0, 0, 0, 1]);
const PEER_MAC = new Uint8Array([2, 0, 0, 0, 0, 2]);
const OTHER_MAC = new Uint8Array([2, 0, 0, 0, 0, 3]);
const US = 0x0a000001;
const PEER = 0x0a000002;
const OTHER = 0x0a000003;
const S = 1e9;

function reply(fromIp: number, fromMac: Uint8Array, toIp = US) {
  return { op: ARP_REPLY, senderMac: fromMac, senderIp: fromIp, targetMac: OUR_MAC, targetIp: toIp };
}

function kinds<T>(outs: ArpOutput<T>[]): string[] {
  return outs.map((o) => o.kind);
}

describe("ArpCache", () => {
  it("announces new addresses gratuitously, once", () => {
    const arp = new ArpCache<string>(OUR_MAC);
    const out = arp.setAddresses(0, [US]);
    expect(out).toHaveLength(1);
    const a = out[0]!;
    expect(a.kind).toBe("arp");
    if (a.kind !== "arp") return;
    expect(a.dstMac).toEqual(BROADCAST_MAC);
    expect(a.message.op).toBe(ARP_REQUEST);
    expect(a.message.senderIp).toBe(US);
    expect(a.message.targetIp).toBe(US);
    expect(arp.setAddresses(0, [US])).toHaveLength(0);
    expect(arp.setAddresses(0, [US, OTHER])).toHaveLength(1);
    // RFC 5227 section 2.3: a second announcement 2 s later, then no more.
    expect(arp.pollAt()).toBe(2 * S);
    const again = arp.poll(2 * S);
    expect(again.map((o) => (o.kind === "arp" ? o.message.targetIp : -1))).toEqual([US, OTHER]);
    expect(arp.pollAt()).toBeUndefined();
    expect(arp.stats.announcementsSent).toBe(4);
  });

  it("answers requests for our address and learns the requester", () => {
    const arp = new ArpCache<string>(OUR_MAC);
    arp.setAddresses(0, [US]);
    const out = arp.input(0, { op: ARP_REQUEST, senderMac: PEER_MAC, senderIp: PEER, targetMac: new Uint8Array(6), targetIp: US });
    expect(out).toHaveLength(1);
    const r = out[0]!;
    if (r.kind !== "arp") throw new Error("expected arp");
    expect(r.dstMac).toEqual(PEER_MAC);
    expect(r.message).toMatchObject({ op: ARP_REPLY, senderIp: US, targetIp: PEER });
    expect(r.message.senderMac).toEqual(OUR_MAC);
    expect(arp.lookup(0, PEER)).toEqual(PEER_MAC);
  });

  it("does not learn from requests for other hosts, and ignores its own MAC and probes", () => {
    const arp = new ArpCache<string>(OUR_MAC);
    arp.setAddresses(0, [US]);
    expect(arp.input(0, { op: ARP_REQUEST, senderMac: PEER_MAC, senderIp: PEER, targetMac: new Uint8Array(6), targetIp: OTHER })).toEqual([]);
    expect(arp.lookup(0, PEER)).toBeUndefined();
    expect(arp.input(0, { op: ARP_REQUEST, senderMac: PEER_MAC, senderIp: 0, targetMac: new Uint8Array(6), targetIp: OTHER })).toEqual([]);
    expect(arp.input(0, reply(PEER, OUR_MAC))).toEqual([]);
    expect(arp.input(0, reply(PEER, BROADCAST_MAC))).toEqual([]);
    expect(arp.lookup(0, PEER)).toBeUndefined();
    expect(arp.stats.ignored).toBe(3);
  });

  it("queues packets, retries, and releases the queue on reply", () => {
    const arp = new ArpCache<string>(OUR_MAC, { announcements: 1 });
    arp.setAddresses(0, [US]);
    const first = arp.enqueue(0, PEER, "p1");
    expect(kinds(first)).toEqual(["arp"]);
    expect(arp.enqueue(1, PEER, "p2")).toEqual([]); // no second request while one is under way
    expect(arp.pollAt()).toBe(S);
    expect(kinds(arp.poll(S))).toEqual(["arp"]);
    const out = arp.input(S + 5, reply(PEER, PEER_MAC));
    expect(out.map((o) => (o.kind === "send" ? o.item : o.kind))).toEqual(["p1", "p2"]);
    expect(arp.queuedCount()).toBe(0);
    expect(arp.lookup(S + 5, PEER)).toEqual(PEER_MAC);
  });

  it("gives up after three tries and reports the queue unreachable", () => {
    const arp = new ArpCache<string>(OUR_MAC, { announcements: 1 });
    arp.setAddresses(0, [US]);
    arp.enqueue(0, PEER, "p1");
    expect(kinds(arp.poll(S))).toEqual(["arp"]);
    expect(kinds(arp.poll(2 * S))).toEqual(["arp"]);
    const out = arp.poll(3 * S);
    expect(out).toEqual([{ kind: "unreachable", ip: PEER, items: ["p1"] }]);
    expect(arp.stats.requestsSent).toBe(3);
    expect(arp.stats.resolutionFailures).toBe(1);
    expect(arp.pollAt()).toBeUndefined();
  });

  it("bounds the per-address queue, dropping the oldest", () => {
    const arp = new ArpCache<number>(OUR_MAC, { maxQueuePerAddress: 2 });
    arp.enqueue(0, PEER, 1);
    arp.enqueue(0, PEER, 2);
    expect(arp.enqueue(0, PEER, 3)).toEqual([{ kind: "unreachable", ip: PEER, items: [1] }]);
    expect(arp.queuedCount()).toBe(2);
    const out = arp.input(0, reply(PEER, PEER_MAC));
    expect(out.map((o) => (o.kind === "send" ? o.item : -1))).toEqual([2, 3]);
  });

  it("bounds the global queue", () => {
    const arp = new ArpCache<number>(OUR_MAC, { maxQueued: 2, maxPending: 2 });
    arp.enqueue(0, PEER, 1);
    arp.enqueue(0, OTHER, 2);
    const out = arp.enqueue(0, 0x0a000009, 3);
    expect(out).toEqual([{ kind: "unreachable", ip: 0x0a000009, items: [3] }]);
    expect(arp.queuedCount()).toBe(2);
  });

  it("expires entries and refreshes those in use before expiry", () => {
    const arp = new ArpCache<string>(OUR_MAC, { reachableNs: 60 * S, refreshLeadNs: 5 * S, announcements: 1 });
    arp.setAddresses(0, [US]);
    arp.enqueue(0, PEER, "x");
    arp.input(0, reply(PEER, PEER_MAC));
    arp.enqueue(0, OTHER, "y");
    arp.input(0, reply(OTHER, OTHER_MAC));
    expect(arp.lookup(10 * S, PEER)).toEqual(PEER_MAC); // PEER in use, OTHER idle
    expect(arp.pollAt()).toBe(55 * S);
    const refresh = arp.poll(55 * S);
    expect(refresh).toHaveLength(1);
    const r = refresh[0]!;
    if (r.kind !== "arp") throw new Error("expected arp");
    expect(r.dstMac).toEqual(PEER_MAC); // unicast refresh
    expect(r.message.targetIp).toBe(PEER);
    arp.input(56 * S, reply(PEER, PEER_MAC));
    arp.poll(60 * S);
    expect(arp.lookup(60 * S, OTHER)).toBeUndefined();
    expect(arp.lookup(60 * S, PEER)).toEqual(PEER_MAC);
    expect(arp.stats.expired).toBe(1);
  });

  it("evicts the oldest entry when full", () => {
    const arp = new ArpCache<string>(OUR_MAC, { maxEntries: 2 });
    arp.setAddresses(0, [US]);
    for (const ip of [PEER, OTHER, 0x0a000004]) {
      arp.input(0, { op: ARP_REQUEST, senderMac: PEER_MAC, senderIp: ip, targetMac: new Uint8Array(6), targetIp: US });
    }
    expect(arp.lookup(0, PEER)).toBeUndefined();
    expect(arp.lookup(0, OTHER)).toBeDefined();
    expect(arp.lookup(0, 0x0a000004)).toBeDefined();
    expect(arp.stats.evicted).toBe(1);
  });

  it("updates an existing binding from any ARP packet (RFC 826 merge)", () => {
    const arp = new ArpCache<string>(OUR_MAC);
    arp.setAddresses(0, [US]);
    arp.input(0, reply(PEER, PEER_MAC));
    // A gratuitous announcement by PEER with a new MAC, not addressed to us.
    arp.input(1, { op: ARP_REQUEST, senderMac: OTHER_MAC, senderIp: PEER, targetMac: new Uint8Array(6), targetIp: PEER });
    expect(arp.lookup(1, PEER)).toEqual(OTHER_MAC);
  });

  it("copies learned MACs (the frame buffer may be reused)", () => {
    const arp = new ArpCache<string>(OUR_MAC);
    arp.setAddresses(0, [US]);
    const mac = PEER_MAC.slice();
    arp.input(0, reply(PEER, mac));
    mac[5] = 99;
    expect(arp.lookup(0, PEER)).toEqual(PEER_MAC);
  });

  it("answers a probe for our address without learning from it (RFC 5227)", () => {
    const arp = new ArpCache<string>(OUR_MAC);
    arp.setAddresses(0, [US]);
    const out = arp.input(0, { op: ARP_REQUEST, senderMac: PEER_MAC, senderIp: 0, targetMac: new Uint8Array(6), targetIp: US });
    expect(out).toHaveLength(1);
    const r = out[0]!;
    if (r.kind !== "arp") throw new Error("expected arp");
    expect(r.message).toMatchObject({ op: ARP_REPLY, senderIp: US, targetIp: 0 });
    expect(arp.lookup(0, 0)).toBeUndefined();
  });

  it("rejects bad options", () => {
    expect(() => new ArpCache(new Uint8Array(5))).toThrow(TypeError);
    expect(() => new ArpCache(OUR_MAC, { retryNs: -1 })).toThrow(/retryNs/);
  });
});
