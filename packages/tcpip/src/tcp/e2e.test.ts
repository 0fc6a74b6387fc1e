import { describe, expect, it } from "vitest";
import type { Flow } from "@mirage-ts/devices";
import { tcpLen } from "@mirage-ts/wire";
import { Link, MS, type Impairments } from "./test-harness.ts";

const flush = () => new Promise<void>((r) => setImmediate(r));

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function readAll(flow: Flow): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await flow.read();
    if (!r.ok) throw new Error(`read failed: ${r.error.code}`);
    if (r.value === null) break;
    parts.push(r.value);
    total += r.value.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

async function writeInChunks(flow: Flow, data: Uint8Array, chunk: number): Promise<void> {
  for (let o = 0; o < data.length; o += chunk) {
    const r = await flow.write(data.subarray(o, Math.min(o + chunk, data.length)));
    if (!r.ok) throw new Error(`write failed: ${r.error.code}`);
  }
  await flow.shutdown("write");
}

async function transfer(seed: number, impair: Impairments, size: number, trace = false) {
  const link = new Link(seed, impair);
  link.traceOn = trace;
  const up = pattern(size, 1);
  const down = pattern(size, 2);
  let serverGot: Uint8Array | null = null;
  let clientGot: Uint8Array | null = null;
  let serverClosed = false;
  link.b.listen(80, async (flow) => {
    const reading = readAll(flow);
    await writeInChunks(flow, down, 10_000);
    serverGot = await reading;
    await flow.close();
    serverClosed = true;
  });
  const pending = link.a.connect("10.0.0.2", 80);
  const client = (async () => {
    const r = await pending;
    if (!r.ok) throw new Error(`connect failed: ${r.error.code}`);
    const flow = r.value;
    const reading = readAll(flow);
    await writeInChunks(flow, up, 7_000);
    clientGot = await reading;
    await flow.close();
  })();
  let failure: unknown = null;
  client.catch((e) => (failure = e));
  const ok = await link.run(() => failure !== null || (clientGot !== null && serverGot !== null && serverClosed), flush);
  if (failure) throw failure;
  expect(ok).toBe(true);
  expect(clientGot!.length).toBe(size);
  expect(serverGot!.length).toBe(size);
  expect(Buffer.compare(Buffer.from(clientGot!), Buffer.from(down))).toBe(0);
  expect(Buffer.compare(Buffer.from(serverGot!), Buffer.from(up))).toBe(0);
  // Both sides wind down: TIME-WAIT expires and every connection is released.
  await link.run(() => link.a.stats().connectionsOpen === 0 && link.b.stats().connectionsOpen === 0, flush);
  expect(link.a.stats().connectionsOpen).toBe(0);
  expect(link.b.stats().connectionsOpen).toBe(0);
  return link;
}

describe("two TCP layers back to back", () => {
  it("moves 1 MB each way byte for byte on a clean link", async () => {
    const link = await transfer(7, {}, 1 << 20);
    expect(link.a.stats().retransmissions).toBe(0);
    expect(link.b.stats().retransmissions).toBe(0);
    // A window-limited 1 MB at 1 ms one-way takes well under a (simulated) minute.
    expect(link.clock.now).toBeLessThan(60_000 * MS);
  });

  it("moves 1 MB each way intact through 10% loss, reordering and duplication", async () => {
    const link = await transfer(42, { loss: 0.1, reorder: 0.2, duplicate: 0.05, jitter: 2 * MS }, 1 << 20);
    expect(link.dropped).toBeGreaterThan(100);
    expect(link.a.stats().retransmissions + link.b.stats().retransmissions).toBeGreaterThan(0);
  });

  it("keeps data segments carrying SACK blocks within the MSS, so they never need IP fragmentation", async () => {
    const link = await transfer(5, { loss: 0.1 }, 256 * 1024, true);
    const withSack = link.trace.filter((t) => t.seg.options.sack !== undefined && t.seg.payload.length > 0);
    expect(withSack.length).toBeGreaterThan(10);
    // The link's MSS is 1460: header, options and payload together fit a 1500-byte packet less the IPv4 header.
    for (const t of link.trace) expect(tcpLen(t.seg)).toBeLessThanOrEqual(1460 + 20);
  });
});
