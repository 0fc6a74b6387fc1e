import { describe, expect, it } from "vitest";
import { emitIpv4Header, emitIpv4Packet, IPPROTO, IPPROTO_ICMP, ipv4HeaderLen, Ipv4Packet, parseIpv4Packet } from "./ipv4.ts";
import type { Ipv4Repr } from "./ipv4.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const code = (r: { ok: boolean; error?: { code: string } }): string => (r.ok ? "ok" : r.error!.code);

// Captured on a veth between two Linux namespaces (see fuzz/README.md).
// ping 10.9.0.2 -> 10.9.0.1: DF set, id 0x58f0, TTL 64, 40 bytes of ICMP.
const ECHO_REQUEST = hex(`
  4500 003c 58f0 4000 4001 cdbc 0a090002 0a090001
  08003b27123400016162636465666768696a6b6c6d6e6f7071727374757677616263646566676869`);
// The kernel's port unreachable: TOS 0xc0 (network control), DF clear, id 0x6081.
const PORT_UNREACHABLE = hex(`
  45c0 003e 6081 0000 4001 056a 0a090001 0a090002
  0303142d00000000 45000022a6634000401180530a0900020a0900019c400009000e1434636c6f736564`);
// Hand-made (checksums from an independent Python implementation): an IGMP report
// with the Router Alert option (RFC 2113), and a two-fragment datagram.
const WITH_OPTIONS = hex("4600 0020 1234 4000 0102 e88c 0a000001 e0000016 94040000 2200fa0100000000");
const FRAG_FIRST = hex("4500 0024 beef 2000 4001 87e7 0a000001 0a000002 000102030405060708090a0b0c0d0e0f");
const FRAG_LAST = hex("4500 001c beef 00b9 4001 a736 0a000001 0a000002 0001020304050607");
// A fragment at offset 65512 with 32 bytes: it would end past 65535 (ping of death).
const PING_OF_DEATH = hex(`4500 0034 beef 1ffd 4001 87da 0a000001 0a000002 ${"00".repeat(32)}`);

describe("IPv4 (RFC 791)", () => {
  it("parses a captured header", () => {
    const r = parseIpv4Packet(ECHO_REQUEST);
    if (!r.ok) throw new Error(r.error.message);
    const { payload, options, ...fields } = r.value;
    expect(fields).toEqual({
      src: 0x0a090002,
      dst: 0x0a090001,
      protocol: IPPROTO_ICMP,
      payloadLen: 40,
      ttl: 64,
      identification: 0x58f0,
      tos: 0,
      dontFragment: true,
      moreFragments: false,
      fragmentOffset: 0,
    });
    expect(options.length).toBe(0);
    expect(payload).toEqual(ECHO_REQUEST.subarray(20));
    expect(payload.buffer).toBe(ECHO_REQUEST.buffer);
    const u = parseIpv4Packet(PORT_UNREACHABLE);
    expect(u.ok && [u.value.tos, u.value.dontFragment, u.value.identification]).toEqual([0xc0, false, 0x6081]);
  });

  it("keeps options opaque and reads fragments in bytes", () => {
    const o = parseIpv4Packet(WITH_OPTIONS);
    expect(o.ok && o.value.options).toEqual(hex("94040000"));
    expect(o.ok && o.value.payload).toEqual(hex("2200fa0100000000"));
    const f1 = parseIpv4Packet(FRAG_FIRST);
    expect(f1.ok && [f1.value.moreFragments, f1.value.fragmentOffset, f1.value.payloadLen]).toEqual([true, 0, 16]);
    const f2 = parseIpv4Packet(FRAG_LAST);
    expect(f2.ok && [f2.value.moreFragments, f2.value.fragmentOffset, f2.value.payloadLen]).toEqual([false, 1480, 8]);
  });

  it("round-trips every fixture byte for byte", () => {
    for (const p of [ECHO_REQUEST, PORT_UNREACHABLE, WITH_OPTIONS, FRAG_FIRST, FRAG_LAST]) {
      const r = parseIpv4Packet(p);
      if (!r.ok) throw new Error(r.error.message);
      expect(emitIpv4Packet(r.value, r.value.payload)).toEqual(p);
    }
  });

  it("emits a header in place for one-allocation framing", () => {
    const repr: Ipv4Repr = {
      src: 0x0a000001, dst: 0x0a000002, protocol: IPPROTO.UDP, payloadLen: 4, ttl: 64,
      identification: 7, tos: 0, dontFragment: true, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0),
    };
    const buf = new Uint8Array(14 + ipv4HeaderLen(repr) + 4);
    expect(emitIpv4Header(buf, 14, repr)).toBe(34);
    buf.set([1, 2, 3, 4], 34);
    const r = parseIpv4Packet(buf.subarray(14));
    expect(r.ok && r.value.payload).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it("ignores bytes after the total length (Ethernet padding)", () => {
    const padded = new Uint8Array(ECHO_REQUEST.length + 6);
    padded.set(ECHO_REQUEST);
    padded.fill(0x55, ECHO_REQUEST.length);
    const r = parseIpv4Packet(padded);
    expect(r.ok && r.value.payload.length).toBe(40);
  });

  it("reports every error", () => {
    for (let n = 0; n < 20; n++) expect(code(parseIpv4Packet(ECHO_REQUEST.subarray(0, n))), `length ${n}`).toBe("truncated");
    for (let n = 20; n < ECHO_REQUEST.length; n++) expect(code(parseIpv4Packet(ECHO_REQUEST.subarray(0, n)))).toBe("truncated");
    expect(code(parseIpv4Packet(WITH_OPTIONS.subarray(0, 22)))).toBe("truncated"); // header runs past the bytes
    const mutate = (p: Uint8Array, f: (b: Uint8Array) => void): Uint8Array => {
      const b = p.slice();
      f(b);
      return b;
    };
    expect(code(parseIpv4Packet(mutate(ECHO_REQUEST, (b) => (b[0] = 0x65))))).toBe("malformed"); // version 6
    expect(code(parseIpv4Packet(mutate(ECHO_REQUEST, (b) => (b[0] = 0x44))))).toBe("malformed"); // IHL 16 bytes
    expect(code(parseIpv4Packet(mutate(ECHO_REQUEST, (b) => (b[3] = 19))))).toBe("malformed"); // total < header
    expect(code(parseIpv4Packet(mutate(ECHO_REQUEST, (b) => (b[3] = 0x3d))))).toBe("truncated"); // total > bytes
    expect(code(parseIpv4Packet(mutate(ECHO_REQUEST, (b) => (b[8] = 63))))).toBe("bad_checksum");
    expect(code(parseIpv4Packet(mutate(ECHO_REQUEST, (b) => (b[30] ^= 1))))).toBe("ok"); // payload is not covered
    expect(code(parseIpv4Packet(PING_OF_DEATH))).toBe("malformed");
    // The view still lets a caller look at a header whose checksum is wrong.
    const v = Ipv4Packet.check(mutate(ECHO_REQUEST, (b) => (b[8] = 63)));
    expect(v.ok && [v.value.ttl, v.value.verifyChecksum()]).toEqual([63, false]);
  });

  it("throws on misuse when emitting", () => {
    const base: Ipv4Repr = {
      src: 1, dst: 2, protocol: 17, payloadLen: 0, ttl: 64, identification: 0, tos: 0,
      dontFragment: false, moreFragments: false, fragmentOffset: 0, options: new Uint8Array(0),
    };
    expect(() => emitIpv4Packet({ ...base, options: new Uint8Array(3) }, new Uint8Array(0))).toThrow(RangeError);
    expect(() => emitIpv4Packet({ ...base, options: new Uint8Array(44) }, new Uint8Array(0))).toThrow(/44/);
    expect(() => emitIpv4Packet({ ...base, fragmentOffset: 12 }, new Uint8Array(0))).toThrow(/multiple of 8/);
    expect(() => emitIpv4Packet({ ...base, ttl: 256 }, new Uint8Array(0))).toThrow(/256/);
    expect(() => emitIpv4Packet({ ...base, payloadLen: 1 }, new Uint8Array(0))).toThrow(RangeError);
    expect(() => emitIpv4Packet({ ...base, payloadLen: 65516 }, new Uint8Array(65516))).toThrow(RangeError);
    expect(() => emitIpv4Header(new Uint8Array(19), 0, base)).toThrow(RangeError);
  });
});
