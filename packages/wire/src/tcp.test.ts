import { describe, expect, it } from "vitest";
import { emitTcp, emitTcpInto, parseTcp, tcpHeaderLen, TcpSegment } from "./tcp.ts";
import { parseTcpOptions } from "./tcp-options.ts";
import { TCP_FLAG, type TcpRepr } from "./tcp-repr.ts";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const code = (r: { ok: boolean; error?: { code: string } }): string => (r.ok ? "ok" : r.error!.code);

const A = 0x0a090002; // 10.9.0.2, the client
const B = 0x0a090001; // 10.9.0.1, the server on port 8080
// A Linux connection captured on a veth (see fuzz/README.md; checksums were left to
// offload by the kernel and filled in afterwards). The SYN carries MSS 1460,
// SACK-permitted, timestamps and window scale 10.
const SYN = hex("8e66 1f90 eec2dfd3 00000000 a002 faf0 f3cb 0000 020405b4 0402 080a4bc67cd800000000 01 03030a");
const SYN_ACK = hex("1f90 8e66 143575d3 eec2dfd4 a012 fe88 d746 0000 020405b4 0402 080a8879065a4bc67cd8 01 03030a");
const DATA = hex("8e66 1f90 eec2dfd4 143575d4 8018 003f c074 0000 0101 080a4bc67cd98879065a 68656c6c6f0a");
const FIN = hex("8e66 1f90 eec2dfda 143575da 8011 003f 0452 0000 0101 080a4bc67cd98879065a");

/** Builds a segment with the given raw option bytes and a correct checksum. */
function withOptions(options: string): Uint8Array {
  const opts = hex(options);
  const seg = new Uint8Array(20 + opts.length);
  seg.set(SYN.subarray(0, 20));
  seg[12] = ((20 + opts.length) / 4) << 4;
  seg.set(opts, 20);
  seg[16] = 0;
  seg[17] = 0;
  // Checksum by hand so that the option bytes stay exactly as given.
  let sum = (A >>> 16) + (A & 0xffff) + (B >>> 16) + (B & 0xffff) + 6 + seg.length;
  for (let i = 0; i < seg.length; i += 2) sum += (seg[i]! << 8) | seg[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  seg[16] = (~sum >>> 8) & 0xff;
  seg[17] = ~sum & 0xff;
  return seg;
}

describe("TCP (RFC 9293)", () => {
  it("parses a captured SYN with all its options", () => {
    expect(parseTcp(SYN, A, B)).toEqual({
      ok: true,
      value: {
        srcPort: 36454,
        dstPort: 8080,
        seq: 0xeec2dfd3,
        ack: 0,
        flags: TCP_FLAG.SYN,
        window: 64240,
        urgent: 0,
        options: { mss: 1460, windowScale: 10, sackPermitted: true, timestamp: { value: 0x4bc67cd8, echo: 0 } },
        payload: new Uint8Array(0),
      },
    });
    const sa = parseTcp(SYN_ACK, B, A);
    expect(sa.ok && [sa.value.flags, sa.value.ack]).toEqual([TCP_FLAG.SYN | TCP_FLAG.ACK, 0xeec2dfd4]);
  });

  it("parses data and FIN segments", () => {
    const d = parseTcp(DATA, A, B);
    if (!d.ok) throw new Error(d.error.message);
    expect(d.value.flags).toBe(TCP_FLAG.PSH | TCP_FLAG.ACK);
    expect(d.value.options).toEqual({ timestamp: { value: 0x4bc67cd9, echo: 0x8879065a } });
    expect(d.value.payload).toEqual(hex("68656c6c6f0a"));
    expect(d.value.payload.buffer).toBe(DATA.buffer);
    const f = parseTcp(FIN, A, B);
    expect(f.ok && f.value.flags).toBe(TCP_FLAG.FIN | TCP_FLAG.ACK);
  });

  it("emits the captured segments byte for byte (Linux's option layout)", () => {
    for (const [seg, src, dst] of [[SYN, A, B], [SYN_ACK, B, A], [DATA, A, B], [FIN, A, B]] as const) {
      const r = parseTcp(seg, src, dst);
      if (!r.ok) throw new Error(r.error.message);
      expect(tcpHeaderLen(r.value)).toBe(seg.length - r.value.payload.length);
      expect(emitTcp(r.value, src, dst)).toEqual(seg);
    }
  });

  it("emits and parses SACK blocks, and options alone, padded to 4 bytes", () => {
    const base: TcpRepr = {
      srcPort: 80, dstPort: 1234, seq: 0xfffffff0, ack: 5, flags: TCP_FLAG.ACK, window: 512, urgent: 0,
      options: {}, payload: hex("0102030405"),
    };
    const cases = [
      {},
      { mss: 536 },
      { sackPermitted: true },
      { windowScale: 0 },
      { windowScale: 14, mss: 9000 },
      { sack: [[1, 2], [0xfffffff0, 0x10]] as const },
      { timestamp: { value: 0xffffffff, echo: 1 }, sack: [[10, 20], [30, 40], [50, 60]] as const },
      { sack: [[1, 2], [3, 4], [5, 6], [7, 8]] as const },
    ];
    for (const options of cases) {
      const repr = { ...base, options };
      expect(tcpHeaderLen(repr) % 4).toBe(0);
      const buf = new Uint8Array(10 + tcpHeaderLen(repr) + 5);
      expect(emitTcpInto(buf, 10, repr, A, B)).toBe(buf.length);
      expect(parseTcp(buf.subarray(10), A, B)).toEqual({ ok: true, value: repr });
    }
    expect(() => emitTcp({ ...base, options: { mss: 1460, timestamp: { value: 1, echo: 1 }, sack: [[1, 2], [3, 4], [5, 6]] } }, A, B)).toThrow(
      /at most 40/,
    );
  });

  it("skips unknown options, stops at EOL and clamps the window scale", () => {
    // Kind 30 (MPTCP) of length 4, NOP, window scale 15, EOL, then junk after EOL.
    const r = parseTcp(withOptions("1e04 0000 01 03030f 00 ffffff"), A, B);
    expect(r.ok && r.value.options).toEqual({ windowScale: 14 });
    expect(parseTcpOptions(hex("0101"), 0, 2)).toEqual({ ok: true, value: {} });
  });

  it("reports malformed option lengths", () => {
    const bad = [
      "02 03 05b4 00000000", // MSS length 3
      "02 05 05b4 00000000", // MSS length 5
      "03 04 0a00", // window scale length 4
      "04 03 0000", // SACK-permitted length 3
      "05 06 00000000", // SACK length not 2 + 8n
      "05 02 0000", // SACK with no blocks
      "08 08 00000000 0000", // timestamps length 8
      "1e 01 0000", // length below 2
      "1e 00 0000", // length 0 (would loop forever if accepted)
      "01 01 01 1e", // no length byte
      "1e 08 0000", // runs past the header
    ];
    for (const opts of bad) expect(code(parseTcp(withOptions(opts), A, B)), opts).toBe("malformed");
  });

  it("reports every header error", () => {
    for (let n = 0; n < 20; n++) expect(code(parseTcp(SYN.subarray(0, n), A, B)), `length ${n}`).toBe("truncated");
    for (let n = 20; n < 40; n++) expect(code(parseTcp(SYN.subarray(0, n), A, B)), `length ${n}`).toBe("truncated");
    const off = SYN.slice();
    off[12] = 0x40; // data offset 16 bytes
    expect(code(parseTcp(off, A, B))).toBe("malformed");
    const corrupt = DATA.slice();
    corrupt[DATA.length - 1] ^= 1;
    expect(code(parseTcp(corrupt, A, B))).toBe("bad_checksum");
    expect(code(parseTcp(DATA, B, A))).toBe("ok"); // the pseudo-header sum is symmetric in src/dst
    expect(code(parseTcp(DATA, A, 0x0a090003))).toBe("bad_checksum");
    const v = TcpSegment.check(corrupt);
    expect(v.ok && [v.value.headerLen, v.value.window, v.value.verifyChecksum(A, B)]).toEqual([32, 63, false]);
  });

  it("throws on misuse when emitting", () => {
    const base: TcpRepr = { srcPort: 1, dstPort: 2, seq: 0, ack: 0, flags: 0, window: 0, urgent: 0, options: {}, payload: new Uint8Array(0) };
    expect(() => emitTcp({ ...base, seq: 2 ** 32 }, A, B)).toThrow(/4294967296/);
    expect(() => emitTcp({ ...base, flags: 0x100 }, A, B)).toThrow(RangeError);
    expect(() => emitTcp({ ...base, options: { windowScale: 15 } }, A, B)).toThrow(/15/);
    expect(() => emitTcp({ ...base, options: { mss: 70000 } }, A, B)).toThrow(RangeError);
    expect(() => emitTcp({ ...base, options: { sack: [[1, 2], [1, 2], [1, 2], [1, 2], [1, 2]] } }, A, B)).toThrow(RangeError);
    expect(() => emitTcp({ ...base, options: { timestamp: { value: -1, echo: 0 } } }, A, B)).toThrow(/TSval/);
    expect(() => emitTcpInto(new Uint8Array(19), 0, base, A, B)).toThrow(RangeError);
  });
});
