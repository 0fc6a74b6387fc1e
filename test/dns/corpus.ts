/**
 * The differential test's queries against examples/dns-server/zone/example.org.zone:
 * existing data, missing names (NXDOMAIN) and types (NODATA), empty non-terminals,
 * wildcards, CNAME chains, the delegation and names below it, ANY, types without a
 * mnemonic, mixed case, names outside the zone, EDNS and not, RD set and not, TCP;
 * and every name of test/dns/edge.zone (CNAME loops, wildcards at the apex and behind
 * CNAMEs, occluded data) with several types.
 */
import { RrType } from "../../packages/dns/src/index.ts";

export interface QueryCase {
  readonly label: string;
  readonly qname: string;
  readonly type: number;
  readonly class?: number;
  readonly rd?: boolean;
  /** EDNS payload size; undefined sends no OPT. */
  readonly edns?: number;
  readonly ednsVersion?: number;
  readonly dnssecOk?: boolean;
  readonly opcode?: number;
  readonly tcp?: boolean;
}

const { A, NS, CNAME, SOA, MX, TXT, AAAA, SRV, CAA, ANY } = RrType;
const HINFO = 13;
const NULL = 10;
const PTR = RrType.PTR;

const base: Array<[string, number]> = [
  ["example.org", SOA],
  ["example.org", NS],
  ["example.org", A],
  ["example.org", AAAA],
  ["example.org", MX],
  ["example.org", TXT],
  ["example.org", CAA],
  ["ns1.example.org", A],
  ["ns1.example.org", AAAA],
  ["ns2.example.org", A],
  ["mail.example.org", AAAA],
  ["mail.example.org", MX], // NODATA
  ["www.example.org", A], // CNAME chain www -> web -> web1
  ["www.example.org", AAAA],
  ["www.example.org", CNAME],
  ["web.example.org", A],
  ["ext.example.org", A], // CNAME leaving the zone
  ["dangling.example.org", A], // CNAME to a missing name
  ["nope.example.org", A], // NXDOMAIN
  ["deep.nope.example.org", TXT],
  ["ent.example.org", A], // empty non-terminal: NODATA
  ["b.ent.example.org", AAAA],
  ["a.b.ent.example.org", A],
  ["c.b.ent.example.org", A], // NXDOMAIN below an empty non-terminal
  ["foo.wild.example.org", A], // wildcard
  ["foo.wild.example.org", TXT],
  ["foo.wild.example.org", MX], // wildcard NODATA
  ["a.b.wild.example.org", A], // wildcard several labels down
  ["host.wild.example.org", A], // exists: no synthesis
  ["host.wild.example.org", TXT], // exists: NODATA, not the wildcard's TXT
  ["wild.example.org", A], // empty non-terminal above the wildcard
  ["*.wild.example.org", A], // the wildcard itself
  ["x.cn.example.org", A], // wildcard CNAME
  ["_sip._tcp.example.org", SRV],
  ["_tcp.example.org", SRV], // empty non-terminal
  ["sip.example.org", A],
  ["txt.example.org", TXT],
  ["hinfo.example.org", HINFO],
  ["opaque.example.org", 65534],
  ["opaque.example.org", NULL], // NODATA for an odd type
  ["example.org", PTR],
  ["sub.example.org", NS], // referral
  ["sub.example.org", A],
  ["www.sub.example.org", A], // below the cut
  ["ns.sub.example.org", A], // glue is not authoritative data: referral
  ["example.org", ANY],
  ["www.example.org", ANY],
  ["web1.example.org", ANY],
  ["WwW.ExAmPlE.OrG", A], // mixed case
  ["NoPe.EXAMPLE.org", A],
  ["FOO.Wild.example.ORG", A],
  ["example.com", A], // outside: REFUSED
  ["org", SOA],
  ["ns.elsewhere.example.net", A],
];

/** Every name of test/dns/edge.zone (and a few around it), asked for A, TXT, MX, CNAME and ANY. */
const edgeNames = ["edge.test", "nothere.edge.test", "loop1.edge.test", "self.edge.test", "tochild.edge.test", "towild.edge.test", "toapex.edge.test",
  "tonx.edge.test", "toout.edge.test", "x.w.edge.test", "*.w.edge.test", "a.*.w.edge.test", "b.*.w.edge.test", "w.edge.test", "child.edge.test",
  "occluded.child.edge.test", "srv.edge.test", "mx.edge.test", "multi.edge.test", "a.b.c.edge.test"];
const edge: Array<[string, number]> = edgeNames.flatMap((n) => [A, TXT, MX, CNAME, ANY].map((t): [string, number] => [n, t]));

export const CORPUS: QueryCase[] = [
  ...edge.map(([qname, type]) => ({ label: `${qname}/${type}`, qname, type, edns: 1232 })),
  // Each base query without EDNS and RD clear, then with EDNS (1232) and RD set.
  ...base.map(([qname, type]) => ({ label: `${qname}/${type} noedns norec`, qname, type })),
  ...base.map(([qname, type]) => ({ label: `${qname}/${type} edns rd`, qname, type, rd: true, edns: 1232 })),
  // Truncation: no EDNS (512), EDNS 512, EDNS 4096, and TCP.
  { label: "long TXT no EDNS (TC)", qname: "long.example.org", type: TXT },
  { label: "long TXT EDNS 512 (TC)", qname: "long.example.org", type: TXT, edns: 512 },
  { label: "long TXT EDNS 4096", qname: "long.example.org", type: TXT, edns: 4096 },
  { label: "long TXT over TCP", qname: "long.example.org", type: TXT, tcp: true },
  { label: "MX over TCP with EDNS", qname: "example.org", type: MX, tcp: true, edns: 1232 },
  { label: "DO bit", qname: "example.org", type: SOA, edns: 1232, dnssecOk: true },
  { label: "EDNS version 1 (BADVERS)", qname: "example.org", type: SOA, edns: 1232, ednsVersion: 1 },
  { label: "class CH", qname: "example.org", type: A, class: 3 },
];
