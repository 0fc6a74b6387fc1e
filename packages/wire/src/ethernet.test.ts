import { describe, expect, it } from "vitest";
import {
  emitEthernet,
  emitEthernetHeader,
  ETHERNET_HEADER_LEN,
  ETHERTYPE,
  EthernetFrame,
  parseEthernet,
} from "./ethernet.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

// An ARP request Linux broadcast on a veth (captured with an AF_PACKET socket).
const ARP_FRAME = hex(`
  ffffffffffff 82a6242c6dc6 0806
  0001 0800 06 04 0001 82a6242c6dc6 0a090002 000000000000 0a090001`);
// An IPv6 MLD report from the same capture: ethertype 86dd, multicast destination.
const IPV6_FRAME = hex(`
  333300000016 82a6242c6dc6 86dd
  6000000000240001000000000000000000000000000000000ff0200000000000000000000000000163a000502000001008f0001980000000104000000ff0200000000000000000001ff2c6dc6`);

describe("Ethernet II", () => {
  it("parses a captured frame", () => {
    const r = parseEthernet(ARP_FRAME);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.dst).toEqual(hex("ffffffffffff"));
    expect(r.value.src).toEqual(hex("82a6242c6dc6"));
    expect(r.value.ethertype).toBe(ETHERTYPE.ARP);
    expect(r.value.payload.length).toBe(28);
    // The payload is a view, not a copy.
    expect(r.value.payload.buffer).toBe(ARP_FRAME.buffer);
    expect(r.value.payload.byteOffset).toBe(ARP_FRAME.byteOffset + 14);
    const v6 = parseEthernet(IPV6_FRAME);
    expect(v6.ok && v6.value.ethertype).toBe(ETHERTYPE.IPV6);
  });

  it("round-trips through emit", () => {
    const r = parseEthernet(ARP_FRAME);
    if (!r.ok) throw new Error("parse");
    expect(emitEthernet(r.value, r.value.payload)).toEqual(ARP_FRAME);
  });

  it("emits a header into a larger buffer at an offset", () => {
    const buf = new Uint8Array(4 + ETHERNET_HEADER_LEN + 2).fill(0xaa);
    const next = emitEthernetHeader(buf, 4, { dst: hex("020000000001"), src: hex("020000000002"), ethertype: ETHERTYPE.IPV4 });
    expect(next).toBe(18);
    expect(buf).toEqual(hex("aaaaaaaa 020000000001 020000000002 0800 aaaa"));
  });

  it("reports truncated frames at every length below the header", () => {
    for (let n = 0; n < ETHERNET_HEADER_LEN; n++) {
      const r = parseEthernet(ARP_FRAME.subarray(0, n));
      expect(r.ok ? "ok" : r.error.code, `length ${n}`).toBe("truncated");
    }
    const empty = parseEthernet(ARP_FRAME.subarray(0, 14));
    expect(empty.ok && empty.value.payload.length).toBe(0);
  });

  it("reports 802.3 length-field frames as unsupported", () => {
    const llc = ARP_FRAME.slice();
    llc[12] = 0x00;
    llc[13] = 0x2e;
    const r = parseEthernet(llc);
    expect(r.ok ? "ok" : r.error.code).toBe("unsupported");
    // The view still reads it: checks only guarantee bounds.
    const v = EthernetFrame.check(llc);
    expect(v.ok && v.value.ethertype).toBe(0x2e);
  });

  it("throws on misuse when emitting", () => {
    const good = { dst: new Uint8Array(6), src: new Uint8Array(6), ethertype: 0x0800 };
    expect(() => emitEthernet({ ...good, dst: new Uint8Array(5) }, new Uint8Array(0))).toThrow(TypeError);
    expect(() => emitEthernet({ ...good, ethertype: 0x10000 }, new Uint8Array(0))).toThrow(/65536/);
    expect(() => emitEthernetHeader(new Uint8Array(13), 0, good)).toThrow(RangeError);
  });
});
