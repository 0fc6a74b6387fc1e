import { describe, expect, it } from "vitest";
import { Reassembler, type Fragment } from "./reassembly.ts";

const S = 1e9;

function data(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

/** Splits `payload` into fragments of `size` bytes (a multiple of 8). */
function split(payload: Uint8Array, size: number, id = 1): Fragment[] {
  const out: Fragment[] = [];
  for (let off = 0; off < payload.length; off += size) {
    const end = Math.min(off + size, payload.length);
    out.push({ src: 1, dst: 2, protocol: 17, id, offset: off, moreFragments: end < payload.length, payload: payload.subarray(off, end) });
  }
  return out;
}

describe("Reassembler", () => {
  it("reassembles in order", () => {
    const r = new Reassembler();
    const p = data(4000);
    const frags = split(p, 1480);
    expect(r.input(0, frags[0]!)).toBeUndefined();
    expect(r.input(0, frags[1]!)).toBeUndefined();
    const done = r.input(0, frags[2]!);
    expect(done?.payload).toEqual(p);
    expect(done).toMatchObject({ src: 1, dst: 2, protocol: 17 });
    expect(r.bytesHeld).toBe(0);
    expect(r.inProgress).toBe(0);
    expect(r.stats.reassembled).toBe(1);
  });

  it("reassembles out of order and ignores exact duplicates", () => {
    const r = new Reassembler();
    const p = data(3001, 3);
    const frags = split(p, 504);
    const order = [5, 3, 0, 3, 1, 4, 2];
    let result;
    for (const i of order) result = r.input(0, frags[i]!) ?? result;
    expect(result?.payload).toEqual(p);
  });

  it("keeps datagrams with different ids apart", () => {
    const r = new Reassembler();
    const a = split(data(100, 1), 64, 1);
    const b = split(data(100, 2), 64, 2);
    r.input(0, a[0]!);
    r.input(0, b[1]!);
    expect(r.input(0, a[1]!)?.payload).toEqual(data(100, 1));
    expect(r.input(0, b[0]!)?.payload).toEqual(data(100, 2));
  });

  it("discards a datagram with overlapping fragments, and its later fragments", () => {
    const r = new Reassembler();
    const p = data(200);
    r.input(0, { src: 1, dst: 2, protocol: 17, id: 9, offset: 0, moreFragments: true, payload: p.subarray(0, 96) });
    r.input(0, { src: 1, dst: 2, protocol: 17, id: 9, offset: 88, moreFragments: true, payload: p.subarray(88, 160) });
    expect(r.stats.overlap).toBe(1);
    expect(r.bytesHeld).toBe(0);
    expect(r.input(0, { src: 1, dst: 2, protocol: 17, id: 9, offset: 96, moreFragments: false, payload: p.subarray(96) })).toBeUndefined();
    expect(r.stats.discarded).toBe(1);
    // After the timeout the key is free again.
    r.poll(30 * S);
    expect(r.inProgress).toBe(0);
  });

  it("rejects inconsistent ends", () => {
    const r2 = new Reassembler();
    r2.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 80, moreFragments: false, payload: data(8) });
    r2.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 160, moreFragments: true, payload: data(8) });
    expect(r2.stats.overlap).toBe(1);
  });

  it("counts malformed fragments (non-multiple of 8, empty)", () => {
    const r = new Reassembler();
    expect(r.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 0, moreFragments: true, payload: data(12) })).toBeUndefined();
    expect(r.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 0, moreFragments: true, payload: data(0) })).toBeUndefined();
    expect(r.stats.malformed).toBe(2);
    expect(r.inProgress).toBe(0);
  });

  it("rejects datagrams longer than 65515 bytes of payload", () => {
    const r = new Reassembler();
    r.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 65512, moreFragments: false, payload: data(16) });
    expect(r.stats.too_large).toBe(1);
    expect(r.bytesHeld).toBe(0);
  });

  it("times out incomplete datagrams", () => {
    const r = new Reassembler({ timeoutNs: 30 * S });
    const frags = split(data(100), 64);
    r.input(5 * S, frags[0]!);
    expect(r.pollAt()).toBe(35 * S);
    r.poll(34 * S);
    expect(r.inProgress).toBe(1);
    r.poll(35 * S);
    expect(r.inProgress).toBe(0);
    expect(r.bytesHeld).toBe(0);
    expect(r.stats.timeout).toBe(1);
    expect(r.pollAt()).toBeUndefined();
    expect(r.input(36 * S, frags[1]!)).toBeUndefined(); // the first half is gone
  });

  it("bounds concurrent datagrams, evicting the oldest", () => {
    const r = new Reassembler({ maxDatagrams: 4 });
    for (let id = 0; id < 10; id++) r.input(id, split(data(100), 64, id)[0]!);
    expect(r.inProgress).toBe(4);
    expect(r.stats.evicted).toBe(6);
    expect(r.bytesHeld).toBe(4 * 64);
    expect(r.input(20, split(data(100), 64, 9)[1]!)?.payload).toEqual(data(100));
  });

  it("bounds fragments per datagram", () => {
    const r = new Reassembler({ maxFragments: 4 });
    const frags = split(data(80), 8);
    for (const f of frags.slice(0, 5)) r.input(0, f);
    expect(r.stats.too_many_fragments).toBe(1);
    expect(r.bytesHeld).toBe(0);
  });

  it("bounds total bytes under a flood of first fragments", () => {
    const r = new Reassembler({ maxTotalBytes: 10_000, maxDatagrams: 1000 });
    for (let id = 0; id < 1000; id++) r.input(0, { src: 1, dst: 2, protocol: 17, id, offset: 0, moreFragments: true, payload: data(1480) });
    expect(r.bytesHeld).toBeLessThanOrEqual(10_000);
    expect(r.inProgress).toBeLessThanOrEqual(7);
  });

  it("copies fragment payloads", () => {
    const r = new Reassembler();
    const buf = data(16);
    r.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 0, moreFragments: true, payload: buf.subarray(0, 8) });
    buf.fill(0);
    const done = r.input(0, { src: 1, dst: 2, protocol: 17, id: 1, offset: 8, moreFragments: false, payload: data(16).subarray(8) });
    expect(done?.payload).toEqual(data(16));
  });
});
