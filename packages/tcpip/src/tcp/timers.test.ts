import { describe, expect, it } from "vitest";
import { captureLayer, Clock, MS } from "./test-harness.ts";
import { F, runTimers, scripted, tick } from "./test-peer.ts";

describe("retransmission (RFC 6298)", () => {
  it("retransmits a SYN with exponential backoff and fails connect with timeout", async () => {
    const clock = new Clock();
    const t0 = clock.now;
    const { layer, out } = captureLayer(clock, { maxSynRetransmissions: 3 });
    const pending = layer.connect("10.0.0.2", 80);
    let result: unknown;
    void pending.then((r) => (result = r));
    for (;;) {
      const at = layer.pollAt();
      if (at === undefined) break;
      clock.now = at;
      layer.poll();
    }
    await tick();
    expect(out.map((o) => (o.seg.flags === F.SYN ? (clock.now, 1) : 0))).toEqual([1, 1, 1, 1]);
    // Sent at 0, 1, 3, 7 s; given up at 15 s.
    expect(clock.now - t0).toBe(15_000 * MS);
    expect(result).toMatchObject({ ok: false, error: { code: "timeout" } });
    expect(layer.stats().timeouts).toBe(1);
    expect(layer.stats().connectionsOpen).toBe(0);
  });

  it("backs off data retransmissions and gives up after maxRetransmissions", async () => {
    const s = await scripted({ maxRetransmissions: 4, rtoMinMs: 200 });
    void s.flow.write(new Uint8Array(100));
    await tick();
    const first = s.take();
    expect(first).toHaveLength(1);
    const times: number[] = [];
    const start = s.clock.now;
    for (;;) {
      const at = s.layer.pollAt();
      if (at === undefined) break;
      s.clock.now = at;
      s.layer.poll();
      if (s.out.length > 0) times.push((s.clock.now - start) / MS);
      s.take();
    }
    // The handshake's RTT sample (0 in this fake world) puts the RTO at its 200 ms floor; it doubles.
    expect(times).toEqual([200, 600, 1400, 3000]);
    expect((s.clock.now - start) / MS).toBe(6200);
    expect(await s.flow.read()).toMatchObject({ ok: false, error: { code: "timeout" } });
    expect(s.layer.stats().retransmissions).toBe(4);
  });

  it("fast-retransmits on the third duplicate ACK before the timer (RFC 5681 3.2)", async () => {
    const s = await scripted({ nagle: false });
    // Grow cwnd first: ACK a few segments one by one.
    void s.flow.write(new Uint8Array(30 * 1460));
    await tick();
    let acked = 0;
    for (let i = 0; i < 4; i++) {
      const segs = s.take();
      acked += segs.reduce((n, x) => n + x.payload.length, 0);
      s.send({ flags: F.ACK, ack: (s.ours + acked) >>> 0 });
      await tick();
    }
    const inflight = s.take();
    expect(inflight.length).toBeGreaterThanOrEqual(4);
    const lost = inflight[0]!;
    const before = s.layer.stats().retransmissions;
    for (let i = 0; i < 2; i++) s.send({ flags: F.ACK, ack: lost.seq });
    expect(s.take()).toHaveLength(0);
    s.send({ flags: F.ACK, ack: lost.seq });
    const rtx = s.take();
    expect(rtx[0]).toMatchObject({ seq: lost.seq });
    expect(rtx[0]!.payload.length).toBe(lost.payload.length);
    expect(s.layer.stats().fastRetransmissions).toBe(1);
    expect(s.layer.stats().retransmissions).toBe(before + 1);
  });
});

describe("persist, delayed ACK, Nagle, keepalive", () => {
  it("probes a zero window with one byte, backing off, and resumes when it opens", async () => {
    const s = await scripted({ nagle: false });
    s.send({ flags: F.ACK, ack: s.ours, window: 0 });
    void s.flow.write(new Uint8Array(5000).fill(7));
    await tick();
    expect(s.take()).toHaveLength(0);
    const probes: number[] = [];
    const start = s.clock.now;
    for (let i = 0; i < 3; i++) {
      runTimers(s, s.layer.pollAt()!);
      const out = s.take();
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ seq: s.ours });
      expect(out[0]!.payload.length).toBe(1);
      probes.push((s.clock.now - start) / MS);
      s.send({ flags: F.ACK, ack: s.ours, window: 0 });
    }
    // Each interval doubles (the persist backoff).
    expect(probes[1]! - probes[0]!).toBe(2 * probes[0]!);
    expect(probes[2]! - probes[1]!).toBe(4 * probes[0]!);
    expect(s.layer.stats().connectionsOpen).toBe(1);
    // The peer takes the probe byte and opens its window.
    s.send({ flags: F.ACK, ack: (s.ours + 1) >>> 0, window: 65535 });
    await tick();
    const out = s.take();
    // Limited by the initial congestion window, 3 * 1460 (RFC 5681 3.1).
    expect(out.reduce((n, x) => n + x.payload.length, 0)).toBe(4380);
  });

  it("delays the ACK of one segment and ACKs every second full segment at once", async () => {
    const s = await scripted({ delayedAckMs: 40 });
    s.send({ flags: F.ACK, ack: s.ours, payload: new Uint8Array(100) });
    s.theirs += 100;
    expect(s.take()).toHaveLength(0);
    runTimers(s, s.clock.now + 39 * MS);
    expect(s.take()).toHaveLength(0);
    runTimers(s, s.clock.now + 1 * MS);
    expect(s.take()).toMatchObject([{ flags: F.ACK, ack: s.theirs }]);
    s.send({ flags: F.ACK, ack: s.ours, payload: new Uint8Array(1460) });
    s.theirs += 1460;
    expect(s.take()).toHaveLength(0);
    s.send({ flags: F.ACK, ack: s.ours, payload: new Uint8Array(1460) });
    s.theirs += 1460;
    expect(s.take()).toMatchObject([{ flags: F.ACK, ack: s.theirs }]);
  });

  it("holds small writes while data is unacknowledged (Nagle)", async () => {
    const s = await scripted();
    await s.flow.write(new Uint8Array([1]));
    await s.flow.write(new Uint8Array([2]));
    await s.flow.write(new Uint8Array([3]));
    const out = s.take();
    expect(out.map((x) => x.payload.length)).toEqual([1]);
    s.send({ flags: F.ACK, ack: (s.ours + 1) >>> 0 });
    expect(s.take().map((x) => Array.from(x.payload))).toEqual([[2, 3]]);
  });

  it("sends keepalive probes on an idle connection and times out without answers", async () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock, { keepaliveIdleMs: 10_000, keepaliveIntervalMs: 1000, keepaliveProbes: 3 });
    let flowSeen = false;
    layer.listen(80, () => void (flowSeen = true), { keepalive: true });
    const { seg } = await import("./test-peer.ts");
    layer.input(0x0a000002, 0x0a000001, seg({ seq: 10, flags: F.SYN, options: { mss: 1460 } }));
    const iss = out.pop()!.seg.seq;
    layer.input(0x0a000002, 0x0a000001, seg({ seq: 11, ack: (iss + 1) >>> 0, flags: F.ACK }));
    await tick();
    expect(flowSeen).toBe(true);
    const t0 = clock.now;
    const sentAt: number[] = [];
    for (;;) {
      const at = layer.pollAt();
      if (at === undefined) break;
      clock.now = at;
      layer.poll();
      for (const o of out.splice(0)) {
        expect(o.seg.seq).toBe(iss); // SND.NXT - 1
        sentAt.push((clock.now - t0) / MS);
      }
    }
    expect(sentAt).toEqual([10_000, 11_000, 12_000]);
    expect((clock.now - t0) / MS).toBe(13_000);
    expect(layer.stats().timeouts).toBe(1);
  });
});
