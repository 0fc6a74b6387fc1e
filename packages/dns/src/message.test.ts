import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { seededRandom } from "@mirage-ts/netsim";
import { decodeMessage, encodeMessage, name, nameToString, RrType, RrClass, Rcode, ipv6ToString, ipv4ToString, type Message, type ResourceRecord } from "./index.ts";

interface Capture {
  name: string;
  query: string;
  response: string;
}
// Real traffic: dig 9.18 queries and NSD 4.6.1 answers for testdata/example.zone (see testdata/README.md).
const captures: Capture[] = JSON.parse(readFileSync(new URL("./testdata/nsd-captures.json", import.meta.url), "utf8"));
const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
const cap = (n: string): { q: Message; r: Message; rb: Uint8Array; qb: Uint8Array } => {
  const c = captures.find((x) => x.name === n)!;
  const qb = hex(c.query);
  const rb = hex(c.response);
  const q = decodeMessage(qb);
  const r = decodeMessage(rb);
  if (!q.ok || !r.ok) throw new Error(`capture ${n} does not decode`);
  return { q: q.value, r: r.value, qb, rb };
};
const names = (rrs: readonly ResourceRecord[]): string[] => rrs.map((rr) => `${nameToString(rr.name)} ${rr.type}`);

describe("decode real dig/NSD traffic", () => {
  it("decodes every capture and re-encodes to identical bytes", () => {
    for (const c of captures) {
      for (const b of [hex(c.query), hex(c.response)]) {
        const m = decodeMessage(b);
        expect(m.ok, c.name).toBe(true);
        if (!m.ok) continue;
        const e = encodeMessage(m.value);
        expect(e.truncated).toBe(false);
        expect(Buffer.from(e.bytes).toString("hex"), c.name).toBe(Buffer.from(b).toString("hex"));
      }
    }
  });

  it("reads the query header, question and EDNS cookie", () => {
    const { q } = cap("soa");
    expect(q.qr).toBe(false);
    expect(q.rd).toBe(false); // +norec
    expect(q.ad).toBe(true); // dig sets AD in queries by default
    expect(q.questions).toEqual([{ name: ["example", "com"], type: RrType.SOA, class: RrClass.IN }]);
    expect(q.edns?.udpPayloadSize).toBe(1232);
    expect(q.edns?.version).toBe(0);
    expect(q.edns?.options.map((o) => o.code)).toEqual([10]); // COOKIE (RFC 7873)
    expect(q.edns?.options[0]!.data.length).toBe(8);
  });

  it("SOA answer with all seven fields", () => {
    const { r } = cap("soa");
    expect(r.qr && r.aa).toBe(true);
    expect(r.rcode).toBe(Rcode.NOERROR);
    expect(r.answers[0]!.data).toEqual({
      kind: "SOA",
      mname: ["ns1", "example", "com"],
      rname: ["hostmaster", "example", "com"],
      serial: 2024010101,
      refresh: 7200,
      retry: 3600,
      expire: 1209600,
      minimum: 300,
    });
  });

  it("keeps the case of a mixed-case query through a CNAME chain", () => {
    const { r } = cap("cname_chain_mixed_case");
    expect(names(r.answers)).toEqual(["WwW.ExAmPle.CoM. 5", "web.ExAmPle.CoM. 5", "web1.ExAmPle.CoM. 1"]);
    expect(r.answers[0]!.ttl).toBe(300);
    expect(r.answers[2]!.data).toEqual({ kind: "A", address: 0xc0000250 });
    expect(ipv4ToString(0xc0000250)).toBe("192.0.2.80");
  });

  it("TXT with several strings and escapes", () => {
    const { r } = cap("txt");
    const d = r.answers[0]!.data;
    expect(d.kind).toBe("TXT");
    if (d.kind !== "TXT") return;
    expect(d.strings.map((s) => Buffer.from(s).toString("latin1"))).toEqual(["hello world", "semi;colon", 'quote"inside', "back\\slash", "ABC", "plain"]);
  });

  it("NXDOMAIN and NODATA carry the SOA in authority", () => {
    for (const [n, rc] of [
      ["nxdomain", Rcode.NXDOMAIN],
      ["nodata", Rcode.NOERROR],
    ] as const) {
      const { r } = cap(n);
      expect(r.rcode).toBe(rc);
      expect(r.answers).toEqual([]);
      expect(r.authority.map((x) => x.type)).toEqual([RrType.SOA]);
    }
    expect(cap("refused").r.rcode).toBe(Rcode.REFUSED);
  });

  it("MX, SRV, CAA, AAAA, wildcard and delegation", () => {
    const mx = cap("mx").r.answers.map((a) => a.data);
    expect(mx).toEqual([
      { kind: "MX", preference: 10, exchange: ["mail", "example", "com"] },
      { kind: "MX", preference: 20, exchange: ["mail", "backup", "example", "net"] },
    ]);
    expect(cap("srv").r.answers[0]!.data).toEqual({ kind: "SRV", priority: 10, weight: 60, port: 5060, target: ["sip", "example", "com"] });
    const caa = cap("caa").r.answers.map((a) => a.data);
    expect(caa[0]).toEqual({ kind: "CAA", flags: 0, tag: "issue", value: new Uint8Array(Buffer.from("letsencrypt.org")) });
    expect(caa[1]).toMatchObject({ kind: "CAA", flags: 128, tag: "iodef" });
    const aaaa = cap("aaaa").r.answers[0]!.data;
    expect(aaaa.kind === "AAAA" && ipv6ToString(aaaa.address)).toBe("::ffff:c000:250");
    expect(names(cap("wildcard").r.answers)).toEqual(["foo.wild.example.com. 1"]);
    const del = cap("delegation").r;
    expect(del.aa).toBe(false);
    expect(del.authority.map((x) => x.data)).toEqual([{ kind: "NS", host: ["ns", "sub", "example", "com"] }]);
    expect(names(del.additional)).toEqual(["ns.sub.example.com. 1"]);
  });

  it("unknown types, DO bit and no EDNS", () => {
    expect(cap("unknown_type").q.questions[0]!.type).toBe(65534);
    expect(cap("dnssec_do").q.edns?.dnssecOk).toBe(true);
    expect(cap("dnssec_do").r.edns?.dnssecOk).toBe(true);
    expect(cap("noedns").q.edns).toBeUndefined();
    expect(cap("noedns").r.edns).toBeUndefined();
  });
});

describe("hostile input", () => {
  const header = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
  const q = (nameBytes: number[]): Uint8Array => Uint8Array.from([...header, ...nameBytes, 0x00, 0x01, 0x00, 0x01]);

  it("rejects pointer loops, self, forward and out-of-bounds pointers", () => {
    const cases: [string, number[]][] = [
      ["self", [0xc0, 12]],
      ["forward", [0xc0, 14, 0]],
      ["label then back to itself", [1, 0x61, 0xc0, 12]],
      ["out of bounds", [0xff, 0xff]],
      ["two-step loop", [1, 0x61, 0xc0, 16, 1, 0x62, 0xc0, 12]],
    ];
    for (const [what, bytes] of cases) {
      const r = decodeMessage(q(bytes));
      expect(r.ok, what).toBe(false);
      if (!r.ok) expect(["malformed", "truncated"]).toContain(r.error.code);
    }
  });

  it("accepts a backward pointer and rejects names over 255 octets and extended labels", () => {
    // question 1: a.com at 12; question 2: b + pointer to "com" at 14.
    const two = Uint8Array.from([...header.slice(0, 4), 0, 2, 0, 0, 0, 0, 0, 0, 1, 0x61, 3, 0x63, 0x6f, 0x6d, 0, 0, 1, 0, 1, 1, 0x62, 0xc0, 14, 0, 1, 0, 1]);
    const r = decodeMessage(two);
    expect(r.ok && r.value.questions.map((x) => nameToString(x.name))).toEqual(["a.com.", "b.com."]);
    const long: number[] = [];
    for (let i = 0; i < 5; i++) long.push(63, ...new Array(63).fill(0x61));
    long.push(0);
    const lr = decodeMessage(q(long));
    expect(!lr.ok && lr.error.code).toBe("malformed");
    const ext = decodeMessage(q([0x41, 0]));
    expect(!ext.ok && ext.error.code).toBe("unsupported");
  });

  it("rejects every truncation of every capture", () => {
    for (const c of captures) {
      for (const b of [hex(c.query), hex(c.response)]) {
        for (let n = 0; n < b.length; n++) {
          const r = decodeMessage(b.subarray(0, n));
          expect(r.ok, `${c.name} cut at ${n}`).toBe(false);
        }
      }
    }
  });

  it("rejects OPT in the wrong place or twice, and bad RDATA lengths", () => {
    const opt = [0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0];
    const withOpts = (section: number, n: number): Uint8Array => {
      const h = [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
      h[5 + 2 * section] = n;
      return Uint8Array.from([...h, ...Array.from({ length: n }, () => opt).flat()]);
    };
    expect(decodeMessage(withOpts(3, 1)).ok).toBe(true);
    expect(decodeMessage(withOpts(3, 2)).ok).toBe(false);
    expect(decodeMessage(withOpts(1, 1)).ok).toBe(false);
    // An A record with 5 octets of RDATA.
    const badA = Uint8Array.from([0, 1, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5]);
    const r = decodeMessage(badA);
    expect(!r.ok && r.error.code).toBe("malformed");
  });

  it("seeded fuzz: 10k mutated and random messages never throw", () => {
    const rand = seededRandom(4242);
    const seeds = captures.flatMap((c) => [hex(c.query), hex(c.response)]);
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      let b: Uint8Array;
      if (i % 10 === 0) {
        b = new Uint8Array(Math.floor(rand() * 300));
        for (let j = 0; j < b.length; j++) b[j] = Math.floor(rand() * 256);
      } else {
        b = seeds[Math.floor(rand() * seeds.length)]!.slice();
        const flips = 1 + Math.floor(rand() * 8);
        for (let k = 0; k < flips; k++) {
          const at = Math.floor(rand() * b.length);
          // Bias towards the values that matter to a name decoder: pointers and lengths.
          b[at] = rand() < 0.3 ? 0xc0 | Math.floor(rand() * 4) : Math.floor(rand() * 256);
        }
        if (rand() < 0.2) b = b.subarray(0, Math.floor(rand() * b.length));
      }
      const r = decodeMessage(b);
      if (r.ok) {
        decoded++;
        // Whatever decodes must re-encode and decode to the same message.
        const again = decodeMessage(encodeMessage(r.value).bytes);
        expect(again.ok).toBe(true);
        if (again.ok) expect(again.value).toEqual(r.value);
      }
    }
    expect(decoded).toBeGreaterThan(1000);
  });
});

describe("encode", () => {
  const base: Message = {
    id: 7,
    qr: true,
    opcode: 0,
    aa: true,
    tc: false,
    rd: false,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [{ name: name("big.example.com"), type: RrType.A, class: RrClass.IN }],
    answers: [],
    authority: [],
    additional: [],
  };
  const a = (n: string, i: number): ResourceRecord => ({ name: name(n), type: RrType.A, class: RrClass.IN, ttl: 60, data: { kind: "A", address: 0x0a000000 + i } });

  it("compresses names case-insensitively and round trips", () => {
    const m: Message = { ...base, answers: [a("big.example.com", 1), a("BIG.example.COM", 2)] };
    const e = encodeMessage(m);
    // Header 12 + question 17+4 + two answers of 2+10+4 each.
    expect(e.bytes.length).toBe(12 + 21 + 32);
    const d = decodeMessage(e.bytes);
    expect(d.ok && d.value.answers.map((x) => nameToString(x.name))).toEqual(["big.example.com.", "big.example.com."]);
  });

  it("truncates answers at maxSize and sets TC, keeping OPT", () => {
    const answers = Array.from({ length: 100 }, (_, i) => a("big.example.com", i));
    const m: Message = { ...base, answers, edns: { udpPayloadSize: 512, version: 0, dnssecOk: false, flags: 0, options: [] } };
    const e = encodeMessage(m, { maxSize: 512 });
    expect(e.truncated).toBe(true);
    expect(e.bytes.length).toBeLessThanOrEqual(512);
    const d = decodeMessage(e.bytes);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.value.tc).toBe(true);
    expect(d.value.answers.length).toBe(Math.floor((512 - 12 - 21 - 11) / 16));
    expect(d.value.edns?.udpPayloadSize).toBe(512);
    expect(encodeMessage(m).truncated).toBe(false);
  });

  it("drops whole additional RRsets without setting TC (RFC 2181 section 9)", () => {
    const additional = [a("x.example.com", 1), ...Array.from({ length: 40 }, (_, i) => a("glue.example.com", i))];
    const m: Message = { ...base, answers: [a("big.example.com", 1)], additional };
    const e = encodeMessage(m, { maxSize: 512 });
    expect(e.truncated).toBe(false);
    const d = decodeMessage(e.bytes);
    expect(d.ok && d.value.tc).toBe(false);
    expect(d.ok && names(d.value.additional)).toEqual(["x.example.com. 1"]);
  });

  it("carries an extended RCODE in OPT", () => {
    const m: Message = { ...base, rcode: Rcode.BADVERS, edns: { udpPayloadSize: 1232, version: 0, dnssecOk: true, flags: 0, options: [{ code: 10, data: Uint8Array.of(1, 2, 3) }] } };
    const d = decodeMessage(encodeMessage(m).bytes);
    expect(d.ok && d.value.rcode).toBe(16);
    expect(d.ok && d.value.edns).toEqual(m.edns);
    expect(() => encodeMessage({ ...base, rcode: 16 })).toThrow(RangeError);
  });

  it("keeps unknown types opaque and never compresses SRV targets", () => {
    const m: Message = {
      ...base,
      answers: [
        { name: name("big.example.com"), type: 65280, class: RrClass.IN, ttl: 1, data: { kind: "opaque", bytes: Uint8Array.of(0xde, 0xad) } },
        { name: name("big.example.com"), type: RrType.SRV, class: RrClass.IN, ttl: 1, data: { kind: "SRV", priority: 1, weight: 2, port: 3, target: name("big.example.com") } },
      ],
    };
    const e = encodeMessage(m);
    const d = decodeMessage(e.bytes);
    expect(d.ok && d.value.answers.map((x) => x.data)).toEqual(m.answers.map((x) => x.data));
    // The SRV RDATA ends in the full 17-octet name.
    expect(Buffer.from(e.bytes.subarray(e.bytes.length - 17)).toString("latin1")).toBe("\x03big\x07example\x03com\x00");
  });

  it("throws on values that cannot be encoded", () => {
    expect(() => encodeMessage({ ...base, questions: [{ name: ["a".repeat(64)], type: 1, class: 1 }] })).toThrow(RangeError);
    expect(() => encodeMessage({ ...base, answers: [{ ...a("x.com", 1), data: { kind: "MX", preference: 1, exchange: [] } }] })).toThrow(TypeError);
    expect(() => encodeMessage(base, { maxSize: 4 })).toThrow(RangeError);
  });
});
