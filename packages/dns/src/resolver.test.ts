/**
 * The stub resolver over two (or three) direct stacks on the simulated switch, on
 * virtual time: real UDP datagrams and TCP segments, real timeouts without sleeping.
 * The server is serveDns, or a scripted responder built on answerQuery for faults.
 */
import type { Datagram } from "@mirage-ts/devices";
import { SimClock, Switch, runPromise, seededRandom, type Impairments } from "@mirage-ts/netsim";
import { directStack, type DirectStack } from "@mirage-ts/tcpip";
import { describe, expect, it } from "vitest";
import { answerQuery } from "./authority.ts";
import { decodeMessage, encodeMessage } from "./message.ts";
import { nameToString } from "./name.ts";
import { recordToString } from "./present.ts";
import { Resolver, resolve, type ResolverOptions } from "./resolver.ts";
import { parseDnsServers } from "./resolver-servers.ts";
import { serveDns } from "./server.ts";
import { Rcode, RrType, type Message } from "./types.ts";
import { parseZone } from "./zone.ts";
import { ZoneStore } from "./zone-store.ts";

const ZONE = `$ORIGIN example.test.
$TTL 600
@      SOA   ns1 hostmaster 1 3600 600 86400 120
@      NS    ns1
ns1    A     10.0.0.1
host   A     192.0.2.10
host   A     192.0.2.11
www    CNAME host
w2     CNAME www
loop1  CNAME loop2
loop2  CNAME loop1
out    CNAME host.other.test.
${Array.from({ length: 8 }, (_, i) => `big TXT "${String(i).repeat(250)}"`).join("\n")}
`;
const OTHER = `$ORIGIN other.test.
$TTL 300
@      SOA   ns1.example.test. hostmaster.example.test. 1 3600 600 86400 120
@      NS    ns1.example.test.
host   A     198.51.100.7
`;

function store(): ZoneStore {
  const records = [ZONE, OTHER].flatMap((text, i) => {
    const z = parseZone(text, { file: `z${i}` });
    expect(z.errors).toEqual([]);
    return z.records;
  });
  const s = ZoneStore.build(records);
  if (!s.ok) throw new Error(JSON.stringify(s.error));
  return s.value;
}

function rng(seed: number): (n: number) => Uint8Array {
  const r = seededRandom(seed);
  return (n) => Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

function decode(b: Uint8Array): Message {
  const d = decodeMessage(b);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

interface Net {
  clock: SimClock;
  sw: Switch;
  server: DirectStack;
  client: DirectStack;
  run<T>(p: Promise<T>): Promise<T>;
  resolver(opts?: Partial<ResolverOptions>): Resolver;
}

async function net(impairments: Impairments = {}, seed = 11): Promise<Net> {
  const clock = new SimClock();
  const sw = new Switch({ seed, now: clock.now, impairments });
  const run = <T>(p: Promise<T>) => runPromise(sw, clock, p, { maxNs: 600e9 });
  const server: DirectStack = await run(directStack(sw.port("s"), { ipv4: "10.0.0.1/24", time: clock, random: rng(seed + 1) }));
  const client: DirectStack = await run(directStack(sw.port("c"), { ipv4: "10.0.0.2/24", time: clock, random: rng(seed + 2) }));
  const r = seededRandom(seed + 3);
  const resolver = (opts: Partial<ResolverOptions> = {}) =>
    new Resolver(client, { servers: [{ address: "10.0.0.1", port: 53 }], time: clock, random: (bound) => Math.floor(r() * bound), ...opts });
  return { clock, sw, server, client, run, resolver };
}

/**
 * A scripted server on `port`: `script(query, n)` (n counts queries from 0) returns the
 * datagrams to send back, each with an optional source port other than `port`.
 */
function responder(n: Net, port: number, script: (q: Message, count: number) => Array<{ bytes: Uint8Array; srcPort?: number }>): { queries: Message[] } {
  const queries: Message[] = [];
  n.server.udp.listen(port, (d: Datagram) => {
    const q = decode(d.data);
    const replies = script(q, queries.length);
    queries.push(q);
    for (const r of replies) void n.server.udp.send(d.src.address, d.src.port, r.bytes, { srcPort: r.srcPort ?? port });
  });
  return { queries };
}

const answer = (zones: ZoneStore, q: Message): Message => answerQuery(zones, q, { transport: "udp" }).message;
const bytes = (m: Message): Uint8Array => encodeMessage(m).bytes;
const lines = (recs: readonly Parameters<typeof recordToString>[0][]) => recs.map(recordToString);

describe("Resolver against serveDns", () => {
  it("resolves A records and follows a CNAME chain in the answer", async () => {
    const n = await net();
    serveDns(n.server, store(), { port: 53, time: n.clock });
    const res = n.resolver();
    const a = await n.run(res.resolve("host.example.test", "A"));
    expect(a.ok && lines(a.value.records)).toEqual(["host.example.test.\t600\tIN\tA\t192.0.2.10", "host.example.test.\t600\tIN\tA\t192.0.2.11"]);
    expect(a.ok && a.value.transport).toBe("udp");
    const c = await n.run(res.resolve("W2.Example.Test.", RrType.A));
    if (!c.ok) throw new Error(c.error.message);
    // Names keep the case the server sent (here, the query's, through compression).
    expect(nameToString(c.value.canonicalName).toLowerCase()).toBe("host.example.test.");
    expect(lines(c.value.cnames).map((l) => l.toLowerCase())).toEqual(["w2.example.test.\t600\tin\tcname\twww.example.test.", "www.example.test.\t600\tin\tcname\thost.example.test."]);
    expect(c.value.records.length).toBe(2);
    expect(await n.run(res.resolveIpv4("www.example.test"))).toEqual({ ok: true, value: ["192.0.2.10", "192.0.2.11"] });
    expect(await res.resolveIpv4("192.0.2.1")).toEqual({ ok: true, value: ["192.0.2.1"] });
    expect(res.stats).toMatchObject({ udpQueries: 3, timeouts: 0, ignored: 0, tcpFallbacks: 0 });
    const once = await n.run(resolve(n.client, "ns1.example.test.", RrType.A, { servers: [{ address: "10.0.0.1", port: 53 }], time: n.clock }));
    expect(once.ok && lines(once.value.records)).toEqual(["ns1.example.test.\t600\tIN\tA\t10.0.0.1"]);
  });

  it("asks for the target when a CNAME leaves the server's answer (out-of-zone target)", async () => {
    const n = await net();
    const zones = store();
    // Like an authoritative server for example.test only: the CNAME and nothing after it.
    const { queries } = responder(n, 53, (q) => {
      const full = answer(zones, q);
      return [{ bytes: bytes({ ...full, answers: full.answers.slice(0, 1) }) }];
    });
    const res = n.resolver();
    const r = await n.run(res.resolve("out.example.test", "A"));
    if (!r.ok) throw new Error(r.error.message);
    expect(lines(r.value.cnames)).toEqual(["out.example.test.\t600\tIN\tCNAME\thost.other.test."]);
    expect(lines(r.value.records)).toEqual(["host.other.test.\t300\tIN\tA\t198.51.100.7"]);
    expect(queries.map((q) => nameToString(q.questions[0]!.name))).toEqual(["out.example.test.", "host.other.test."]);
  });

  it("reports NXDOMAIN, NODATA and CNAME loops as typed errors", async () => {
    const n = await net();
    serveDns(n.server, store(), { port: 53, time: n.clock });
    const res = n.resolver();
    const nx = await n.run(res.resolve("missing.example.test", "A"));
    expect(nx).toEqual({ ok: false, error: { code: "nxdomain", rcode: 3, message: "missing.example.test.: no such domain (NXDOMAIN from 10.0.0.1:53)" } });
    const nodata = await n.run(res.resolve("host.example.test", "MX"));
    expect(!nodata.ok && nodata.error.code).toBe("nodata");
    const loop = await n.run(res.resolve("loop1.example.test", "A"));
    expect(!loop.ok && loop.error).toMatchObject({ code: "cname_chain", message: expect.stringMatching(/CNAME loop/) });
    const bad = await res.resolve("a..b", "A");
    expect(!bad.ok && bad.error.code).toBe("bad_name");
    const refused = await n.run(res.resolve("example.org", "A"));
    expect(!refused.ok && refused.error.code).toBe("refused");
  });

  it("asks again over TCP when the UDP answer is truncated (TC=1)", async () => {
    const n = await net();
    const dns = serveDns(n.server, store(), { port: 53, time: n.clock });
    const res = n.resolver();
    const r = await n.run(res.resolve("big.example.test", "TXT"));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.transport).toBe("tcp");
    expect(r.value.records.length).toBe(8);
    expect(res.stats).toMatchObject({ udpQueries: 1, tcpFallbacks: 1, tcpFailures: 0 });
    expect(dns.stats).toMatchObject({ udpTruncated: 1, tcpAnswers: 1 });
    // Without EDNS the 512-octet limit truncates too.
    const plain = await n.run(n.resolver({ udpPayloadSize: 0 }).resolve("big.example.test", "TXT"));
    expect(plain.ok && plain.value.transport).toBe("tcp");
  });

  it("retries over a lossy link and resolves every name", async () => {
    const n = await net({ loss: 0.3 }, 5);
    serveDns(n.server, store(), { port: 53, time: n.clock });
    const res = n.resolver({ tries: 8, timeoutMs: 1000 });
    for (let i = 0; i < 20; i++) {
      const r = await n.run(res.resolve(i % 2 ? "host.example.test" : "www.example.test", "A"));
      expect(r.ok, r.ok ? "" : r.error.message).toBe(true);
    }
    expect(res.stats.timeouts).toBeGreaterThan(0);
    expect(res.stats.udpQueries).toBe(20 + res.stats.timeouts);
  });
});

describe("Resolver with a scripted server", () => {
  it("retries after a lost answer, with a new ID and source port", async () => {
    const n = await net();
    const zones = store();
    const { queries } = responder(n, 53, (q, i) => (i === 0 ? [] : [{ bytes: bytes(answer(zones, q)) }]));
    const res = n.resolver({ timeoutMs: 1500 });
    const start = n.clock.now();
    const r = await n.run(res.resolve("host.example.test", "A"));
    expect(r.ok).toBe(true);
    expect(n.clock.now() - start).toBeGreaterThanOrEqual(1500e6);
    expect(queries.length).toBe(2);
    expect(queries[0]!.id).not.toBe(queries[1]!.id);
    expect(res.stats).toMatchObject({ udpQueries: 2, timeouts: 1 });
  });

  it("ignores answers with the wrong ID, question or source port, and takes the right one", async () => {
    const n = await net();
    const zones = store();
    responder(n, 53, (q) => {
      const good = answer(zones, q);
      const wrongQuestion = answer(zones, { ...q, questions: [{ ...q.questions[0]!, type: RrType.MX }] });
      const forged = { ...good, answers: good.answers.map((rr) => ({ ...rr, data: { kind: "A" as const, address: 0x01020304 } })) };
      return [
        { bytes: bytes({ ...forged, id: (q.id + 1) & 0xffff }) },
        { bytes: bytes(wrongQuestion) },
        { bytes: bytes(forged), srcPort: 5353 },
        { bytes: Uint8Array.of(1, 2, 3) },
        { bytes: bytes(good) },
      ];
    });
    const res = n.resolver();
    const r = await n.run(res.resolveIpv4("host.example.test"));
    expect(r).toEqual({ ok: true, value: ["192.0.2.10", "192.0.2.11"] });
    expect(res.stats).toMatchObject({ udpQueries: 1, ignored: 4, timeouts: 0 });
  });

  it("times out after every try with a clear error", async () => {
    const n = await net();
    const { queries } = responder(n, 53, () => []);
    const res = n.resolver({ timeoutMs: 1000, tries: 3 });
    const start = n.clock.now();
    const r = await n.run(res.resolve("host.example.test", "A"));
    expect(r).toEqual({ ok: false, error: { code: "timeout", message: "no answer for host.example.test. A from 10.0.0.1:53 after 3 tries of 1000 ms" } });
    expect(queries.length).toBe(3);
    const elapsed = n.clock.now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(3000e6);
    expect(elapsed).toBeLessThan(3100e6);
  });

  it("rotates to the next server on silence and on SERVFAIL", async () => {
    const n = await net();
    const zones = store();
    const silent = responder(n, 5301, () => []);
    const failing = responder(n, 5302, (q) => [{ bytes: bytes({ ...answer(zones, q), answers: [], rcode: Rcode.SERVFAIL }) }]);
    const good = responder(n, 53, (q) => [{ bytes: bytes(answer(zones, q)) }]);
    const servers = [5301, 5302, 53].map((port) => ({ address: "10.0.0.1", port }));
    const r = await n.run(n.resolver({ servers, timeoutMs: 500 }).resolve("host.example.test", "A"));
    expect(r.ok).toBe(true);
    expect([silent.queries.length, failing.queries.length, good.queries.length]).toEqual([1, 1, 1]);
    // SERVFAIL everywhere: the error says so.
    const r2 = await n.run(n.resolver({ servers: [servers[1]!], tries: 2 }).resolve("host.example.test", "A"));
    expect(!r2.ok && r2.error).toMatchObject({ code: "servfail", rcode: 2 });
  });

  it("asks without EDNS after a FORMERR to an EDNS query (RFC 6891 section 7)", async () => {
    const n = await net();
    const zones = store();
    const { queries } = responder(n, 53, (q) => {
      if (q.edns) return [{ bytes: bytes({ ...q, qr: true, rcode: Rcode.FORMERR, edns: undefined }) }];
      return [{ bytes: bytes(answer(zones, q)) }];
    });
    const r = await n.run(n.resolver().resolve("host.example.test", "A"));
    expect(r.ok).toBe(true);
    expect(queries.map((q) => q.edns !== undefined)).toEqual([true, false]);
  });

  it("falls back to UDP on the next try when the TCP fallback fails", async () => {
    const n = await net();
    const zones = store();
    // TC on the first answer, nobody on TCP port 53 (RST), a full answer on the second try.
    responder(n, 53, (q, i) => [{ bytes: bytes(i === 0 ? { ...answer(zones, q), answers: [], tc: true } : answer(zones, q)) }]);
    const res = n.resolver();
    const r = await n.run(res.resolve("host.example.test", "A"));
    expect(r.ok && r.value.transport).toBe("udp");
    expect(res.stats).toMatchObject({ udpQueries: 2, tcpFallbacks: 1, tcpFailures: 1 });
  });
});

describe("parseDnsServers", () => {
  it("parses ip[:port] lists and rejects anything else", () => {
    expect(parseDnsServers("192.0.2.1, 10.0.0.1:5353")).toEqual({
      ok: true,
      value: [
        { address: "192.0.2.1", port: 53 },
        { address: "10.0.0.1", port: 5353 },
      ],
    });
    expect(parseDnsServers("example.org").ok).toBe(false);
    expect(parseDnsServers("1.2.3.4:0").ok).toBe(false);
    expect(parseDnsServers("1.2.3.4:70000").ok).toBe(false);
    expect(parseDnsServers("1.2.3.4,").ok).toBe(false);
    expect(parseDnsServers("[::1]:53").ok).toBe(false);
  });

  it("rejects bad resolver options with RangeError/TypeError", async () => {
    const n = await net();
    expect(() => new Resolver(n.client, { servers: [] })).toThrow(RangeError);
    expect(() => new Resolver(n.client, { servers: [{ address: "dns.example", port: 53 }] })).toThrow(TypeError);
    expect(() => n.resolver({ timeoutMs: 0 })).toThrow(RangeError);
    expect(() => n.resolver({ udpPayloadSize: 100 })).toThrow(RangeError);
  });
});
