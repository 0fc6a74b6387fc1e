import { describe, expect, it } from "vitest";
import { ARP_OP, ARP_PACKET_LEN, ArpPacket, emitArp, emitArpInto, parseArp } from "./arp.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

// Linux 10.9.0.2 asking who has 10.9.0.1, and 10.9.0.1's answer (veth capture, the
// Ethernet header stripped). Field layout: htype ptype hlen plen op sha spa tha tpa.
const REQUEST = hex("0001 0800 06 04 0001 82a6242c6dc6 0a090002 000000000000 0a090001");
const REPLY = hex("0001 0800 06 04 0002 1a0adf8090cb 0a090001 82a6242c6dc6 0a090002");

describe("ARP (RFC 826)", () => {
  it("parses a captured request and reply", () => {
    expect(parseArp(REQUEST)).toEqual({
      ok: true,
      value: {
        op: ARP_OP.REQUEST,
        senderMac: hex("82a6242c6dc6"),
        senderIp: 0x0a090002,
        targetMac: hex("000000000000"),
        targetIp: 0x0a090001,
      },
    });
    const r = parseArp(REPLY);
    expect(r.ok && r.value.op).toBe(ARP_OP.REPLY);
    expect(r.ok && r.value.senderMac).toEqual(hex("1a0adf8090cb"));
  });

  it("round-trips and emits into a buffer", () => {
    for (const p of [REQUEST, REPLY]) {
      const r = parseArp(p);
      if (!r.ok) throw new Error(r.error.message);
      expect(emitArp(r.value)).toEqual(p);
    }
    const buf = new Uint8Array(2 + ARP_PACKET_LEN);
    const r = parseArp(REPLY);
    if (!r.ok) throw new Error("parse");
    expect(emitArpInto(buf, 2, r.value)).toBe(30);
    expect(buf.subarray(2)).toEqual(REPLY);
  });

  it("ignores Ethernet padding after the 28 bytes", () => {
    const padded = new Uint8Array(46);
    padded.set(REQUEST);
    padded.fill(0xee, 28);
    expect(parseArp(padded)).toEqual(parseArp(REQUEST));
  });

  it("reports truncation at every length", () => {
    for (let n = 0; n < ARP_PACKET_LEN; n++) {
      const r = parseArp(REQUEST.subarray(0, n));
      expect(r.ok ? "ok" : r.error.code, `length ${n}`).toBe("truncated");
    }
  });

  it("reports other hardware/protocol types and operations as unsupported", () => {
    const code = (mutate: (b: Uint8Array) => void): string => {
      const b = REQUEST.slice();
      mutate(b);
      const r = parseArp(b);
      return r.ok ? "ok" : r.error.code;
    };
    expect(code((b) => (b[1] = 6))).toBe("unsupported"); // IEEE 802 hardware
    expect(code((b) => (b[2] = 0x86) && (b[3] = 0xdd))).toBe("unsupported"); // IPv6 protocol
    expect(code((b) => (b[7] = 3))).toBe("unsupported"); // RARP request
    expect(code((b) => (b[7] = 0))).toBe("unsupported");
    expect(code((b) => (b[4] = 8))).toBe("malformed"); // hlen
    expect(code((b) => (b[5] = 16))).toBe("malformed"); // plen
    const v = ArpPacket.check(REQUEST);
    expect(v.ok && [v.value.hardwareType, v.value.protocolType, v.value.hardwareLen, v.value.protocolLen]).toEqual([1, 0x800, 6, 4]);
  });

  it("throws on misuse when emitting", () => {
    const good = { op: ARP_OP.REQUEST, senderMac: new Uint8Array(6), senderIp: 1, targetMac: new Uint8Array(6), targetIp: 2 } as const;
    expect(() => emitArp({ ...good, op: 3 as 1 })).toThrow(/got 3/);
    expect(() => emitArp({ ...good, senderMac: new Uint8Array(4) })).toThrow(TypeError);
    expect(() => emitArp({ ...good, targetIp: -1 })).toThrow(RangeError);
    expect(() => emitArpInto(new Uint8Array(30), 3, good)).toThrow(RangeError);
  });
});
