import { describe, expect, it } from "vitest";
import { BOOTP_OP, DHCP_MESSAGE_TYPE as T, emitDhcp, parseDhcp, type DhcpOptions, type DhcpRepr } from "@mirage-ts/wire";
import { DhcpClient, type DhcpSend } from "./client.ts";

const S = 1e9;
const MAC = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const SERVER = ip(10, 77, 0, 1);
const OTHER_SERVER = ip(10, 77, 0, 2);
const ADDR = ip(10, 77, 0, 58);
const BCAST = 0xffffffff;

/** xids 0x11110001, 0x11110002, ...; jitter bytes fixed (0x8000 means none). */
function fakeRandom(jitter = [0x80, 0x00]): (n: number) => Uint8Array {
  let xid = 0x11110000;
  return (n) => {
    if (n === 4) {
      xid++;
      return Uint8Array.of(xid >>> 24, (xid >>> 16) & 0xff, (xid >>> 8) & 0xff, xid & 0xff);
    }
    return Uint8Array.from({ length: n }, (_, i) => jitter[i % jitter.length]!);
  };
}

function client(extra: Partial<ConstructorParameters<typeof DhcpClient>[0]> = {}): DhcpClient {
  return new DhcpClient({ mac: MAC, random: fakeRandom(), hostname: "uni", ...extra });
}

function decode(s: DhcpSend): DhcpRepr {
  const r = parseDhcp(s.payload);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function only(list: DhcpSend[]): DhcpSend {
  expect(list).toHaveLength(1);
  return list[0]!;
}

/** A server reply to `req`, the way dnsmasq answers. */
function reply(req: DhcpRepr, type: number, options: DhcpOptions = {}, patch: Partial<DhcpRepr> = {}): Uint8Array {
  const yiaddr = type === T.NAK ? 0 : ADDR;
  return emitDhcp({
    ...req, op: BOOTP_OP.REPLY, yiaddr, siaddr: SERVER, ciaddr: req.ciaddr,
    options: {
      messageType: type, serverId: SERVER,
      ...(type !== T.NAK && { leaseTime: 3600, renewalTime: 1800, rebindingTime: 3150, subnetMask: 0xffffff00, routers: [SERVER], dnsServers: [SERVER, ip(9, 9, 9, 9)] }),
      ...options,
    },
    ...patch,
  });
}

/** Drives a fresh client to BOUND: DISCOVER at 0, OFFER and ACK at 1 s. */
function bound(c = client(), ack: DhcpOptions = {}): DhcpClient {
  const d = decode(only(c.start(0)));
  const r = decode(only(c.input(1 * S, reply(d, T.OFFER))));
  expect(c.input(1 * S, reply(r, T.ACK, ack))).toEqual([]);
  expect(c.state()).toBe("bound");
  expect(c.takeEvents().map((e) => e.kind)).toEqual(["bound"]);
  return c;
}

describe("DhcpClient lifecycle", () => {
  it("discover -> offer -> request -> ack -> bound -> renew -> ack -> renewed", () => {
    const c = client();
    expect(c.state()).toBe("init");
    expect(c.pollAt()).toBeUndefined();
    const ds = only(c.start(0));
    expect(ds).toMatchObject({ src: 0, dst: BCAST });
    const d = decode(ds);
    expect(d).toMatchObject({ op: 1, htype: 1, xid: 0x11110001, secs: 0, broadcast: true, ciaddr: 0 });
    expect(d.chaddr).toEqual(MAC);
    expect(d.options).toMatchObject({ messageType: T.DISCOVER, hostname: "uni", parameterRequestList: [1, 3, 6, 51, 54, 58, 59] });
    expect(d.options.clientId).toEqual(Uint8Array.of(1, ...MAC));
    expect(c.state()).toBe("selecting");

    const rs = only(c.input(2 * S, reply(d, T.OFFER)));
    expect(rs).toMatchObject({ src: 0, dst: BCAST });
    const r = decode(rs);
    // Same xid as the DISCOVER; server id and requested IP present (RFC 2131 4.4.1).
    expect(r).toMatchObject({ xid: d.xid, secs: 2, ciaddr: 0, broadcast: true });
    expect(r.options).toMatchObject({ messageType: T.REQUEST, requestedIp: ADDR, serverId: SERVER });
    expect(c.state()).toBe("requesting");
    expect(c.takeEvents()).toEqual([]);

    expect(c.input(2.5 * S, reply(r, T.ACK))).toEqual([]);
    const lease = { address: ADDR, prefix: 24, gateway: SERVER, dnsServers: [SERVER, ip(9, 9, 9, 9)], leaseSeconds: 3600, serverId: SERVER, obtainedAt: 2 * S };
    expect(c.takeEvents()).toEqual([{ kind: "bound", lease }]);
    expect(c.takeEvents()).toEqual([]);
    expect(c.lease()).toEqual(lease);
    expect(c.pollAt()).toBe(2 * S + 1800 * S);
    expect(c.poll(1801 * S)).toEqual([]);

    const t1 = 1802 * S;
    const ns = only(c.poll(t1));
    expect(ns).toMatchObject({ src: ADDR, dst: SERVER });
    const n = decode(ns);
    expect(n).toMatchObject({ xid: 0x11110002, ciaddr: ADDR, broadcast: false, secs: 0 });
    expect(n.options.messageType).toBe(T.REQUEST);
    expect(n.options.serverId).toBeUndefined();
    expect(n.options.requestedIp).toBeUndefined();
    expect(c.state()).toBe("renewing");
    expect(c.lease()).toEqual(lease); // still usable while renewing

    expect(c.input(t1 + S, reply(n, T.ACK, { leaseTime: 7200, renewalTime: undefined, rebindingTime: undefined }))).toEqual([]);
    const renewed = { ...lease, leaseSeconds: 7200, obtainedAt: t1 };
    expect(c.takeEvents()).toEqual([{ kind: "renewed", lease: renewed }]);
    expect(c.state()).toBe("bound");
    // Defaults: T1 = 0.5 of the lease (RFC 2131 4.4.5).
    expect(c.pollAt()).toBe(t1 + 3600 * S);
    expect(c.stats()).toEqual({ received: 3, ignored: 0, malformed: 0, sent: 3 });
  });

  it("renew unanswered -> retransmits -> rebind (broadcast) -> ack from another server", () => {
    const c = bound(client(), { leaseTime: 1000, renewalTime: undefined, rebindingTime: undefined });
    // obtainedAt 1 s: T1 = 501 s, T2 = 876 s, expiry = 1001 s.
    expect(c.pollAt()).toBe(501 * S);
    const first = decode(only(c.poll(501 * S)));
    // Half of the time left to T2 (375 s / 2), more than 60 s.
    expect(c.pollAt()).toBe(501 * S + 187.5 * S);
    const again = decode(only(c.poll(688.5 * S)));
    expect(again.xid).toBe(first.xid);
    expect(again.secs).toBe(187);
    // 93.75 s later, then the 60 s floor is clamped by T2.
    expect(c.pollAt()).toBe(688.5 * S + 93.75 * S);
    only(c.poll(782.25 * S));
    expect(c.pollAt()).toBe(842.25 * S);
    only(c.poll(842.25 * S));
    expect(c.pollAt()).toBe(876 * S);

    const rb = only(c.poll(876 * S));
    expect(rb).toMatchObject({ src: ADDR, dst: BCAST });
    const rq = decode(rb);
    expect(rq).toMatchObject({ ciaddr: ADDR, broadcast: false });
    expect(rq.xid).not.toBe(first.xid);
    expect(rq.options.serverId).toBeUndefined();
    expect(c.state()).toBe("rebinding");
    expect(c.pollAt()).toBe(876 * S + 62.5 * S);

    c.input(900 * S, reply(rq, T.ACK, { serverId: OTHER_SERVER }));
    const [e] = c.takeEvents();
    expect(e).toMatchObject({ kind: "renewed", lease: { serverId: OTHER_SERVER, obtainedAt: 876 * S } });
    expect(c.state()).toBe("bound");
  });

  it("no answer at all -> lost at expiry -> a new DISCOVER", () => {
    const c = bound();
    const sends: DhcpSend[] = [];
    let t = 0;
    while (c.state() !== "selecting") {
      t = c.pollAt()!;
      sends.push(...c.poll(t));
    }
    expect(t).toBe(3601 * S);
    const events = c.takeEvents();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: "lost", lease: { address: ADDR } });
    expect(c.lease()).toBeUndefined();
    const last = decode(sends.pop()!);
    expect(last.options.messageType).toBe(T.DISCOVER);
    expect(last.ciaddr).toBe(0);
    // Renewing unicasts at 1801, 2476, 2813.5, 2982.25, 3066.625, 3126.625 s (half the
    // time left to T2, at least 60 s); rebinding broadcasts at 3151, 3376, 3488.5, 3548.5 s.
    expect(sends.map((s) => (s.dst === SERVER ? "renew" : s.dst === BCAST ? "rebind" : "?"))).toEqual([
      ...Array<string>(6).fill("renew"), ...Array<string>(4).fill("rebind"),
    ]);
  });

  it("a late poll after T2 goes straight to REBINDING", () => {
    const c = bound();
    const s = only(c.poll(3200 * S));
    expect(s.dst).toBe(BCAST);
    expect(c.state()).toBe("rebinding");
  });

  it("an infinite lease is never renewed", () => {
    const c = bound(client(), { leaseTime: 0xffffffff, renewalTime: undefined, rebindingTime: undefined });
    expect(c.pollAt()).toBeUndefined();
    expect(c.poll(1e20)).toEqual([]);
  });

  it("clamps T1/T2 beyond the lease and falls back to a classful prefix", () => {
    const c = bound(client(), { leaseTime: 100, renewalTime: 500, rebindingTime: 400, subnetMask: 0xff00ff00 });
    expect(c.lease()!.prefix).toBe(8); // 10/8
    expect(c.pollAt()).toBe(101 * S);
    c.poll(101 * S); // T1 = T2 = expiry: the lease is lost at once.
    expect(c.takeEvents()[0]!.kind).toBe("lost");
  });

  it("a renewal ACK with another address ends the old lease", () => {
    const c = bound();
    const n = decode(only(c.poll(1801 * S)));
    c.input(1802 * S, reply(n, T.ACK, {}, { yiaddr: ip(10, 77, 0, 60) }));
    expect(c.takeEvents().map((e) => [e.kind, e.lease.address])).toEqual([["lost", ADDR], ["bound", ip(10, 77, 0, 60)]]);
  });
});

describe("DhcpClient NAK", () => {
  it("NAK while requesting -> INIT, then a new DISCOVER after a pause", () => {
    const c = client();
    const d = decode(only(c.start(0)));
    const r = decode(only(c.input(1 * S, reply(d, T.OFFER))));
    expect(c.input(2 * S, reply(r, T.NAK))).toEqual([]);
    expect(c.state()).toBe("init");
    expect(c.lease()).toBeUndefined();
    expect(c.takeEvents()).toEqual([]);
    expect(c.pollAt()).toBe(6 * S);
    const again = decode(only(c.poll(6 * S)));
    expect(again.options.messageType).toBe(T.DISCOVER);
    expect(again.xid).not.toBe(d.xid);
    expect(c.state()).toBe("selecting");
  });

  it("NAK while renewing -> lost", () => {
    const c = bound();
    const n = decode(only(c.poll(1801 * S)));
    c.input(1802 * S, reply(n, T.NAK));
    expect(c.takeEvents()).toMatchObject([{ kind: "lost", lease: { address: ADDR } }]);
    expect(c.state()).toBe("init");
    expect(c.lease()).toBeUndefined();
  });
});

describe("DhcpClient retransmission", () => {
  it("doubles from 4 s and caps at 64 s (RFC 2131 4.1)", () => {
    const c = client();
    c.start(0);
    const at: number[] = [];
    for (let i = 0; i < 8; i++) {
      const t = c.pollAt()!;
      at.push(t / S);
      const s = decode(only(c.poll(t)));
      expect(s.options.messageType).toBe(T.DISCOVER);
      expect(s.xid).toBe(0x11110001);
      expect(s.secs).toBe(Math.floor(t / S));
    }
    expect(at).toEqual([4, 12, 28, 60, 124, 188, 252, 316]);
    expect(c.stats().sent).toBe(9);
  });

  it("honours the configured schedule and randomises by up to +-1 s", () => {
    const early = new DhcpClient({ mac: MAC, random: fakeRandom([0x00, 0x00]), retransmit: { initialNs: 2 * S, maxNs: 16 * S } });
    early.start(0);
    expect(early.pollAt()).toBe(1.5 * S); // jitter is at most a quarter of a short delay
    const late = new DhcpClient({ mac: MAC, random: fakeRandom([0xff, 0xff]), retransmit: { initialNs: 8 * S, maxNs: 16 * S } });
    late.start(0);
    const steps: number[] = [];
    let prev = 0;
    for (let i = 0; i < 4; i++) {
      const t = late.pollAt()!;
      steps.push((t - prev) / S);
      prev = t;
      late.poll(t);
    }
    // +0x7fff/0x8000 of a second each time.
    const j = 0x7fff / 0x8000;
    expect(steps).toEqual([8 + j, 16 + j, 16 + j, 16 + j]);
  });

  it("gives up REQUESTING after 4 transmissions and starts over", () => {
    const c = client();
    const d = decode(only(c.start(0)));
    c.input(0, reply(d, T.OFFER));
    const types: number[] = [];
    for (let i = 0; i < 4; i++) types.push(decode(only(c.poll(c.pollAt()!))).options.messageType!);
    expect(types).toEqual([T.REQUEST, T.REQUEST, T.REQUEST, T.DISCOVER]);
    expect(c.pollAt()).toBe(60 * S + 4 * S);
    expect(c.state()).toBe("selecting");
  });
});

describe("DhcpClient ignores what is not for it", () => {
  it("wrong xid, other MAC, requests, garbage, unexpected types, other servers", () => {
    const c = client();
    const d = decode(only(c.start(0)));
    const otherMac = Uint8Array.of(2, 0, 0, 0, 0, 1);
    expect(c.input(1, reply(d, T.OFFER, {}, { xid: d.xid + 1 }))).toEqual([]);
    expect(c.input(1, reply(d, T.OFFER, {}, { chaddr: otherMac }))).toEqual([]);
    expect(c.input(1, reply(d, T.OFFER, {}, { htype: 6 }))).toEqual([]);
    expect(c.input(1, emitDhcp({ ...d, options: { ...d.options, messageType: T.OFFER } }))).toEqual([]); // op REQUEST
    expect(c.input(1, reply(d, T.ACK))).toEqual([]); // ACK while selecting
    expect(c.input(1, reply(d, T.OFFER, { serverId: undefined }))).toEqual([]);
    expect(c.input(1, reply(d, T.OFFER, {}, { yiaddr: 0 }))).toEqual([]);
    expect(c.input(1, new Uint8Array(10))).toEqual([]);
    expect(c.input(1, Uint8Array.of(...reply(d, T.OFFER).subarray(0, 250)))).toEqual([]);
    expect(c.stats()).toEqual({ received: 9, ignored: 7, malformed: 2, sent: 1 });
    expect(c.state()).toBe("selecting");

    // The first OFFER wins; a second one, and replies from the other server, are ignored.
    const r = decode(only(c.input(2, reply(d, T.OFFER))));
    expect(c.input(3, reply(d, T.OFFER, { serverId: OTHER_SERVER }))).toEqual([]);
    expect(c.input(3, reply(r, T.ACK, { serverId: OTHER_SERVER }))).toEqual([]);
    expect(c.input(3, reply(r, T.NAK, { serverId: OTHER_SERVER }))).toEqual([]);
    expect(c.input(3, reply(r, T.ACK, { leaseTime: undefined }))).toEqual([]);
    expect(c.state()).toBe("requesting");
    c.input(4, reply(r, T.ACK));
    expect(c.state()).toBe("bound");
    expect(c.input(5, reply(r, T.ACK))).toEqual([]); // a duplicate while bound
    expect(c.stats()).toMatchObject({ received: 16, ignored: 12, malformed: 2 });
    expect(c.takeEvents()).toHaveLength(1);
  });
});

describe("DhcpClient release and misuse", () => {
  it("releases the lease by unicast and stops", () => {
    const c = bound();
    const s = only(c.release(10 * S));
    expect(s).toMatchObject({ src: ADDR, dst: SERVER });
    const m = decode(s);
    expect(m).toMatchObject({ ciaddr: ADDR, broadcast: false });
    expect(m.options).toMatchObject({ messageType: T.RELEASE, serverId: SERVER });
    expect(c.state()).toBe("init");
    expect(c.lease()).toBeUndefined();
    expect(c.pollAt()).toBeUndefined();
    expect(c.takeEvents()).toEqual([]); // no "lost": the caller asked for it
    expect(c.release(11 * S)).toEqual([]);
    expect(decode(only(c.start(12 * S))).options.messageType).toBe(T.DISCOVER);
  });

  it("throws on bad options and a second start", () => {
    expect(() => new DhcpClient({ mac: new Uint8Array(5), random: fakeRandom() })).toThrow(/6-byte.*got 5/);
    expect(() => client({ hostname: "has space" })).toThrow(RangeError);
    expect(() => client({ retransmit: { initialNs: 0 } })).toThrow(/initialNs must be > 0, got 0/);
    expect(() => client({ retransmit: { initialNs: 10, maxNs: 5 } })).toThrow(/maxNs.*got 5/);
    expect(() => new DhcpClient({ mac: MAC, random: () => new Uint8Array(1) }).start(0)).toThrow(/random\(4\) returned 1 bytes/);
    const c = client();
    c.start(0);
    expect(() => c.start(1)).toThrow(/already started \(state selecting\)/);
  });

  it("can leave the broadcast flag off", () => {
    const c = client({ broadcastFlag: false });
    expect(decode(only(c.start(0))).broadcast).toBe(false);
  });
});

describe("DhcpClient fuzz", () => {
  it("never throws on 5k seeded mutated replies, in every state", () => {
    let seed = 0x2545f491;
    const rnd = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const states = new Set<string>();
    for (let round = 0; round < 50; round++) {
      const c = client();
      // Replies answer the client's latest message, so many pass the xid check.
      let last = decode(only(c.start(0)));
      const track = (list: DhcpSend[]): void => {
        if (list.length > 0) last = decode(list[list.length - 1]!);
      };
      let now = 0;
      for (let i = 0; i < 100; i++) {
        const type = [T.OFFER, T.ACK, T.ACK, T.NAK][rnd(4)]!;
        const b = reply(last, type).slice();
        for (let f = rnd(3); f > 0; f--) b[rnd(3) === 0 ? rnd(b.length) : 236 + rnd(b.length - 236)] = rnd(256);
        now += rnd(1500) * S;
        track(c.input(now, rnd(6) === 0 ? b.subarray(0, rnd(b.length)) : b));
        track(c.poll(now));
        c.takeEvents();
        states.add(c.state());
      }
      expect(c.stats().received).toBe(100);
    }
    expect([...states].sort()).toEqual(["bound", "init", "rebinding", "renewing", "requesting", "selecting"]);
  });
});
