import { describe, expect, it } from "vitest";
import type { TcpOptions } from "./config.ts";
import { IsnGenerator } from "./isn.ts";
import { RecvBuffer } from "./recv-buffer.ts";
import { A, B, captureLayer, Clock, MS, type Sent } from "./test-harness.ts";
import { F, scripted, seg, tick } from "./test-peer.ts";
import type { TcpLayer } from "./types.ts";

describe("out-of-order reassembly and SACK (RFC 2018)", () => {
  it("reports held ranges, newest first, and delivers in order once holes fill", async () => {
    const s = await scripted({}, { mss: 1460, sackPermitted: true });
    const data = Uint8Array.from({ length: 400 }, (_, i) => i & 255);
    const part = (i: number) => data.subarray(i * 100, i * 100 + 100);
    const base = s.theirs;
    s.send({ flags: F.ACK, ack: s.ours, seq: base + 100, payload: part(1) });
    expect(s.take()).toMatchObject([{ ack: base, options: { sack: [[base + 100, base + 200]] } }]);
    s.send({ flags: F.ACK, ack: s.ours, seq: base + 300, payload: part(3) });
    expect(s.take()).toMatchObject([{ ack: base, options: { sack: [[base + 300, base + 400], [base + 100, base + 200]] } }]);
    s.send({ flags: F.ACK, ack: s.ours, seq: base, payload: part(0) });
    expect(s.take()).toMatchObject([{ ack: base + 200, options: { sack: [[base + 300, base + 400]] } }]);
    s.send({ flags: F.ACK, ack: s.ours, seq: base + 200, payload: part(2) });
    const last = s.take()[0]!;
    expect(last.ack).toBe(base + 400);
    expect(last.options.sack).toBeUndefined();
    const r = await s.flow.read();
    expect(r.ok && Array.from(r.value!)).toEqual(Array.from(data));
  });

  it("bounds the range table and wraps around the sequence space", () => {
    const rb = new RecvBuffer(4096, 2);
    const d = new Uint8Array(10).fill(1);
    const nxt = 0xfffffffa;
    expect(rb.write(nxt, (nxt + 20) >>> 0, d, 0, 10)).toBe(0);
    expect(rb.write(nxt, (nxt + 40) >>> 0, d, 0, 10)).toBe(0);
    expect(rb.write(nxt, (nxt + 60) >>> 0, d, 0, 10)).toBe(-1); // a third range: dropped
    expect(rb.write(nxt, (nxt + 30) >>> 0, d, 0, 10)).toBe(0); // joins two ranges
    expect(rb.sackBlocks(4)).toEqual([[(nxt + 20) >>> 0, (nxt + 50) >>> 0]]);
    expect(rb.write(nxt, nxt, new Uint8Array(20).fill(2), 0, 20)).toBe(50);
    expect(rb.readable).toBe(50);
    expect(rb.hasOutOfOrder).toBe(false);
    const out = rb.read(100);
    expect(out.length).toBe(50);
    expect(out[0]).toBe(2);
    expect(out[49]).toBe(1);
  });
});

describe("SYN floods and the accept queue", () => {
  it("keeps half-open connections bounded under a SYN flood and still accepts a real client", async () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock, { maxHalfOpen: 64 });
    const flows: unknown[] = [];
    layer.listen(80, (f) => void flows.push(f));
    for (let i = 0; i < 20_000; i++) {
      layer.input((0xc0a80000 + (i & 0xffff)) >>> 0, A, seg({ srcPort: 1024 + (i % 60000), seq: i * 7919, flags: F.SYN }));
      if (i % 1000 === 0) clock.now += 1 * MS;
    }
    const st = layer.stats();
    expect(st.halfOpen).toBe(64);
    expect(st.connectionsOpen).toBe(64);
    expect(st.droppedHalfOpen).toBe(20_000 - 64);
    out.length = 0;
    // A genuine client completes its handshake within an RTT.
    layer.input(B, A, seg({ srcPort: 5555, seq: 42, flags: F.SYN }));
    const sa = out.pop()!.seg;
    layer.input(B, A, seg({ srcPort: 5555, seq: 43, ack: (sa.seq + 1) >>> 0, flags: F.ACK }));
    await tick();
    expect(flows).toHaveLength(1);
    // The flood's half-open connections give up after their SYN-ACK retransmissions.
    for (;;) {
      const at = layer.pollAt();
      if (at === undefined || layer.stats().halfOpen === 0) break;
      clock.now = at;
      layer.poll();
    }
    expect(layer.stats().halfOpen).toBe(0);
    expect(layer.stats().connectionsOpen).toBe(1);
  });

  it("bounds the accept queue: completing ACKs beyond the backlog are dropped", async () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    const flows: unknown[] = [];
    layer.listen(80, (f) => void flows.push(f), { backlog: 2 });
    const isns: number[] = [];
    for (let i = 0; i < 5; i++) {
      layer.input(B, A, seg({ srcPort: 3000 + i, seq: 100, flags: F.SYN }));
      isns.push(out.pop()!.seg.seq);
    }
    for (let i = 0; i < 5; i++) layer.input(B, A, seg({ srcPort: 3000 + i, seq: 101, ack: (isns[i]! + 1) >>> 0, flags: F.ACK }));
    expect(layer.stats().droppedBacklogFull).toBe(3);
    expect(layer.stats().halfOpen).toBe(3);
    await tick();
    expect(flows).toHaveLength(2);
    // With the queue drained, the peers' retransmitted ACKs get in.
    for (let i = 2; i < 5; i++) layer.input(B, A, seg({ srcPort: 3000 + i, seq: 101, ack: (isns[i]! + 1) >>> 0, flags: F.ACK }));
    await tick();
    expect(flows).toHaveLength(4);
  });

  it("refuses non-SYN segments to a listener with RST", () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    layer.listen(80, () => {});
    layer.input(B, A, seg({ seq: 1, ack: 777, flags: F.ACK }));
    expect(out[0]!.seg).toMatchObject({ flags: F.RST, seq: 777 });
    layer.input(B, A, seg({ seq: 1, flags: F.SYN | F.FIN }));
    expect(layer.stats().droppedBad).toBe(2);
  });
});

describe("ISNs (RFC 6528)", () => {
  it("differ per 4-tuple and advance with the 4 microsecond clock", () => {
    const g = new IsnGenerator(new Uint8Array(32).fill(9));
    const a = g.isn(0, A, 80, B, 4000);
    const b = g.isn(0, A, 80, B, 4001);
    expect(a).not.toBe(b);
    expect(g.isn(4000 * 1000, A, 80, B, 4000)).toBe((a + 1000) >>> 0);
    const other = new IsnGenerator(new Uint8Array(32).fill(1));
    expect(other.isn(0, A, 80, B, 4000)).not.toBe(a);
    expect(() => new IsnGenerator(new Uint8Array(16))).toThrow(RangeError);
  });
});

describe("stack-facing operations", () => {
  it("fails a SYN-SENT connect on ICMP port unreachable and ignores soft errors later", async () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    const p = layer.connect("10.0.0.2", 9);
    const syn = out.shift()!.seg;
    layer.unreachable(A, B, syn.srcPort, 9, 4); // fragmentation needed: not a reachability error
    expect(layer.stats().connectionsOpen).toBe(1);
    layer.unreachable(A, B, syn.srcPort, 9, 3);
    expect(await p).toMatchObject({ ok: false, error: { code: "refused" } });
  });

  it("shutdownAll resets established connections and their flows see the error", async () => {
    const s = await scripted();
    s.take();
    s.layer.shutdownAll();
    expect(s.take()[0]!.flags & F.RST).toBe(F.RST);
    expect(s.layer.stats().connectionsOpen).toBe(0);
    expect(await s.flow.read()).toMatchObject({ ok: false, error: { code: "closed" } });
    expect(await s.flow.write(new Uint8Array(1))).toMatchObject({ ok: false });
  });

  it("lets a new SYN reuse a pair in TIME-WAIT when it starts beyond the old sequence space", async () => {
    const s = await scripted({ mslMs: 30_000 });
    await s.flow.close();
    s.send({ flags: F.ACK, ack: (s.ours + 1) >>> 0 });
    s.send({ flags: F.ACK | F.FIN, ack: (s.ours + 1) >>> 0 });
    expect(s.layer.stats().timeWait).toBe(1);
    s.take();
    s.send({ flags: F.SYN, seq: s.theirs + 100_000 });
    expect(s.take()[0]!.flags).toBe(F.SYN | F.ACK);
    expect(s.layer.stats().timeWait).toBe(0);
    expect(s.layer.stats().halfOpen).toBe(1);
  });
});

describe("timers with thousands of connections", () => {
  /** Opens n connections from B, each accepted and closed at once by the app, and brings them to TIME-WAIT 1 ms apart. */
  async function fillTimeWait(n: number, options?: TcpOptions): Promise<{ clock: Clock; layer: TcpLayer; out: Sent[]; entered: number[] }> {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock, options);
    layer.listen(80, (f) => void f.close(), { backlog: n });
    const isns: number[] = [];
    for (let i = 0; i < n; i++) {
      layer.input(B, A, seg({ srcPort: 10_000 + i, seq: 100, flags: F.SYN }));
      isns.push(out.pop()!.seg.seq);
      layer.input(B, A, seg({ srcPort: 10_000 + i, seq: 101, ack: (isns[i]! + 1) >>> 0, flags: F.ACK }));
    }
    await tick(); // the app closes every flow: FIN-WAIT-1
    out.length = 0;
    const entered: number[] = [];
    for (let i = 0; i < n; i++) {
      clock.now += MS;
      layer.input(B, A, seg({ srcPort: 10_000 + i, seq: 101, ack: (isns[i]! + 2) >>> 0, flags: F.ACK | F.FIN }));
      entered.push(clock.now);
    }
    return { clock, layer, out, entered };
  }

  it("pollAt is the oldest TIME-WAIT expiry, and poll expires exactly the due ones", async () => {
    const n = 3000;
    const { clock, layer, out, entered } = await fillTimeWait(n, { mslMs: 10_000 });
    expect(layer.stats().timeWait).toBe(n);
    expect(out.every((o) => o.seg.flags === F.ACK)).toBe(true);
    const tw = 20_000 * MS; // 2 MSL
    // A live connection's earlier timer comes first.
    out.length = 0;
    const p = layer.connect("10.0.0.2", 7);
    const synAt = clock.now;
    const synPort = out[0]!.seg.srcPort;
    expect(layer.pollAt()).toBe(synAt + 1000 * MS); // the SYN's initial RTO (RFC 6298: 1 s)
    clock.now = synAt + 1000 * MS;
    layer.poll();
    expect(out).toHaveLength(2); // retransmitted SYN, nothing else fired
    expect(layer.pollAt()).toBe(synAt + 3000 * MS); // backed off to 2 s
    layer.unreachable(A, B, synPort, 7, 3);
    expect(await p).toMatchObject({ ok: false, error: { code: "refused" } });
    // Then the TIME-WAIT order.
    expect(layer.pollAt()).toBe(entered[0]! + tw);
    // A poll before anything is due changes nothing.
    layer.poll();
    expect(layer.stats().timeWait).toBe(n);
    // Jump to the 1000th expiry: exactly 1000 go, and the next deadline is the 1001st.
    clock.now = entered[999]! + tw;
    layer.poll();
    expect(layer.stats().timeWait).toBe(n - 1000);
    expect(layer.pollAt()).toBe(entered[1000]! + tw);
    // Then one at a time.
    for (let i = 1000; i < 1100; i++) {
      clock.now = layer.pollAt()!;
      expect(clock.now).toBe(entered[i]! + tw);
      layer.poll();
      expect(layer.stats().timeWait).toBe(n - i - 1);
    }
    layer.shutdownAll();
    expect(layer.pollAt()).toBeUndefined();
    expect(layer.stats().connectionsOpen).toBe(0);
  });

  it("evicted TIME-WAIT connections leave no stale deadline behind", async () => {
    const { clock, layer, entered } = await fillTimeWait(3000, { mslMs: 1000, maxTimeWait: 1000 });
    expect(layer.stats().timeWait).toBe(1000);
    // The 2000 oldest were evicted: the next deadline is the oldest survivor's.
    expect(layer.pollAt()).toBe(entered[2000]! + 2000 * MS);
    let polls = 0;
    for (let at = layer.pollAt(); at !== undefined; at = layer.pollAt()) {
      clock.now = at;
      layer.poll();
      polls++;
    }
    expect(layer.stats().timeWait).toBe(0);
    expect(layer.stats().connectionsOpen).toBe(0);
    expect(polls).toBe(1000);
  });
});
