import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { seededRandom } from "@mirage-ts/netsim";
import {
  answerPacket,
  answerQuery,
  decodeMessage,
  encodeMessage,
  name,
  parseZone,
  recordToString,
  Rcode,
  RrClass,
  RrType,
  ZoneStore,
  type Edns,
  type Message,
  type ResourceRecord,
} from "./index.ts";

const exampleZone = readFileSync(new URL("./testdata/example.zone", import.meta.url), "utf8");
const testZone = `$ORIGIN example.test.
$TTL 600
@        SOA   ns1.example.com. hostmaster 7 3600 600 86400 120
@        NS    ns1.example.com.
@        MX    5 mail.example.com.
host     A     192.0.2.10
host     TXT   "host"
alias    CNAME www.example.com.
out      CNAME elsewhere.example.org.
dangling CNAME nothere.b.ent
nodata   CNAME host
loop1    CNAME loop2
tochild  CNAME www.child
loop2    CNAME loop1
a.b.ent  A     192.0.2.11
*        TXT   "wild"
*        MX    10 host
*.cn     CNAME host
child    NS    ns.child
child    NS    ns1.example.com.
ns.child A     192.0.2.53
ns.child AAAA  2001:db8::53
big      TXT   "${"x".repeat(200)}"
big      TXT   "${"y".repeat(200)}"
big      TXT   "${"z".repeat(200)}"
`;

function load(): ZoneStore {
  const a = parseZone(exampleZone, { file: "example.zone" });
  const b = parseZone(testZone, { file: "test.zone" });
  expect([...a.errors, ...b.errors]).toEqual([]);
  const s = ZoneStore.build([...a.records, ...b.records]);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.value;
}
const store = load();

interface QOpts {
  edns?: Partial<Edns> | undefined;
  class?: number;
  opcode?: number;
  transport?: "udp" | "tcp";
  rd?: boolean;
}
function query(qname: string, type: number, o: QOpts = {}): Message {
  return {
    id: 0x1234,
    qr: false,
    opcode: o.opcode ?? 0,
    aa: false,
    tc: false,
    rd: o.rd ?? true,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [{ name: name(qname), type, class: o.class ?? RrClass.IN }],
    answers: [],
    authority: [],
    additional: [],
    edns: o.edns ? { udpPayloadSize: 1232, version: 0, dnssecOk: false, flags: 0, options: [], ...o.edns } : undefined,
  };
}
const lines = (rrs: readonly ResourceRecord[]): string[] => rrs.map((r) => recordToString(r).replace(/\t/g, " "));

/** Sends the query through encode → answerPacket → decode, as a server would. */
function ask(qname: string, type: number, o: QOpts = {}) {
  const qb = encodeMessage(query(qname, type, o)).bytes;
  const a = answerPacket(store, qb, { transport: o.transport ?? "udp" })!;
  const d = decodeMessage(a.bytes);
  if (!d.ok) throw new Error("response does not decode");
  const m = d.value;
  return {
    m,
    size: a.bytes.length,
    head: `${Object.keys(Rcode).find((k) => Rcode[k as keyof typeof Rcode] === m.rcode)} aa=${+m.aa} tc=${+m.tc} rd=${+m.rd} ra=${+m.ra}`,
    an: lines(m.answers),
    ns: lines(m.authority),
    ar: lines(m.additional),
  };
}

const SOA_COM = "example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300";
const SOA_TEST = "example.test. 120 IN SOA ns1.example.com. hostmaster.example.test. 7 3600 600 86400 120";

describe("answerQuery: positive answers", () => {
  it("answers an existing name and type with AA, id, RD and question copied", () => {
    const r = ask("mail.example.com", RrType.A);
    expect(r.head).toBe("NOERROR aa=1 tc=0 rd=1 ra=0");
    expect(r.m.id).toBe(0x1234);
    expect(r.an).toEqual(["mail.example.com. 3600 IN A 192.0.2.25"]);
    expect(r.ns).toEqual([]);
    expect(r.ar).toEqual([]);
    expect(ask("mail.example.com", RrType.A, { rd: false }).head).toBe("NOERROR aa=1 tc=0 rd=0 ra=0");
  });

  it("adds A/AAAA for MX, NS and SRV targets in our zones only", () => {
    expect(ask("example.com", RrType.MX).ar).toEqual(["mail.example.com. 3600 IN A 192.0.2.25"]);
    expect(ask("example.com", RrType.NS).ar).toEqual([
      "ns1.example.com. 3600 IN A 192.0.2.53",
      "ns2.example.com. 86400 IN A 198.51.100.53",
      "ns2.example.com. 3600 IN AAAA 2001:db8::53",
    ]);
    expect(ask("_sip._tcp.example.com", RrType.SRV).ar).toEqual(["sip.example.com. 3600 IN A 192.0.2.70"]);
    // Across zones: example.test's MX points into example.com.
    expect(ask("example.test", RrType.MX).ar).toEqual(["mail.example.com. 3600 IN A 192.0.2.25"]);
  });

  it("keeps the query's case in the question and the answer owner", () => {
    const r = ask("MaIl.ExAmPlE.cOm", RrType.A);
    expect(r.m.questions.map((q) => q.name.join("."))).toEqual(["MaIl.ExAmPlE.cOm"]);
    expect(r.m.answers[0]!.name.join(".")).toBe("MaIl.ExAmPlE.cOm");
  });
});

describe("answerQuery: negative answers", () => {
  it("NXDOMAIN with the SOA (TTL = min(TTL, minimum)) in authority", () => {
    const r = ask("nope.example.com", RrType.A);
    expect(r.head).toBe("NXDOMAIN aa=1 tc=0 rd=1 ra=0");
    expect([r.an, r.ns, r.ar]).toEqual([[], [SOA_COM], []]);
  });

  it("NODATA for a missing type and for an empty non-terminal", () => {
    for (const [q, t] of [["mail.example.com", RrType.AAAA], ["_tcp.example.com", RrType.A], ["example.com", 65534]] as const) {
      const r = ask(q, t);
      expect(r.head, q).toBe("NOERROR aa=1 tc=0 rd=1 ra=0");
      expect([r.an, r.ns, r.ar]).toEqual([[], [SOA_COM], []]);
    }
  });
});

describe("answerQuery: CNAME", () => {
  it("follows a chain inside the zone", () => {
    const r = ask("www.example.com", RrType.A);
    expect(r.head).toBe("NOERROR aa=1 tc=0 rd=1 ra=0");
    expect(r.an).toEqual([
      "www.example.com. 300 IN CNAME web.example.com.",
      "web.example.com. 3600 IN CNAME web1.example.com.",
      "web1.example.com. 3600 IN A 192.0.2.80",
    ]);
  });

  it("follows a chain across our zones and stops where it leaves them", () => {
    expect(ask("alias.example.test", RrType.AAAA).an).toEqual([
      "alias.example.test. 600 IN CNAME www.example.com.",
      "www.example.com. 300 IN CNAME web.example.com.",
      "web.example.com. 3600 IN CNAME web1.example.com.",
      "web1.example.com. 3600 IN AAAA ::ffff:c000:250",
    ]);
    const out = ask("out.example.test", RrType.A);
    expect(out.head).toBe("NOERROR aa=1 tc=0 rd=1 ra=0");
    expect([out.an, out.ns]).toEqual([["out.example.test. 600 IN CNAME elsewhere.example.org."], []]);
  });

  it("gives the final name's rcode (RFC 6604) and stops loops", () => {
    const d = ask("dangling.example.test", RrType.A);
    expect(d.head).toBe("NXDOMAIN aa=1 tc=0 rd=1 ra=0");
    expect([d.an, d.ns]).toEqual([["dangling.example.test. 600 IN CNAME nothere.b.ent.example.test."], [SOA_TEST]]);
    const n = ask("nodata.example.test", RrType.AAAA);
    expect([n.head, n.an, n.ns]).toEqual(["NOERROR aa=1 tc=0 rd=1 ra=0", ["nodata.example.test. 600 IN CNAME host.example.test."], [SOA_TEST]]);
    const l = ask("loop1.example.test", RrType.A);
    expect(l.head).toBe("NOERROR aa=1 tc=0 rd=1 ra=0");
    expect(l.an).toEqual(["loop1.example.test. 600 IN CNAME loop2.example.test.", "loop2.example.test. 600 IN CNAME loop1.example.test."]);
    expect(ask("www.example.com", RrType.CNAME).an).toEqual(["www.example.com. 300 IN CNAME web.example.com."]);
  });
});

describe("answerQuery: delegations", () => {
  it("refers below a cut with NS in authority and glue, AA clear", () => {
    const r = ask("host.sub.example.com", RrType.A);
    expect(r.head).toBe("NOERROR aa=0 tc=0 rd=1 ra=0");
    expect([r.an, r.ns, r.ar]).toEqual([[], ["sub.example.com. 3600 IN NS ns.sub.example.com."], ["ns.sub.example.com. 3600 IN A 192.0.2.200"]]);
    const c = ask("child.example.test", RrType.NS);
    expect(c.head).toBe("NOERROR aa=0 tc=0 rd=1 ra=0");
    expect(c.ns).toEqual(["child.example.test. 600 IN NS ns.child.example.test.", "child.example.test. 600 IN NS ns1.example.com."]);
    expect(c.ar).toEqual(["ns.child.example.test. 600 IN A 192.0.2.53", "ns.child.example.test. 600 IN AAAA 2001:db8::53", "ns1.example.com. 3600 IN A 192.0.2.53"]);
    // A CNAME into a delegated child: the chain, then the referral; AA stays set for the CNAME.
    const t = ask("tochild.example.test", RrType.A);
    expect([t.head, t.an, t.ns]).toEqual([
      "NOERROR aa=1 tc=0 rd=1 ra=0",
      ["tochild.example.test. 600 IN CNAME www.child.example.test."],
      ["child.example.test. 600 IN NS ns.child.example.test.", "child.example.test. 600 IN NS ns1.example.com."],
    ]);
    // Glue itself is below the cut: a referral too.
    expect(ask("ns.child.example.test", RrType.A).head).toBe("NOERROR aa=0 tc=0 rd=1 ra=0");
  });
});

describe("answerQuery: wildcards (RFC 4592)", () => {
  it("synthesizes from * with the query name as owner", () => {
    const r = ask("Foo.Wild.example.com", RrType.A);
    expect([r.head, r.an]).toEqual(["NOERROR aa=1 tc=0 rd=1 ra=0", ["Foo.Wild.example.com. 3600 IN A 192.0.2.99"]]);
    expect(ask("a.b.example.test", RrType.TXT).an).toEqual(['a.b.example.test. 600 IN TXT "wild"']);
    expect(ask("x.example.test", RrType.MX).ar).toEqual(["host.example.test. 600 IN A 192.0.2.10"]);
    expect(ask("z.cn.example.test", RrType.A).an).toEqual(["z.cn.example.test. 600 IN CNAME host.example.test.", "host.example.test. 600 IN A 192.0.2.10"]);
    const nd = ask("x.example.test", RrType.A); // wildcard exists but not this type
    expect([nd.head, nd.an, nd.ns]).toEqual(["NOERROR aa=1 tc=0 rd=1 ra=0", [], [SOA_TEST]]);
  });

  it("is blocked by an existing name and by an empty non-terminal", () => {
    const h = ask("host.example.test", RrType.MX);
    expect([h.head, h.an, h.ns]).toEqual(["NOERROR aa=1 tc=0 rd=1 ra=0", [], [SOA_TEST]]);
    const e = ask("ent.example.test", RrType.TXT);
    expect([e.head, e.an, e.ns]).toEqual(["NOERROR aa=1 tc=0 rd=1 ra=0", [], [SOA_TEST]]);
    // Closest encloser is the ENT b.ent, which has no * child: NXDOMAIN.
    const x = ask("x.b.ent.example.test", RrType.TXT);
    expect([x.head, x.an, x.ns]).toEqual(["NXDOMAIN aa=1 tc=0 rd=1 ra=0", [], [SOA_TEST]]);
  });
});

describe("answerQuery: ANY, errors, EDNS, truncation", () => {
  it("answers ANY with one RRset (RFC 8482)", () => {
    const r = ask("example.com", RrType.ANY);
    expect(r.head).toBe("NOERROR aa=1 tc=0 rd=1 ra=0");
    expect(r.an).toEqual([SOA_COM.replace(" 300 ", " 3600 ")]);
    expect(ask("www.example.com", RrType.ANY).an).toEqual(["www.example.com. 300 IN CNAME web.example.com."]);
  });

  it("REFUSED outside our zones and for other classes", () => {
    const r = ask("example.org", RrType.A);
    expect([r.head, r.an, r.ns, r.m.questions.length]).toEqual(["REFUSED aa=0 tc=0 rd=1 ra=0", [], [], 1]);
    expect(ask("example.com", RrType.A, { class: RrClass.CH }).head).toBe("REFUSED aa=0 tc=0 rd=1 ra=0");
    expect(ask("example.com", RrType.AXFR).head).toBe("REFUSED aa=0 tc=0 rd=1 ra=0");
  });

  it("FORMERR for QR set, question counts other than one and undecodable packets; NOTIMP for other opcodes", () => {
    const base = query("example.com", RrType.A);
    for (const m of [{ ...base, qr: true }, { ...base, questions: [] }, { ...base, questions: [base.questions[0]!, base.questions[0]!] }]) {
      const a = answerQuery(store, m, { transport: "udp" });
      expect(a.message.rcode).toBe(Rcode.FORMERR);
      expect(a.message.qr).toBe(true);
    }
    expect(answerQuery(store, { ...base, questions: [] }, { transport: "udp" }).message.questions).toEqual([]);
    expect(ask("example.com", RrType.OPT).head).toBe("FORMERR aa=0 tc=0 rd=1 ra=0");
    const n = ask("example.com", RrType.A, { opcode: 2 });
    expect([n.head, n.m.opcode]).toEqual(["NOTIMP aa=0 tc=0 rd=1 ra=0", 2]);
    const bad = encodeMessage(base).bytes.slice(0, 20); // question cut short
    const f = answerPacket(store, bad, { transport: "udp" })!;
    expect(Array.from(f.bytes)).toEqual([0x12, 0x34, 0x81, Rcode.FORMERR, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(answerPacket(store, bad.slice(0, 11), { transport: "udp" })).toBeUndefined();
    const resp = encodeMessage({ ...base, qr: true }).bytes;
    expect(answerPacket(store, resp, { transport: "udp" })).toBeUndefined();
  });

  it("echoes EDNS with our payload size and the DO bit; BADVERS for version > 0", () => {
    const r = ask("example.com", RrType.A, { edns: { udpPayloadSize: 4096, dnssecOk: true, options: [{ code: 10, data: new Uint8Array(8) }] } });
    expect(r.m.edns).toEqual({ udpPayloadSize: 1232, version: 0, dnssecOk: true, flags: 0, options: [] });
    expect(ask("example.com", RrType.A).m.edns).toBeUndefined();
    const b = ask("example.com", RrType.A, { edns: { version: 1 } });
    expect([b.m.rcode, b.m.aa, b.an, b.m.edns?.version]).toEqual([Rcode.BADVERS, false, [], 0]);
  });

  it("truncates UDP at 512 without EDNS, at the client's EDNS size, never over TCP", () => {
    const plain = ask("big.example.test", RrType.TXT);
    expect(plain.head).toBe("NOERROR aa=1 tc=1 rd=1 ra=0");
    expect(plain.size).toBeLessThanOrEqual(512);
    expect(plain.an).toHaveLength(2);
    const small = ask("big.example.test", RrType.TXT, { edns: { udpPayloadSize: 400 } }); // below 512 counts as 512
    expect([small.m.tc, small.an.length, small.size <= 512]).toEqual([true, 2, true]);
    const edns = ask("big.example.test", RrType.TXT, { edns: { udpPayloadSize: 1232 } });
    expect([edns.m.tc, edns.an.length]).toEqual([false, 3]);
    const tcp = ask("big.example.test", RrType.TXT, { transport: "tcp" });
    expect([tcp.m.tc, tcp.an.length]).toEqual([false, 3]);
    const a = answerQuery(store, query("big.example.test", RrType.TXT), { transport: "udp" });
    expect([a.message.tc, a.bytes.length <= 512]).toEqual([true, true]);
    expect(() => answerQuery(store, query("big.example.test", RrType.TXT), { transport: "udp", maxUdpSize: 100 })).toThrow(RangeError);
  });
});

describe("answerQuery: agrees with NSD on the captured queries", () => {
  // NSD adds the apex NS to authority of positive answers; we give minimal responses, so compare rcode, AA and answers.
  const captures: { name: string; query: string }[] = JSON.parse(readFileSync(new URL("./testdata/nsd-captures.json", import.meta.url), "utf8"));
  const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));
  const full: { name: string; response: string }[] = captures as never;
  it.each(full.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    const want = decodeMessage(hex(c.response));
    const got = answerPacket(store, hex((c as unknown as { query: string }).query), { transport: "udp" })!;
    const g = decodeMessage(got.bytes);
    if (!want.ok || !g.ok) throw new Error("decode");
    const low = (rrs: readonly ResourceRecord[]) => lines(rrs).map((l) => l.toLowerCase());
    expect([g.value.rcode, g.value.aa, g.value.tc, g.value.rd, g.value.edns?.dnssecOk]).toEqual([want.value.rcode, want.value.aa, want.value.tc, want.value.rd, want.value.edns?.dnssecOk]);
    expect(low(g.value.answers)).toEqual(low(want.value.answers));
    if (want.value.answers.length === 0) expect(low(g.value.authority)).toEqual(low(want.value.authority));
  });
});

describe("answerQuery: fuzz", () => {
  it("5000 mutated queries never throw through decode → answer → encode", () => {
    const rnd = seededRandom(4242);
    const seeds = [
      query("www.example.com", RrType.A, { edns: {} }),
      query("foo.wild.example.com", RrType.ANY),
      query("host.sub.example.com", RrType.A),
      query("big.example.test", RrType.TXT, { edns: { udpPayloadSize: 600 } }),
    ].map((m) => encodeMessage(m).bytes);
    let answered = 0;
    for (let i = 0; i < 5000; i++) {
      const b = seeds[i % seeds.length]!.slice();
      const flips = 1 + Math.floor(rnd() * 6);
      for (let j = 0; j < flips; j++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const cut = rnd() < 0.2 ? b.slice(0, Math.floor(rnd() * b.length)) : b;
      const a = answerPacket(store, cut, { transport: rnd() < 0.5 ? "udp" : "tcp" });
      if (!a) continue;
      answered++;
      const d = decodeMessage(a.bytes);
      expect(d.ok).toBe(true);
      expect(a.bytes[0]).toBe(cut[0]);
      encodeMessage(a.message);
    }
    expect(answered).toBeGreaterThan(3000);
  });
});
