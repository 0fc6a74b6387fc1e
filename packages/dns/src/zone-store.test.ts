import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { name, parseZone, RrType, ZoneStore, nameToString } from "./index.ts";

const zoneText = readFileSync(new URL("./testdata/example.zone", import.meta.url), "utf8");

function records(text: string, origin = "example.test.") {
  const r = parseZone(text, { origin: name(origin), defaultTtl: 60 });
  expect(r.errors).toEqual([]);
  return r.records;
}

describe("ZoneStore", () => {
  it("builds from example.zone and looks names up case-insensitively", () => {
    const b = ZoneStore.build(records(zoneText));
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    const s = b.value;
    expect(s.zoneApexes.map(nameToString)).toEqual(["example.com."]);
    expect(s.lookup(name("MAIL.Example.COM"), RrType.A)).toHaveLength(1);
    expect(s.lookup(name("mail.example.com"), RrType.AAAA)).toHaveLength(0);
    expect(s.exists(name("_tcp.example.com"))).toBe(true); // empty non-terminal
    expect(s.exists(name("nope.example.com"))).toBe(false);
    expect(s.zoneFor(name("example.org"))).toBeUndefined();
    const z = s.zoneFor(name("a.b.example.com"))!;
    expect(nameToString(s.delegationFor(z, name("host.sub.example.com"))!.name)).toBe("sub.example.com.");
    expect(s.delegationFor(z, name("www.example.com"))).toBeUndefined();
    expect(s.addresses(name("ns.sub.example.com")).map((r) => r.type)).toEqual([RrType.A]); // glue
    expect(s.addresses(name("ns2.example.com")).map((r) => r.type)).toEqual([RrType.A, RrType.AAAA]);
  });

  it("rejects a second SOA, CNAME with other data, out-of-zone records and other classes", () => {
    const b = ZoneStore.build(
      records(`@ SOA ns hm 1 2 3 4 5
@ SOA ns hm 2 2 3 4 5
www CNAME a
www A 192.0.2.1
two CNAME a
two CNAME b
x.example.org. A 192.0.2.2
y CH TXT "chaos"
`),
    );
    expect(b.ok).toBe(false);
    if (b.ok) return;
    expect(b.error.map((e) => `${e.kind} ${e.name}`).sort()).toEqual([
      "bad_class y.example.test.",
      "cname_and_other_data two.example.test.",
      "cname_and_other_data www.example.test.",
      "duplicate_soa example.test.",
      "out_of_zone x.example.org.",
    ]);
  });

  it("puts records in the deepest zone and holds several zones", () => {
    const b = ZoneStore.build(records(`@ SOA ns hm 1 2 3 4 5\nchild NS ns.child\nchild SOA ns hm 1 2 3 4 5\nchild NS ns.child\nns.child A 192.0.2.9\n`));
    expect(b.ok).toBe(true);
    if (!b.ok) return;
    const z = b.value.zoneFor(name("ns.child.example.test"))!;
    expect(nameToString(z.apex)).toBe("child.example.test.");
    // The child's apex NS is not a cut inside the child zone.
    expect(b.value.delegationFor(z, name("ns.child.example.test"))).toBeUndefined();
  });
});
