import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseZone, nameToString, typeToString, ipv4ToString, ipv6ToString, name, RrType, type ResourceRecord, type Rdata } from "./index.ts";

const latin1 = (b: Uint8Array): string => Buffer.from(b).toString("latin1");

/** A compact text form of a record so that expectations read like the zone. */
function show(rr: ResourceRecord): string {
  return `${nameToString(rr.name)} ${rr.ttl} ${rr.class === 1 ? "IN" : rr.class} ${typeToString(rr.type)} ${showData(rr.data)}`;
}

function showData(d: Rdata): string {
  switch (d.kind) {
    case "A":
      return ipv4ToString(d.address);
    case "AAAA":
      return ipv6ToString(d.address);
    case "NS":
      return nameToString(d.host);
    case "CNAME":
    case "PTR":
      return nameToString(d.target);
    case "MX":
      return `${d.preference} ${nameToString(d.exchange)}`;
    case "SRV":
      return `${d.priority} ${d.weight} ${d.port} ${nameToString(d.target)}`;
    case "SOA":
      return `${nameToString(d.mname)} ${nameToString(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case "TXT":
      return d.strings.map((s) => JSON.stringify(latin1(s))).join(" ");
    case "CAA":
      return `${d.flags} ${d.tag} ${JSON.stringify(latin1(d.value))}`;
    case "opaque":
      return `\\# ${d.bytes.length} ${Buffer.from(d.bytes).toString("hex")}`;
  }
}

describe("parseZone: a realistic zone", () => {
  it("parses testdata/example.zone to exact records", () => {
    const text = readFileSync(new URL("./testdata/example.zone", import.meta.url), "utf8");
    const z = parseZone(text, { file: "example.zone" });
    expect(z.errors).toEqual([]);
    expect(z.records.map(show)).toEqual([
      "example.com. 3600 IN SOA ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300",
      "example.com. 3600 IN NS ns1.example.com.",
      "example.com. 3600 IN NS ns2.example.com.",
      "example.com. 3600 IN MX 10 mail.example.com.",
      "example.com. 3600 IN MX 20 mail.backup.example.net.",
      "example.com. 3600 IN A 192.0.2.1",
      "example.com. 3600 IN AAAA 2001:db8::1",
      'example.com. 3600 IN TXT "v=spf1 mx -all"',
      'example.com. 3600 IN CAA 0 issue "letsencrypt.org"',
      'example.com. 3600 IN CAA 128 iodef "mailto:security@example.com"',
      "ns1.example.com. 3600 IN A 192.0.2.53",
      "ns2.example.com. 86400 IN A 198.51.100.53",
      "ns2.example.com. 3600 IN AAAA 2001:db8::53",
      "mail.example.com. 3600 IN A 192.0.2.25",
      "www.example.com. 300 IN CNAME web.example.com.",
      "web.example.com. 3600 IN CNAME web1.example.com.",
      "web1.example.com. 3600 IN A 192.0.2.80",
      "web1.example.com. 3600 IN AAAA ::ffff:c000:250",
      "*.wild.example.com. 3600 IN A 192.0.2.99",
      'txt.example.com. 3600 IN TXT "hello world" "semi;colon" "quote\\"inside" "back\\\\slash" "ABC" "plain"',
      "_sip._tcp.example.com. 3600 IN SRV 10 60 5060 sip.example.com.",
      "sip.example.com. 3600 IN A 192.0.2.70",
      "sub.example.com. 3600 IN NS ns.sub.example.com.",
      "ns.sub.example.com. 3600 IN A 192.0.2.200",
    ]);
  });
});

describe("parseZone: syntax", () => {
  const one = (text: string): string[] => {
    const z = parseZone(text, { file: "t.zone" });
    expect(z.errors.map((e) => e.text)).toEqual([]);
    return z.records.map(show);
  };

  it("handles $ORIGIN changes, relative $ORIGIN, @ and class/TTL in either order", () => {
    expect(
      one(`$ORIGIN example.org.
a 60 IN A 10.0.0.1
b IN 61 A 10.0.0.2
$ORIGIN sub
@ A 10.0.0.3
c.example.net. A 10.0.0.4
`),
    ).toEqual(["a.example.org. 60 IN A 10.0.0.1", "b.example.org. 61 IN A 10.0.0.2", "sub.example.org. 61 IN A 10.0.0.3", "c.example.net. 61 IN A 10.0.0.4"]);
  });

  it("uses the origin option, TTL units and $TTL over the last TTL", () => {
    const z = parseZone("a 1h30m A 10.0.0.1\nb A 10.0.0.2\n$TTL 1d\nc A 10.0.0.3\nd 2w A 10.0.0.4\ne A 10.0.0.5\n", { origin: name("o.test") });
    expect(z.errors).toEqual([]);
    expect(z.records.map(show)).toEqual([
      "a.o.test. 5400 IN A 10.0.0.1",
      "b.o.test. 5400 IN A 10.0.0.2",
      "c.o.test. 86400 IN A 10.0.0.3",
      "d.o.test. 1209600 IN A 10.0.0.4",
      "e.o.test. 86400 IN A 10.0.0.5",
    ]);
  });

  it("AAAA in every textual form", () => {
    const forms: [string, string][] = [
      ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
      ["2001:DB8::1", "2001:db8::1"],
      ["::", "::"],
      ["::1", "::1"],
      ["fe80::", "fe80::"],
      ["::ffff:10.1.2.3", "::ffff:a01:203"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
      ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
    ];
    for (const [input, out] of forms) expect(one(`x.test. 1 AAAA ${input}`)).toEqual([`x.test. 1 IN AAAA ${out}`]);
  });

  it("escapes in names and strings, unquoted TXT, and comments after parentheses", () => {
    expect(
      one(`$ORIGIN test.
a\\.b 1 TXT "x\\010y" \\"q\\" ( ; comment
   "two" ) ; more
sp\\032ace 1 CNAME a\\.b
`),
    ).toEqual(['a\\.b.test. 1 IN TXT "x\\ny" "\\"q\\"" "two"', "sp\\032ace.test. 1 IN CNAME a\\.b.test."]);
  });

  it("RFC 3597 TYPEnnn, CLASSnnn and \\# generic RDATA for known and unknown types", () => {
    expect(
      one(`$ORIGIN test.
a 1 CLASS1 TYPE1 \\# 4 0A000001
b 1 IN TYPE65280 \\# 3 ABCD ef
c 1 IN TYPE65281 \\# 0
d 1 IN MX \\# ( 5 000A 01 6d 00 ) ; mx 10 m.
`),
    ).toEqual(["a.test. 1 IN A 10.0.0.1", "b.test. 1 IN TYPE65280 \\# 3 abcdef", "c.test. 1 IN TYPE65281 \\# 0 ", "d.test. 1 IN MX 10 m."]);
  });

  it("CH class records keep their class", () => {
    const z = parseZone("version.bind. 0 CH TXT \"mirage\"\n");
    expect(z.records[0]!.class).toBe(3);
    expect(z.records[0]!.type).toBe(RrType.TXT);
    expect(z.records[0]!.name).toEqual(name("version.bind"));
  });
});

describe("parseZone: errors report file:line and skip the entry", () => {
  const errs = (text: string): string[] => parseZone(text, { file: "bad.zone", origin: name("example.com") }).errors.map((e) => e.text);

  it.each([
    ["a 1 A 10.0.0.256", "bad.zone:1: bad IPv4 address 10.0.0.256"],
    ["a 1 A 10.0.0.1 extra", "bad.zone:1: A: unexpected extra"],
    ["a 1 A", "bad.zone:1: A needs 1 fields, got 0"],
    ["a 1 AAAA 1::2::3", "bad.zone:1: bad IPv6 address 1::2::3"],
    ["a 1 AAAA 1:2:3:4:5:6:7:8:9", "bad.zone:1: bad IPv6 address 1:2:3:4:5:6:7:8:9"],
    ["a 1 BOGUS x", "bad.zone:1: unknown type BOGUS"],
    ["a 1", "bad.zone:1: missing type"],
    ["a 1 TYPE999 1 2", "bad.zone:1: TYPE999 needs RFC 3597 generic RDATA (\\# <length> <hex>)"],
    ["a 1 TYPE999 \\# 2 00", "bad.zone:1: \\# RDATA says 2 octets but has 1"],
    ["a 1 TYPE999 \\# 1 zz", "bad.zone:1: bad hex in \\# RDATA: zz"],
    ["a 1 A \\# 3 010203", "bad.zone:1: \\# RDATA is not valid A: dns: A RDATA of 3 octets"],
    ["a 1 MX 70000 b", "bad.zone:1: bad MX preference 70000"],
    ["a 1 CAA 0 is-sue x", "bad.zone:1: bad CAA tag is-sue"],
    ["a 1 TXT", "bad.zone:1: TXT needs at least one string"],
    [`a 1 TXT "${"x".repeat(256)}"`, "bad.zone:1: character string of 256 octets (at most 255)"],
    ["a 1 TXT \\300", "bad.zone:1: escape \\300 is above 255"],
    ["a 99999999999 A 10.0.0.1", "bad.zone:1: bad TTL 99999999999"],
    ["a A 10.0.0.1", "bad.zone:1: no TTL given and no $TTL or earlier TTL"],
    [" 1 A 10.0.0.1", "bad.zone:1: no owner name and no previous owner"],
    [`${"a".repeat(64)} 1 A 10.0.0.1`, "bad.zone:1: label longer than 63 octets in " + "a".repeat(64)],
    ["a..b 1 A 10.0.0.1", "bad.zone:1: empty label in a..b"],
    ["a 1 SOA ns host 1 2 3 4", "bad.zone:1: SOA needs 7 fields, got 6"],
    ["a 1 SOA ns host 1 2 3 4 5x", "bad.zone:1: bad SOA minimum 5x"],
    ["$TTL", "bad.zone:1: $TTL takes one TTL (0 to 2147483647 seconds)"],
    ["$ORIGIN a..", "bad.zone:1: $ORIGIN: empty label in a.."],
    ["$INCLUDE other.zone", "bad.zone:1: $INCLUDE is not supported"],
    ["$FOO", "bad.zone:1: unknown directive $FOO"],
    ['a 1 TXT "open', "bad.zone:1: unterminated quoted string"],
    ["a 1 A 10.0.0.1 )", "bad.zone:1: ')' without '('"],
    ["a 1 SOA ns host (\n 1 2 3\n", "bad.zone:1: '(' not closed before the end of the file"],
  ])("%s", (text, expected) => {
    expect(errs(text)).toEqual([expected]);
  });

  it("reports the right line deep in a file and keeps the good records", () => {
    const z = parseZone("$TTL 60\na A 10.0.0.1\n\n; note\nb ( A\n 10.0.0.300 )\nc A 10.0.0.3\nd CNAME\n", { file: "z", origin: name("t") });
    expect(z.errors.map((e) => e.text)).toEqual(["z:6: bad IPv4 address 10.0.0.300", "z:8: CNAME needs 1 fields, got 0"]);
    expect(z.records.map((r) => nameToString(r.name))).toEqual(["a.t.", "c.t."]);
    expect(z.errors[0]).toMatchObject({ file: "z", line: 6 });
  });

  it("a relative name without an origin is an error", () => {
    expect(parseZone("a 1 A 10.0.0.1").errors.map((e) => e.text)).toEqual(["<zone>:1: relative name a with no origin"]);
  });
});

describe("parseZone agrees with NSD", () => {
  it("every record NSD served from example.zone is one we parsed, byte for byte", async () => {
    const { decodeMessage, nameEquals } = await import("./index.ts");
    const text = readFileSync(new URL("./testdata/example.zone", import.meta.url), "utf8");
    const zone = parseZone(text).records;
    const captures: { name: string; response: string }[] = JSON.parse(readFileSync(new URL("./testdata/nsd-captures.json", import.meta.url), "utf8"));
    let checked = 0;
    for (const c of captures) {
      if (c.name === "wildcard" || c.name === "cname_chain_mixed_case") continue; // synthesized owners
      const m = decodeMessage(Uint8Array.from(Buffer.from(c.response, "hex")));
      expect(m.ok).toBe(true);
      if (!m.ok) continue;
      for (const rr of [...m.value.answers, ...m.value.authority, ...m.value.additional]) {
        // A negative answer's SOA has the TTL min(TTL, MINIMUM) (RFC 2308 section 3).
        const ttlOk = (z: ResourceRecord): boolean => z.ttl === rr.ttl || (rr.type === RrType.SOA && rr.ttl === 300);
        const match = zone.find((z) => nameEquals(z.name, rr.name) && z.type === rr.type && ttlOk(z) && showData(z.data) === showData(rr.data));
        expect(match, `${c.name}: ${show(rr)}`).toBeDefined();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
  });
});

describe("parseZone never throws", () => {
  it("seeded fuzz over mutated zone text", async () => {
    const { seededRandom } = await import("@mirage-ts/netsim");
    const rand = seededRandom(7);
    const base = readFileSync(new URL("./testdata/example.zone", import.meta.url), "utf8");
    const alphabet = ' \t\n;()"\\.@$0123456789abcdefAZ:#*';
    for (let i = 0; i < 2000; i++) {
      const chars = base.split("");
      const edits = 1 + Math.floor(rand() * 10);
      for (let k = 0; k < edits; k++) {
        const at = Math.floor(rand() * chars.length);
        chars[at] = alphabet[Math.floor(rand() * alphabet.length)]!;
      }
      const z = parseZone(chars.join(""), { file: "f" });
      for (const e of z.errors) expect(e.text).toMatch(/^f:\d+: /);
    }
  });
});
