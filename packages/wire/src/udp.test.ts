import { describe, expect, it } from "vitest";
import { emitUdp, emitUdpInto, parseUdp, UdpPacket, udpLen } from "./udp.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const code = (r: { ok: boolean; error?: { code: string } }): string => (r.ok ? "ok" : r.error!.code);

const A = 0x0a090002; // 10.9.0.2
const B = 0x0a090001; // 10.9.0.1
// Captured (see fuzz/README.md; veth offloads the checksum, filled in afterwards):
// 10.9.0.2:40000 -> 10.9.0.1:7777 "ping" and the echo back.
const REQUEST = hex("9c40 1e61 000c 524f 70696e67");
const REPLY = hex("1e61 9c40 000c 524f 70696e67");

describe("UDP (RFC 768)", () => {
  it("parses captured datagrams against their pseudo-headers", () => {
    expect(parseUdp(REQUEST, A, B)).toEqual({ ok: true, value: { srcPort: 40000, dstPort: 7777, payload: hex("70696e67") } });
    expect(code(parseUdp(REPLY, B, A))).toBe("ok");
    // The same bytes from other addresses fail the pseudo-header check.
    expect(code(parseUdp(REQUEST, A, 0x0a090003))).toBe("bad_checksum");
  });

  it("round-trips byte for byte and emits at an offset", () => {
    const r = parseUdp(REQUEST, A, B);
    if (!r.ok) throw new Error(r.error.message);
    expect(emitUdp(r.value, A, B)).toEqual(REQUEST);
    const buf = new Uint8Array(34 + udpLen(r.value));
    expect(emitUdpInto(buf, 34, r.value, A, B)).toBe(buf.length);
    expect(buf.subarray(34)).toEqual(REQUEST);
  });

  it("accepts checksum 0 (none) and sends a computed 0 as 0xffff", () => {
    const none = REQUEST.slice();
    none[6] = 0;
    none[7] = 0;
    expect(code(parseUdp(none, 1, 2))).toBe("ok");
    // This payload makes the sum come out as 0 (found with an independent Python search).
    const zero = emitUdp({ srcPort: 1000, dstPort: 2000, payload: hex("e01f") }, 0x0a000001, 0x0a000002);
    expect(zero).toEqual(hex("03e8 07d0 000a ffff e01f"));
    expect(code(parseUdp(zero, 0x0a000001, 0x0a000002))).toBe("ok");
  });

  it("uses the length field and ignores trailing bytes", () => {
    const padded = new Uint8Array(REQUEST.length + 5);
    padded.set(REQUEST);
    const r = parseUdp(padded, A, B);
    expect(r.ok && r.value.payload).toEqual(hex("70696e67"));
  });

  it("reports every error", () => {
    for (let n = 0; n < REQUEST.length; n++) expect(code(parseUdp(REQUEST.subarray(0, n), A, B)), `length ${n}`).toBe("truncated");
    const short = REQUEST.slice();
    short[5] = 7; // length 7 < 8
    expect(code(parseUdp(short, A, B))).toBe("malformed");
    const corrupt = REQUEST.slice();
    corrupt[9] ^= 0x20;
    expect(code(parseUdp(corrupt, A, B))).toBe("bad_checksum");
    const v = UdpPacket.check(corrupt);
    expect(v.ok && [v.value.length, v.value.verifyChecksum(A, B)]).toEqual([12, false]);
  });

  it("throws on misuse when emitting", () => {
    expect(() => emitUdp({ srcPort: 65536, dstPort: 1, payload: new Uint8Array(0) }, A, B)).toThrow(/65536/);
    expect(() => emitUdp({ srcPort: 1, dstPort: 1, payload: new Uint8Array(65528) }, A, B)).toThrow(RangeError);
    expect(() => emitUdp({ srcPort: 1, dstPort: 1, payload: new Uint8Array(0) }, -1, B)).toThrow(RangeError);
    expect(() => emitUdpInto(new Uint8Array(8), 1, { srcPort: 1, dstPort: 1, payload: new Uint8Array(0) }, A, B)).toThrow(RangeError);
  });
});
