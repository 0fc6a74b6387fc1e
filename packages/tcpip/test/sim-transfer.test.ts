/**
 * The simulator proof (issue 3): two direct stacks (10.0.0.1 and 10.0.0.2, static) on
 * one netsim Switch, on virtual time, each sending 10 MB to the other at the same time
 * through the public Stack/Flow API (listen, connect, write, read, shutdown, close).
 * Every impairment alone and a combined profile must deliver both streams
 * byte-for-byte (SHA-256 of what was written equals SHA-256 of what was read), bad
 * frames must be counted by the layer that refused them, and a run must be a pure
 * function of its seed.
 *
 * The link has 1 ms of latency each way (RTT 2 ms); TCP runs with its defaults
 * (64 KiB buffers, SACK, timestamps, window scaling, RTO min 200 ms). Real time per
 * case, measured on the 2-core CI machine, is noted next to each case; virtual time
 * is what a 2 ms-RTT link would take.
 *
 * MTU. A switch is a layer-2 device: a frame larger than a link's MTU is dropped
 * silently, and no ICMP "fragmentation needed" can come back from it (RFC 1191 needs a
 * router). So, as on a real LAN, every host on one segment must be configured with an
 * MTU the segment carries. TCP then never sends a segment that does not fit: each side
 * announces MSS = MTU - 40 and sends no more than the smaller MSS, minus options. The
 * cases below check: switch MTU equal to the stacks' (1500), stacks configured smaller
 * (1000 on a 1000 switch), and hosts with different MTUs (1000 and 1500) on a 1000
 * switch, which works through the MSS exchange alone. A switch narrower than the hosts
 * is a black hole: the handshake (small segments) passes and the data never does, and
 * the connection fails with "timeout" after the retransmission limit, as Linux does
 * without tcp_mtu_probing (PLPMTUD, RFC 4821, is not implemented). IP fragmentation is
 * no way out either: it is the sender that fragments, to its own MTU.
 */
import type { Impairments } from "@mirage-ts/netsim";
import { describe, expect, it } from "vitest";
import type { Counters } from "../src/stats.ts";
import { bidirectionalTransfer, type TransferResult } from "./sim-harness.ts";

const MB10 = 10_000_000;
const LINK: Impairments = { latencyNs: 1_000_000 };
const TIMEOUT = 120_000;

function counter(c: Counters | { readonly [k: string]: unknown }, name: string): number {
  const v = (c as Record<string, unknown>)[name];
  return typeof v === "number" ? v : 0;
}

/** Sum of a counter over both stacks and the given layers. */
function sum(r: TransferResult, layers: ReadonlyArray<"ethernet" | "arp" | "ipv4" | "icmp" | "udp" | "tcp">, name: string): number {
  let n = 0;
  for (const s of [r.a, r.b]) for (const l of layers) n += counter(s[l], name);
  return n;
}

const ALL_LAYERS = ["ethernet", "arp", "ipv4", "icmp", "udp", "tcp"] as const;

/** Both streams complete and identical, nothing went wrong inside the stacks, no TCP segment was fragmented. */
function expectDelivered(r: TransferResult, bytes: number): void {
  expect(r.up.error).toBeUndefined();
  expect(r.down.error).toBeUndefined();
  expect(r.up.sent).toBe(bytes);
  expect(r.down.sent).toBe(bytes);
  expect(r.up.received).toBe(bytes);
  expect(r.down.received).toBe(bytes);
  expect(r.up.receivedHash).toBe(r.up.sentHash);
  expect(r.down.receivedHash).toBe(r.down.sentHash);
  expect(r.up.sentHash).not.toBe(r.down.sentHash);
  expect(r.a.internalErrors).toBe(0);
  expect(r.b.internalErrors).toBe(0);
  // Segments are sized to the MSS less their options: none needs IP fragmentation.
  expect(counter(r.a.ipv4, "txFragments") + counter(r.b.ipv4, "txFragments")).toBe(0);
}

function summary(name: string, r: TransferResult, ms: number): void {
  const rtx = r.tcpA.retransmissions + r.tcpB.retransmissions;
  const fast = r.tcpA.fastRetransmissions + r.tcpB.fastRetransmissions;
  console.log(`${name}: ${ms.toFixed(0)} ms real, ${(r.virtualNs / 1e9).toFixed(1)} s virtual, ${r.switch.sent} frames, impairments ${JSON.stringify(r.switch.impairments)}, retransmissions ${rtx} (fast ${fast})`);
}

async function timed(name: string, seed: number, impairments: Impairments, bytes = MB10, extra: Partial<Parameters<typeof bidirectionalTransfer>[0]> = {}): Promise<TransferResult> {
  const t0 = performance.now();
  const r = await bidirectionalTransfer({ seed, impairments: { ...LINK, ...impairments }, ...extra }, bytes);
  summary(name, r, performance.now() - t0);
  return r;
}

describe("10 MB each way at once between two direct stacks on the simulator", () => {
  // Each case takes well under a second of real time on the 2-core machine; the whole
  // file about 7 s. Virtual time with SACK recovery (RFC 6675): 10% loss 55 s, 30% loss
  // 1225 s, combined 28 s. At 30% loss timeouts still dominate: a lost retransmission
  // is only detected by the RTO (no RACK), hence the long virtual time.
  it("on a clean link, without a single retransmission", async () => {
    const r = await timed("clean", 1, {});
    expectDelivered(r, MB10);
    expect(r.tcpA.retransmissions + r.tcpB.retransmissions).toBe(0);
    expect(sum(r, ALL_LAYERS, "dropped")).toBe(0);
  }, TIMEOUT);

  it.each([
    ["1%", 0.01],
    ["10%", 0.1],
    ["30%", 0.3],
  ])("with %s loss", async (name, loss) => {
    const r = await timed(`loss ${name}`, 2, { loss });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.lost).toBeGreaterThan(r.switch.sent * loss * 0.8);
    expect(r.tcpA.retransmissions).toBeGreaterThan(0);
    expect(r.tcpB.retransmissions).toBeGreaterThan(0);
  }, TIMEOUT);

  it("with 10% duplication", async () => {
    const r = await timed("duplicate 10%", 3, { duplicate: 0.1 });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.duplicated).toBeGreaterThan(1000);
    // A duplicate is no loss: nothing is corrupt, nothing times out.
    expect(sum(r, ALL_LAYERS, "dropped")).toBe(0);
  }, TIMEOUT);

  it("with 10% reordering (held back 3 ms, longer than the RTT)", async () => {
    const r = await timed("reorder 10%", 4, { reorder: 0.1, reorderDelayNs: 3_000_000 });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.reordered).toBeGreaterThan(1000);
  }, TIMEOUT);

  it("with 5% corruption: every flipped bit is caught by a check and counted, never delivered", async () => {
    const r = await timed("corrupt 5%", 5, { corrupt: 0.05 });
    expectDelivered(r, MB10);
    const corrupted = r.switch.impairments.corrupted;
    expect(corrupted).toBeGreaterThan(1000);
    const badChecksum = sum(r, ["ipv4", "tcp"], "bad_checksum");
    expect(badChecksum).toBeGreaterThan(corrupted * 0.5);
    // What the stacks refused: bad checksums and malformed headers at every layer, frames
    // whose destination MAC or EtherType was hit. A flip in the source MAC or in the
    // padding of a short frame is harmless and not seen, so the count stays a bit lower.
    const refused = sum(r, ALL_LAYERS, "dropped") + sum(r, ["ethernet"], "not_for_us") + sum(r, ["ethernet"], "unknown_ethertype");
    expect(refused).toBeLessThanOrEqual(corrupted);
    expect(refused).toBeGreaterThan(corrupted * 0.85);
  }, TIMEOUT);

  it("with 5% truncation: cut frames are refused as truncated (or by checksum) and counted", async () => {
    const r = await timed("truncate 5%", 6, { truncate: 0.05 });
    expectDelivered(r, MB10);
    const truncated = r.switch.impairments.truncated;
    expect(truncated).toBeGreaterThan(1000);
    expect(sum(r, ["ethernet", "ipv4", "tcp"], "truncated")).toBeGreaterThan(truncated * 0.9);
    const refused = sum(r, ALL_LAYERS, "dropped");
    expect(refused).toBeLessThanOrEqual(truncated);
    expect(refused).toBeGreaterThan(truncated * 0.95);
  }, TIMEOUT);

  it("with trailing garbage on 20% of frames: ignored (IPv4 total length rules), nothing dropped or resent", async () => {
    const r = await timed("trailing 20%", 7, { trailing: 0.2 });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.trailing).toBeGreaterThan(2000);
    expect(sum(r, ALL_LAYERS, "dropped")).toBe(0);
    expect(r.tcpA.retransmissions + r.tcpB.retransmissions).toBe(0);
  }, TIMEOUT);

  it("with everything at once: 5% loss, 2% duplication, 5% reordering, 1% corruption, 1% truncation, 1% trailing bytes", async () => {
    const r = await timed("combined", 8, COMBINED);
    expectDelivered(r, MB10);
    const im = r.switch.impairments;
    for (const k of ["lost", "duplicated", "reordered", "corrupted", "truncated", "trailing"] as const) expect(im[k]).toBeGreaterThan(50);
    expect(sum(r, ["ipv4", "tcp"], "bad_checksum")).toBeGreaterThan(0);
    expect(sum(r, ["ethernet", "ipv4", "tcp"], "truncated")).toBeGreaterThan(0);
  }, TIMEOUT);
});

const COMBINED: Impairments = { loss: 0.05, duplicate: 0.02, reorder: 0.05, corrupt: 0.01, truncate: 0.01, trailing: 0.01 };

describe("MTU", () => {
  it("switch MTU equal to the stacks' (1500): full-sized frames pass", async () => {
    const r = await timed("mtu 1500/1500", 9, { mtu: 1500, loss: 0.01 });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.mtuDropped).toBe(0);
  }, TIMEOUT);

  it("stacks configured with the switch's smaller MTU (1000)", async () => {
    const r = await timed("mtu 1000/1000", 10, { mtu: 1000, loss: 0.01 }, MB10, { mtuA: 1000, mtuB: 1000 });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.mtuDropped).toBe(0);
    // 10 MB in segments of at most 1000 - 40 - 12 (timestamps) bytes, each way.
    expect(r.switch.sent).toBeGreaterThan((2 * MB10) / 948);
  }, TIMEOUT);

  it("hosts with different MTUs (1000 and 1500) on a 1000 switch: the MSS exchange keeps both under 1000", async () => {
    const r = await timed("mtu 1000+1500/1000", 11, { mtu: 1000 }, MB10, { mtuA: 1000, mtuB: 1500 });
    expectDelivered(r, MB10);
    expect(r.switch.impairments.mtuDropped).toBe(0);
  }, TIMEOUT);

  it("a switch narrower than the hosts is a black hole: the handshake passes, the data times out", async () => {
    const r = await timed("mtu 1500/1000 black hole", 12, { mtu: 1000 }, 200_000);
    expect(r.switch.impairments.mtuDropped).toBeGreaterThan(10);
    expect([r.up.error, r.down.error]).toContain("write: timeout");
    expect(r.up.received + r.down.received).toBeLessThan(2 * 200_000);
  }, TIMEOUT);
});

describe("reproducibility", () => {
  function fingerprint(r: TransferResult): unknown {
    return { virtualNs: r.virtualNs, switch: r.switch, a: r.a, b: r.b, up: r.up, down: r.down };
  }

  it("the same seed gives identical switch and TCP statistics; another seed does not", async () => {
    const one = await timed("combined seed 21", 21, COMBINED);
    const again = await timed("combined seed 21 again", 21, COMBINED);
    const other = await timed("combined seed 22", 22, COMBINED);
    for (const r of [one, again, other]) expectDelivered(r, MB10);
    expect(fingerprint(again)).toEqual(fingerprint(one));
    expect(again.tcpA).toEqual(one.tcpA);
    expect(again.tcpB).toEqual(one.tcpB);
    expect(other.switch.impairments).not.toEqual(one.switch.impairments);
    expect(other.tcpA.retransmissions === one.tcpA.retransmissions && other.tcpB.retransmissions === one.tcpB.retransmissions).toBe(false);
    expect(other.virtualNs).not.toBe(one.virtualNs);
  }, TIMEOUT);

  it("30% loss replays exactly too", async () => {
    const one = await timed("loss 30% seed 23", 23, { loss: 0.3 }, 2_000_000);
    const again = await timed("loss 30% seed 23 again", 23, { loss: 0.3 }, 2_000_000);
    expectDelivered(one, 2_000_000);
    expect(fingerprint(again)).toEqual(fingerprint(one));
  }, TIMEOUT);
});
