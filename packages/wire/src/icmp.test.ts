import { describe, expect, it } from "vitest";
import { emitIcmp, emitIcmpInto, ICMP_UNREACHABLE, IcmpPacket, icmpLen, parseIcmp, parseIcmpQuote } from "./icmp.ts";
import type { IcmpRepr } from "./icmp.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const code = (r: { ok: boolean; error?: { code: string } }): string => (r.ok ? "ok" : r.error!.code);

// Captured (see fuzz/README.md): a ping with 32 bytes of data and Linux's reply, and
// Linux's port unreachable for a UDP datagram 10.9.0.2:40000 -> 10.9.0.1:9.
const DATA = "6162636465666768696a6b6c6d6e6f7071727374757677616263646566676869";
const ECHO_REQUEST = hex(`08 00 3b27 1234 0001 ${DATA}`);
const ECHO_REPLY = hex(`00 00 4327 1234 0001 ${DATA}`);
const PORT_UNREACHABLE = hex("03 03 142d 00000000 45000022a6634000401180530a0900020a0900019c400009000e1434636c6f736564");
// Hand-made, checksums from an independent Python implementation: fragmentation needed
// with next-hop MTU 1400 (RFC 1191), and TTL exceeded.
const FRAG_NEEDED = hex("03 04 7af5 0000 0578 4500003a9964400040068d450a0900020a0900018e661f90eec2dfd4");
const TIME_EXCEEDED = hex("0b 00 e802 00000000 45000020a6624000401180560a0900020a0900019c401e61000c524f");

describe("ICMPv4 (RFC 792)", () => {
  it("parses echo request and reply", () => {
    expect(parseIcmp(ECHO_REQUEST)).toEqual({ ok: true, value: { kind: "echo_request", id: 0x1234, seq: 1, data: hex(DATA) } });
    expect(parseIcmp(ECHO_REPLY)).toEqual({ ok: true, value: { kind: "echo_reply", id: 0x1234, seq: 1, data: hex(DATA) } });
  });

  it("parses errors and the datagram they quote", () => {
    const r = parseIcmp(PORT_UNREACHABLE);
    if (!r.ok || r.value.kind !== "dest_unreachable") throw new Error("expected dest_unreachable");
    expect([r.value.code, r.value.nextHopMtu, r.value.original.length]).toEqual([ICMP_UNREACHABLE.PORT, 0, 34]);
    const q = parseIcmpQuote(r.value.original);
    expect(q.ok && { ...q.value, transport: undefined }).toEqual({
      src: 0x0a090002, dst: 0x0a090001, protocol: 17, srcPort: 40000, dstPort: 9, transport: undefined,
    });
    const f = parseIcmp(FRAG_NEEDED);
    expect(f.ok && f.value.kind === "dest_unreachable" && [f.value.code, f.value.nextHopMtu]).toEqual([4, 1400]);
    const t = parseIcmp(TIME_EXCEEDED);
    expect(t.ok && t.value.kind === "time_exceeded" && t.value.code).toBe(0);
    const tq = t.ok && t.value.kind === "time_exceeded" ? parseIcmpQuote(t.value.original) : undefined;
    expect(tq?.ok && [tq.value.srcPort, tq.value.dstPort]).toEqual([40000, 7777]);
  });

  it("round-trips every fixture byte for byte", () => {
    for (const m of [ECHO_REQUEST, ECHO_REPLY, PORT_UNREACHABLE, FRAG_NEEDED, TIME_EXCEEDED]) {
      const r = parseIcmp(m);
      if (!r.ok) throw new Error(r.error.message);
      expect(emitIcmp(r.value)).toEqual(m);
      expect(icmpLen(r.value)).toBe(m.length);
    }
  });

  it("builds an echo reply from a request in place", () => {
    const req = parseIcmp(ECHO_REQUEST);
    if (!req.ok || req.value.kind !== "echo_request") throw new Error("parse");
    const buf = new Uint8Array(34 + icmpLen(req.value));
    expect(emitIcmpInto(buf, 34, { ...req.value, kind: "echo_reply" })).toBe(buf.length);
    expect(buf.subarray(34)).toEqual(ECHO_REPLY);
  });

  it("reports every error", () => {
    for (let n = 0; n < 8; n++) expect(code(parseIcmp(ECHO_REQUEST.subarray(0, n))), `length ${n}`).toBe("truncated");
    const bad = ECHO_REQUEST.slice();
    bad[10] ^= 0x40;
    expect(code(parseIcmp(bad))).toBe("bad_checksum");
    // A shorter quote than an IP header + 8 bytes; checksum fixed so only the quote is wrong.
    const short = emitIcmp({ kind: "dest_unreachable", code: 3, nextHopMtu: 0, original: PORT_UNREACHABLE.subarray(8, 8 + 27) });
    expect(code(parseIcmp(short))).toBe("malformed");
    const v6 = PORT_UNREACHABLE.subarray(8).slice();
    v6[0] = 0x65;
    expect(code(parseIcmp(emitIcmp({ kind: "time_exceeded", code: 0, original: v6 })))).toBe("malformed");
    const ihl = PORT_UNREACHABLE.subarray(8).slice(0, 30);
    ihl[0] = 0x46; // 24-byte header needs 32 bytes of quote
    expect(code(parseIcmp(emitIcmp({ kind: "time_exceeded", code: 0, original: ihl })))).toBe("malformed");
    ihl[0] = 0x44;
    expect(code(parseIcmpQuote(ihl))).toBe("malformed");
    // Timestamp request (13): valid checksum, unsupported type.
    const ts = new Uint8Array(20);
    ts[0] = 13;
    const sum = IcmpPacket.check(ts);
    expect(sum.ok && sum.value.verifyChecksum()).toBe(false);
    ts[2] = 0xf2;
    ts[3] = 0xff;
    expect(code(parseIcmp(ts))).toBe("unsupported");
  });

  it("throws on misuse when emitting", () => {
    const echo: IcmpRepr = { kind: "echo_request", id: 0x10000, seq: 0, data: new Uint8Array(0) };
    expect(() => emitIcmp(echo)).toThrow(/65536/);
    expect(() => emitIcmp({ kind: "bogus" } as unknown as IcmpRepr)).toThrow();
    expect(() => emitIcmpInto(new Uint8Array(7), 0, { kind: "echo_reply", id: 0, seq: 0, data: new Uint8Array(0) })).toThrow(RangeError);
  });
});
