/**
 * Server-level fuzzing of the dns-server unikernel, built from private copies under
 * .test-tmp/: thousands of seeded random and mutated datagrams, then hundreds of TCP
 * connections carrying mutated framed messages, broken length prefixes and raw garbage,
 * split across writes. Whatever comes back must be a well-formed response (decodes,
 * QR set, an id that was sent, UDP within our 1232-octet EDNS size, TCP framed whole),
 * and afterwards the server must still run and answer a valid query correctly over both
 * transports, with no internal error logged. Bounded in count and in time.
 *
 * Socket stack: sent from this process to 127.0.0.1. Direct stack (root and a tap
 * needed): the same inputs sent by fuzz-sender.mjs from inside a network namespace,
 * so our own TCP/IP stack carries them.
 *
 * The corpus is test/dns/fuzz-corpus/*.hex; DNS_FUZZ_SEED explores another sequence.
 */
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { createConnection } from "node:net";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "@mirage-ts/netsim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, recordToString } from "../../packages/dns/src/index.ts";
import { buildScratchCopy } from "../support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../support/netns.ts";
import { watch, type Running } from "../support/unikernel-process.ts";
import { frame, tcpExchange, udpExchange } from "./client.ts";
import { freePort } from "../support/ports.ts";
import { soaProbe } from "./daemons.ts";
import { hex, possibleIds, tcpStreams, udpInputs } from "./mutate.ts";

const SEED = Number(process.env.DNS_FUZZ_SEED ?? 0xd05f00d);
const UDP_INPUTS = 4000;
const TCP_STREAMS = 300;
const TCP_PARALLEL = 16;
const TIME_BUDGET_MS = 40_000;
const SOA = "example.org.\t3600\tIN\tSOA\tns1.example.org. hostmaster.example.org. 2026112501 7200 3600 1209600 300";

const corpusDir = join(import.meta.dirname, "fuzz-corpus");
const corpus = readdirSync(corpusDir)
  .filter((f) => f.endsWith(".hex"))
  .sort()
  .map((f) => Uint8Array.from(Buffer.from(readFileSync(join(corpusDir, f), "utf8").trim(), "hex")));

const udp = udpInputs(seededRandom(SEED), corpus, UDP_INPUTS);
const tcp = tcpStreams(seededRandom(SEED + 1), corpus, TCP_STREAMS);
const udpIds = new Set(udp.filter((b) => b.length >= 2).map((b) => (b[0]! << 8) | b[1]!));
const tcpIds = possibleIds(tcp.map((w) => Uint8Array.from(w.flatMap((x) => [...x]))));

/** Checks one response; returns a problem or undefined. */
function check(resp: Uint8Array, sentIds: Set<number>, isUdp: boolean): string | undefined {
  const d = decodeMessage(resp);
  if (!d.ok) return `undecodable response ${hex(resp)}: ${d.error.message}`;
  if (!d.value.qr) return `response without QR: ${hex(resp)}`;
  if (!sentIds.has(d.value.id)) return `response id ${d.value.id} was never sent`;
  if (isUdp && resp.length > 1232) return `UDP response of ${resp.length} octets`;
  return undefined;
}

/** Splits one TCP stream's received bytes into framed messages and checks each; a partial frame at the end is a problem. */
function checkStream(bytes: Uint8Array, problems: string[]): number {
  let pos = 0;
  let n = 0;
  while (bytes.length - pos >= 2) {
    const len = (bytes[pos]! << 8) | bytes[pos + 1]!;
    if (bytes.length - pos - 2 < len) break;
    const p = check(bytes.subarray(pos + 2, pos + 2 + len), tcpIds, false);
    if (p && problems.length < 10) problems.push(p);
    pos += 2 + len;
    n++;
  }
  if (pos !== bytes.length && problems.length < 10) problems.push(`${bytes.length - pos} octets of a partial response at close`);
  return n;
}

function expectHealthy(app: Running): void {
  expect(app.child.exitCode).toBeNull();
  expect(app.child.signalCode).toBeNull();
  expect(app.output()).not.toMatch(/internal error|Uncaught|TypeError|RangeError/i);
}

describe("dns-server on the socket stack under fuzzed UDP and TCP input", () => {
  let root = "";
  let app: Running;
  let port = 0;
  beforeAll(async () => {
    const built = await buildScratchCopy("dns-server", "fuzz");
    port = await freePort();
    root = built.dir;
    app = watch(spawn(built.bin, [`--port=${port}`, "--tcp-idle-timeout=2000", "--tcp-max-connections=64"], { stdio: ["ignore", "pipe", "pipe"] }));
    await app.waitFor(new RegExp(`serving DNS on UDP and TCP port ${port}`));
  }, 300_000);
  afterAll(async () => {
    await app?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it(`survives ${UDP_INPUTS} fuzzed datagrams (seed ${SEED})`, async () => {
    const problems: string[] = [];
    let replies = 0;
    const sock = createSocket("udp4");
    sock.on("message", (m) => {
      replies++;
      const p = check(new Uint8Array(m), udpIds, true);
      if (p && problems.length < 10) problems.push(p);
    });
    await new Promise<void>((r) => sock.bind(0, "127.0.0.1", () => r()));
    const deadline = Date.now() + TIME_BUDGET_MS;
    let sent = 0;
    for (; sent < udp.length && Date.now() < deadline; sent++) {
      await new Promise<void>((r) => sock.send(udp[sent]!, port, "127.0.0.1", () => r()));
      // Let the server keep up now and then: the point is bad input, not a flood.
      if (sent % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 500));
    sock.close();
    console.log(`UDP fuzz (socket stack): ${sent} datagrams sent, ${replies} answered (seed ${SEED})`);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(1000);
    expect(replies).toBeGreaterThan(sent / 10); // mutated queries are mostly still answered, with FORMERR at worst
    expectHealthy(app);
  }, 60_000);

  it(`survives ${TCP_STREAMS} fuzzed TCP streams (seed ${SEED + 1})`, async () => {
    const problems: string[] = [];
    const deadline = Date.now() + TIME_BUDGET_MS;
    let streams = 0;
    let answers = 0;
    const stream = (writes: Uint8Array[]): Promise<void> =>
      new Promise((resolve) => {
        const got: Buffer[] = [];
        const sock = createConnection({ host: "127.0.0.1", port }, () => {
          for (const w of writes) sock.write(w);
          sock.end();
        });
        const timer = setTimeout(() => sock.destroy(), 5000);
        sock.on("data", (c: Buffer) => got.push(c));
        sock.on("error", () => undefined);
        sock.on("close", () => {
          clearTimeout(timer);
          answers += checkStream(new Uint8Array(Buffer.concat(got)), problems);
          resolve();
        });
      });
    await Promise.all(
      Array.from({ length: TCP_PARALLEL }, async () => {
        while (streams < tcp.length && Date.now() < deadline) await stream(tcp[streams++]!);
      }),
    );
    console.log(`TCP fuzz (socket stack): ${streams} connections, ${answers} answers (seed ${SEED + 1})`);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(streams).toBeGreaterThanOrEqual(100);
    expect(answers).toBeGreaterThan(0);
    expectHealthy(app);
  }, 60_000);

  it("still answers a valid query correctly over UDP and TCP, and logged no internal error", async () => {
    const u = decodeMessage(await udpExchange(port, soaProbe("example.org"), 3000));
    expect(u.ok && u.value.answers.map(recordToString)).toEqual([SOA]);
    const t = await tcpExchange(port, frame(soaProbe("example.org"), soaProbe("example.org")), { expect: 2 });
    expect(t.messages).toHaveLength(2);
    for (const m of t.messages) {
      const d = decodeMessage(m);
      expect(d.ok && d.value.aa && d.value.answers.map(recordToString)).toEqual([SOA]);
    }
    expectHealthy(app);
  });
});

const netns = canUseNetns();
if (!netns.ok) console.warn(`skipping the direct stack's DNS fuzz: ${netns.reason}`);
describe.skipIf(!netns.ok)("dns-server on the direct stack under the same fuzzed input, from a namespace", () => {
  let root = "";
  let ns: Netns;
  let app: Running;
  beforeAll(async () => {
    const built = await buildScratchCopy("dns-server", "fuzz-direct", ["--net=direct"]);
    root = built.dir;
    ns = await createNetns("mdnsfz");
    await ns.addTap("tap0", "10.77.0.1/24");
    app = watch(ns.spawn(built.bin, ["--ipv4=10.77.0.2/24", "--tcp-idle-timeout=2000", "--tcp-max-connections=64"]));
    await app.waitFor(/serving DNS on UDP and TCP port 53\b/);
  }, 300_000);
  afterAll(async () => {
    await app?.stop();
    await ns?.destroy();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it(`survives ${UDP_INPUTS} datagrams and ${TCP_STREAMS} TCP streams, then answers correctly`, async () => {
    const inputs = join(root, "inputs.json");
    writeFileSync(inputs, JSON.stringify({ udp: udp.map(hex), tcp: tcp.map((w) => w.map(hex)) }));
    const r = await ns.exec(process.execPath, [join(import.meta.dirname, "fuzz-sender.mjs"), "10.77.0.2", "53", inputs], { timeoutMs: 100_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { udpSent: number; udpReplies: string[]; tcpStreams: number; tcpReplies: string[] };
    const problems: string[] = [];
    for (const h of out.udpReplies) {
      const p = check(Uint8Array.from(Buffer.from(h, "hex")), udpIds, true);
      if (p && problems.length < 10) problems.push(p);
    }
    let answers = 0;
    for (const h of out.tcpReplies) answers += checkStream(Uint8Array.from(Buffer.from(h, "hex")), problems);
    console.log(`fuzz (direct stack): ${out.udpSent} datagrams, ${out.udpReplies.length} answered; ${out.tcpStreams} TCP connections, ${answers} answers`);
    expect(problems, problems.join("\n")).toEqual([]);
    expect(out.udpSent).toBeGreaterThanOrEqual(1000);
    expect(out.udpReplies.length).toBeGreaterThan(out.udpSent / 10);
    expect(out.tcpStreams).toBeGreaterThanOrEqual(100);
    expect(answers).toBeGreaterThan(0);
    const dig = await ns.exec("dig", ["@10.77.0.2", "+time=3", "+tries=2", "+norec", "example.org", "SOA"]);
    expect(dig.stdout).toMatch(/status: NOERROR/);
    expect(dig.stdout).toMatch(/example\.org\.\s+3600\s+IN\s+SOA\s+ns1\.example\.org\. hostmaster\.example\.org\. 2026112501/);
    const kdig = await ns.exec("kdig", ["@10.77.0.2", "+tcp", "+keepopen", "+timeout=3", "example.org", "SOA", "www.example.org", "A"]);
    expect([...kdig.stdout.matchAll(/status: ([A-Z]+)/g)].map((m) => m[1])).toEqual(["NOERROR", "NOERROR"]);
    expectHealthy(app);
  }, 120_000);
});
