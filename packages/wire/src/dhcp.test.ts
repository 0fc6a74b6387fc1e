import { describe, expect, it } from "vitest";
import { BOOTP_OP, DHCP_MESSAGE_TYPE, DHCP_MIN_LEN, emitDhcp, parseDhcp, type DhcpRepr } from "./dhcp.ts";

/** Hex with spaces allowed; `z(n)` stands for n zero bytes. */
function hex(...parts: string[]): Uint8Array {
  const s = parts.join("").replace(/\s+/g, "");
  if (s.length % 2 !== 0) throw new Error("odd hex");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
}
const z = (n: number): string => "00".repeat(n);
const ip = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

// Captured with tcpdump on a veth pair: busybox udhcpc 1.35.0 (MAC 52:54:00:12:34:56,
// `-x hostname:mirage`) against dnsmasq 2.89 (`--dhcp-range=10.77.0.50,10.77.0.99,
// 255.255.255.0,1h`, router and DNS 10.77.0.1). UDP payloads only.
const HEADER_REQ = "01 01 06 00  e6 fe f8 6f";
const HEADER_REP = "02 01 06 00  e6 fe f8 6f";
const CHADDR = "52 54 00 12 34 56" + z(10);
const NO_ADDRS = z(16);
const REPLY_ADDRS = "00000000 0a4d003a 0a4d0001 00000000"; // ciaddr, yiaddr 10.77.0.58, siaddr 10.77.0.1, giaddr
const SNAME_FILE = z(192);
const COOKIE = "63 82 53 63";
const UDHCPC_TAIL =
  "39 02 0240  37 07 01 03 06 0c 0f 1c 2a  0c 06 6d69726167 65" +
  "3c 0c 7564686370 20312e33352e30  3d 07 01 525400123456  ff";

const DISCOVER = hex(HEADER_REQ, "0000 0000", NO_ADDRS, CHADDR, SNAME_FILE, COOKIE, "35 01 01", UDHCPC_TAIL, z(12));
const OFFER = hex(
  HEADER_REP, "0000 0000", REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE,
  "35 01 02  36 04 0a4d0001  33 04 00000e10  3a 04 00000708  3b 04 00000c4e  01 04 ffffff00",
  "1c 04 0a4d00ff  06 04 0a4d0001  03 04 0a4d0001  ff", z(8),
);
const REQUEST = hex(
  HEADER_REQ, "0003 0000", NO_ADDRS, CHADDR, SNAME_FILE, COOKIE,
  "35 01 03  32 04 0a4d003a  36 04 0a4d0001", UDHCPC_TAIL,
);
const ACK = hex(
  HEADER_REP, "0003 0000", REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE,
  "35 01 05  36 04 0a4d0001  33 04 00000e10  3a 04 00000708  3b 04 00000c4e  01 04 ffffff00",
  "1c 04 0a4d00ff  0c 06 6d6972616765  06 04 0a4d0001  03 04 0a4d0001  ff",
);

const MAC = hex("525400123456");

function mustParse(b: Uint8Array): DhcpRepr {
  const r = parseDhcp(b);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function expectError(b: Uint8Array, code: string, pattern?: RegExp): void {
  const r = parseDhcp(b);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.code).toBe(code);
    if (pattern) expect(r.error.message).toMatch(pattern);
  }
}

describe("parseDhcp on captured packets", () => {
  it("reads udhcpc's DISCOVER", () => {
    expect(DISCOVER.length).toBe(300);
    const m = mustParse(DISCOVER);
    expect(m).toMatchObject({ op: 1, htype: 1, hops: 0, xid: 0xe6fef86f, secs: 0, broadcast: false, ciaddr: 0, yiaddr: 0 });
    expect(m.chaddr).toEqual(MAC);
    expect(m.options.messageType).toBe(DHCP_MESSAGE_TYPE.DISCOVER);
    expect(m.options.parameterRequestList).toEqual([1, 3, 6, 12, 15, 28, 42]);
    expect(m.options.hostname).toBe("mirage");
    expect(m.options.clientId).toEqual(hex("01 525400123456"));
    expect(m.options.unknown).toEqual([
      [57, hex("0240")],
      [60, hex("7564686370 20312e33352e30")],
    ]);
  });

  it("reads dnsmasq's OFFER", () => {
    const m = mustParse(OFFER);
    expect(m).toMatchObject({ op: 2, xid: 0xe6fef86f, yiaddr: ip(10, 77, 0, 58), siaddr: ip(10, 77, 0, 1), giaddr: 0 });
    expect(m.options).toMatchObject({
      messageType: DHCP_MESSAGE_TYPE.OFFER,
      serverId: ip(10, 77, 0, 1),
      leaseTime: 3600,
      renewalTime: 1800,
      rebindingTime: 3150,
      subnetMask: 0xffffff00,
      routers: [ip(10, 77, 0, 1)],
      dnsServers: [ip(10, 77, 0, 1)],
    });
    expect(m.options.unknown).toEqual([[28, hex("0a4d00ff")]]);
  });

  it("reads udhcpc's REQUEST and dnsmasq's ACK", () => {
    const req = mustParse(REQUEST);
    expect(req.secs).toBe(3);
    expect(req.options).toMatchObject({ messageType: 3, requestedIp: ip(10, 77, 0, 58), serverId: ip(10, 77, 0, 1) });
    const ack = mustParse(ACK);
    expect(ack.options).toMatchObject({ messageType: 5, hostname: "mirage", leaseTime: 3600 });
  });

  it("round-trips every fixture through emit", () => {
    for (const f of [DISCOVER, OFFER, REQUEST, ACK]) {
      const m = mustParse(f);
      const again = emitDhcp(m);
      expect(again.length).toBe(300);
      expect(mustParse(again)).toEqual(m);
    }
  });

  it("reads the broadcast flag and ignores the reserved flag bits", () => {
    const b = DISCOVER.slice();
    b[10] = 0x80;
    expect(mustParse(b).broadcast).toBe(true);
    b[10] = 0x7f;
    b[11] = 0xff;
    expect(mustParse(b).broadcast).toBe(false);
  });

  it("concatenates an option split in pieces (RFC 3396) and skips pads", () => {
    const b = hex(HEADER_REP, "0000 0000", REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE, "00 00 35 01 05 06 04 01020304 00 06 04 05060708 ff");
    expect(mustParse(b).options.dnsServers).toEqual([ip(1, 2, 3, 4), ip(5, 6, 7, 8)]);
  });

  it("keeps option overload (52) as an unknown option and does not read sname/file", () => {
    const b = hex(HEADER_REP, "0000 0000", REPLY_ADDRS, CHADDR, "ff".repeat(192), COOKIE, "35 01 05 34 01 03 ff");
    expect(mustParse(b).options.unknown).toEqual([[52, hex("03")]]);
  });

  it("accepts the END option as the last byte", () => {
    const b = hex(HEADER_REP, "0000 0000", REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE, "ff");
    expect(mustParse(b).options).toEqual({ unknown: [] });
  });
});

describe("parseDhcp errors", () => {
  it("truncated fixed header", () => {
    expectError(new Uint8Array(0), "truncated");
    expectError(OFFER.subarray(0, 235), "truncated", /235 bytes/);
  });
  it("truncated before or inside the magic cookie", () => {
    expectError(OFFER.subarray(0, 236), "truncated", /cookie/);
    expectError(OFFER.subarray(0, 239), "truncated", /cookie/);
  });
  it("bad op and hlen", () => {
    const b = OFFER.slice();
    b[0] = 3;
    expectError(b, "malformed", /op 3/);
    const c = OFFER.slice();
    c[2] = 17;
    expectError(c, "malformed", /hlen 17/);
  });
  it("plain BOOTP without the magic cookie is unsupported", () => {
    const b = OFFER.slice();
    b[239] = 0x64;
    expectError(b, "unsupported", /0x63825364/);
  });
  it("options without END, without a length byte, or longer than the message", () => {
    expectError(OFFER.subarray(0, 240), "truncated", /END/);
    expectError(hex(HEADER_REP, z(4), REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE, "35 01 05 00 00"), "truncated", /END/);
    expectError(hex(HEADER_REP, z(4), REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE, "35"), "truncated", /no length/);
    expectError(hex(HEADER_REP, z(4), REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE, "35 02 05"), "truncated", /claims 2 bytes, 1 left/);
  });
  it.each([
    ["35 00", 53], ["35 02 0505", 53], ["01 03 ffffff", 1], ["32 05 0102030405", 50], ["33 02 0000", 51],
    ["36 00", 54], ["3a 03 000000", 58], ["3b 08 0000000000000000", 59], ["03 00", 3], ["03 06 010203040506", 3],
    ["06 03 010203", 6], ["0c 00", 12], ["37 00", 55], ["3d 01 01", 61],
  ] as const)("malformed length %s (option %i)", (opt, code) => {
    expectError(hex(HEADER_REP, z(4), REPLY_ADDRS, CHADDR, SNAME_FILE, COOKIE, opt, "ff"), "malformed", new RegExp(`option ${code} `));
  });
});

describe("emitDhcp", () => {
  const discover: DhcpRepr = {
    op: BOOTP_OP.REQUEST, htype: 1, hops: 0, xid: 0x01020304, secs: 7, broadcast: true,
    ciaddr: 0, yiaddr: 0, siaddr: 0, giaddr: 0, chaddr: MAC,
    options: { messageType: 1, clientId: hex("01 525400123456"), hostname: "uni", parameterRequestList: [1, 3, 6, 51, 54, 58, 59] },
  };

  it("writes the exact bytes of a DISCOVER, padded to 300", () => {
    const expected = hex(
      "01 01 06 00  01020304  0007 8000", NO_ADDRS, CHADDR, SNAME_FILE, COOKIE,
      "35 01 01  3d 07 01525400123456  0c 03 756e69  37 07 0103063336 3a3b  ff", z(300 - 240 - 27),
    );
    expect(emitDhcp(discover)).toEqual(expected);
  });

  it("writes all typed options in a fixed order and grows past 300 when needed", () => {
    const big = emitDhcp({
      ...discover, op: BOOTP_OP.REPLY,
      options: {
        messageType: 5, requestedIp: 1, serverId: 2, leaseTime: 3, renewalTime: 4, rebindingTime: 5, subnetMask: 0xffffff00,
        routers: [6], dnsServers: [7, 8], unknown: [[200, new Uint8Array(100)]],
      },
    });
    expect(big.length).toBe(240 + 3 + 6 * 6 + 6 + 10 + 102 + 1);
    expect(big.length).toBeGreaterThan(DHCP_MIN_LEN);
    expect(Array.from(big.subarray(240, 252))).toEqual([53, 1, 5, 50, 4, 0, 0, 0, 1, 54, 4, 0]);
    expect(mustParse(big).options).toMatchObject({ routers: [6], dnsServers: [7, 8], leaseTime: 3, renewalTime: 4, rebindingTime: 5 });
  });

  it.each([
    ["op", { op: 3 }, /op must be 1 or 2, got 3/],
    ["xid", { xid: -1 }, /xid.*got -1/],
    ["secs", { secs: 70000 }, /secs.*got 70000/],
    ["ciaddr", { ciaddr: 2 ** 32 }, /ciaddr/],
    ["chaddr", { chaddr: new Uint8Array(17) }, /chaddr.*17/],
    ["hostname", { options: { hostname: "" } }, /hostname/],
    ["hostname ascii", { options: { hostname: "h\u00e9" } }, /printable ASCII/],
    ["client id", { options: { clientId: new Uint8Array(1) } }, /client id/],
    ["routers", { options: { routers: [] } }, /router list/],
    ["dns", { options: { dnsServers: [1.5] } }, /DNS server list.*1.5/],
    ["prl", { options: { parameterRequestList: [256] } }, /parameter request code.*256/],
    ["unknown code", { options: { unknown: [[255, new Uint8Array(1)]] } }, /option code must be 1..254, got 255/],
    ["unknown length", { options: { unknown: [[99, new Uint8Array(256)]] } }, /at most 255 bytes/],
  ] as const)("throws RangeError on a bad %s", (_name, patch, pattern) => {
    expect(() => emitDhcp({ ...discover, ...(patch as Partial<DhcpRepr>) })).toThrow(RangeError);
    expect(() => emitDhcp({ ...discover, ...(patch as Partial<DhcpRepr>) })).toThrow(pattern);
  });
});

describe("parseDhcp fuzz", () => {
  it("never throws on 10k seeded mutations of the corpus", () => {
    // xorshift32, seed kept here so a failure can be replayed.
    let s = 0x9e3779b9;
    const rnd = (n: number): number => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) % n;
    };
    const corpus = [DISCOVER, OFFER, REQUEST, ACK];
    const counts: Record<string, number> = {};
    for (let iter = 0; iter < 10_000; iter++) {
      let b: Uint8Array;
      const kind = rnd(4);
      if (kind === 0) {
        b = new Uint8Array(rnd(400));
        for (let i = 0; i < b.length; i++) b[i] = rnd(256);
      } else {
        b = corpus[rnd(corpus.length)]!.slice();
        // Mutations concentrate on the header and options, where the parser branches.
        const flips = 1 + rnd(8);
        for (let f = 0; f < flips; f++) {
          const at = rnd(3) === 0 ? rnd(b.length) : 236 + rnd(b.length - 236);
          b[at] = rnd(256);
        }
        if (kind === 2) b = b.subarray(0, rnd(b.length + 1));
        if (kind === 3) {
          for (let i = 240; i < b.length; i++) b[i] = rnd(4) === 0 ? rnd(256) : rnd(8) === 0 ? 255 : rnd(70);
        }
      }
      let r;
      try {
        r = parseDhcp(b);
      } catch (e) {
        throw new Error(`iteration ${iter} threw on ${Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("")}: ${String(e)}`);
      }
      const key = r.ok ? "ok" : r.error.code;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    // Every outcome is exercised.
    expect(Object.keys(counts).sort()).toEqual(["malformed", "ok", "truncated", "unsupported"]);
  });
});
