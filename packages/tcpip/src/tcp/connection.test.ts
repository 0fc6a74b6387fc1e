import { describe, expect, it } from "vitest";
import { A, B, captureLayer, Clock, MS } from "./test-harness.ts";
import { F, NONE, runTimers, scripted, seg, tick } from "./test-peer.ts";

const enc = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array) => String.fromCharCode(...b);

describe("handshakes", () => {
  it("answers a SYN with a SYN-ACK carrying MSS, window scale, SACK-permitted and timestamps", () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    layer.listen(80, () => {});
    layer.input(B, A, seg({ seq: 999, flags: F.SYN, options: { mss: 1400, windowScale: 7, sackPermitted: true, timestamp: { value: 5, echo: 0 } } }));
    expect(out).toHaveLength(1);
    const sa = out[0]!.seg;
    expect(sa.flags).toBe(F.SYN | F.ACK);
    expect(sa.ack).toBe(1000);
    expect(sa.options.mss).toBe(1460);
    expect(sa.options.windowScale).toBe(1); // 64 KiB buffer needs one bit
    expect(sa.options.sackPermitted).toBe(true);
    expect(sa.options.timestamp?.echo).toBe(5);
    expect(layer.stats().halfOpen).toBe(1);
  });

  it("omits options the SYN did not offer", () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    layer.listen(80, () => {});
    layer.input(B, A, seg({ seq: 1, flags: F.SYN, options: { mss: 1000 } }));
    const o = out[0]!.seg.options;
    expect(o.windowScale).toBeUndefined();
    expect(o.sackPermitted).toBeUndefined();
    expect(o.timestamp).toBeUndefined();
  });

  it("resets segments to closed ports (RFC 9293 3.10.7.1)", () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    layer.input(B, A, seg({ seq: 100, flags: F.SYN, payload: NONE }));
    expect(out[0]!.seg).toMatchObject({ flags: F.RST | F.ACK, seq: 0, ack: 101, srcPort: 80, dstPort: 4000 });
    layer.input(B, A, seg({ seq: 100, ack: 5555, flags: F.ACK, payload: enc("xy") }));
    expect(out[1]!.seg).toMatchObject({ flags: F.RST, seq: 5555 });
    layer.input(B, A, seg({ seq: 100, flags: F.RST }));
    expect(out).toHaveLength(2);
    expect(layer.stats().droppedNoListener).toBe(3);
  });

  it("completes a simultaneous open (SYN-SENT -> SYN-RECEIVED -> ESTABLISHED)", async () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    const pending = layer.connect("10.0.0.2", 80);
    const syn = out.shift()!.seg;
    expect(syn.flags).toBe(F.SYN);
    // The peer's own SYN crosses ours.
    layer.input(B, A, seg({ srcPort: 80, dstPort: syn.srcPort, seq: 7000, flags: F.SYN, options: { mss: 1460 } }));
    const synack = out.shift()!.seg;
    expect(synack.flags).toBe(F.SYN | F.ACK);
    expect(synack.seq).toBe(syn.seq);
    expect(synack.ack).toBe(7001);
    // Then its SYN-ACK for our SYN.
    layer.input(B, A, seg({ srcPort: 80, dstPort: syn.srcPort, seq: 7000, ack: (syn.seq + 1) >>> 0, flags: F.SYN | F.ACK, options: { mss: 1460 } }));
    const r = await pending;
    expect(r.ok).toBe(true);
    layer.input(B, A, seg({ srcPort: 80, dstPort: syn.srcPort, seq: 7001, ack: (syn.seq + 1) >>> 0, flags: F.ACK | F.PSH, payload: enc("hi") }));
    const got = r.ok ? await r.value.read() : null;
    expect(got?.ok && got.value && dec(got.value)).toBe("hi");
  });

  it("fails a connect refused by RST and one to an unreachable network", async () => {
    const clock = new Clock();
    const { layer, out } = captureLayer(clock);
    const p1 = layer.connect("10.0.0.2", 81);
    const syn = out.shift()!.seg;
    layer.input(B, A, seg({ srcPort: 81, dstPort: syn.srcPort, seq: 0, ack: (syn.seq + 1) >>> 0, flags: F.RST | F.ACK }));
    expect(await p1).toMatchObject({ ok: false, error: { code: "refused" } });
    const p2 = layer.connect("10.0.0.2", 82);
    const syn2 = out.shift()!.seg;
    layer.unreachable(A, B, syn2.srcPort, 82, 1);
    expect(await p2).toMatchObject({ ok: false, error: { code: "unreachable" } });
    expect(() => layer.connect("10.0.0", 1)).toThrow(TypeError);
    expect(() => layer.connect("10.0.0.1", 0)).toThrow(RangeError);
  });
});

describe("data and close", () => {
  it("delivers in-order data and closes passively (CLOSE-WAIT -> LAST-ACK -> CLOSED)", async () => {
    const s = await scripted();
    s.send({ flags: F.ACK | F.PSH, ack: s.ours, payload: enc("hello") });
    const r = await s.flow.read();
    expect(r.ok && r.value && dec(r.value)).toBe("hello");
    s.theirs += 5;
    s.send({ flags: F.ACK | F.FIN, ack: s.ours });
    s.theirs += 1;
    const acks = s.take();
    expect(acks.at(-1)).toMatchObject({ flags: F.ACK, ack: s.theirs });
    expect(await s.flow.read()).toEqual({ ok: true, value: null });
    await s.flow.close();
    const fin = s.take().at(-1)!;
    expect(fin.flags & F.FIN).toBe(F.FIN);
    s.send({ flags: F.ACK, ack: (s.ours + 1) >>> 0 });
    expect(s.layer.stats().connectionsOpen).toBe(0);
  });

  it("closes actively through FIN-WAIT-1, FIN-WAIT-2 and TIME-WAIT for 2*MSL", async () => {
    const s = await scripted({ mslMs: 1000 });
    await s.flow.close();
    const fin = s.take()[0]!;
    expect(fin.flags).toBe(F.FIN | F.ACK);
    s.send({ flags: F.ACK, ack: (s.ours + 1) >>> 0 });
    s.send({ flags: F.ACK | F.FIN, ack: (s.ours + 1) >>> 0 });
    expect(s.take().at(-1)).toMatchObject({ flags: F.ACK, ack: s.theirs + 1 });
    expect(s.layer.stats().timeWait).toBe(1);
    // A retransmitted FIN is ACKed again and restarts the timer.
    s.advance(1500 * MS);
    s.send({ flags: F.ACK | F.FIN, ack: (s.ours + 1) >>> 0 });
    expect(s.take().at(-1)).toMatchObject({ flags: F.ACK, ack: s.theirs + 1 });
    s.advance(1999 * MS);
    expect(s.layer.stats().timeWait).toBe(1);
    s.advance(2 * MS);
    expect(s.layer.stats().timeWait).toBe(0);
    expect(s.layer.stats().connectionsOpen).toBe(0);
  });

  it("handles a simultaneous close (FIN-WAIT-1 -> CLOSING -> TIME-WAIT)", async () => {
    const s = await scripted({ mslMs: 1000 });
    await s.flow.shutdown("write");
    expect(s.take()[0]!.flags).toBe(F.FIN | F.ACK);
    // The peer's FIN crosses ours and does not acknowledge it.
    s.send({ flags: F.ACK | F.FIN, ack: s.ours });
    expect(s.take().at(-1)).toMatchObject({ flags: F.ACK, ack: s.theirs + 1 });
    expect(s.layer.stats().timeWait).toBe(0); // CLOSING
    s.theirs += 1;
    s.send({ flags: F.ACK, ack: (s.ours + 1) >>> 0 });
    expect(s.layer.stats().timeWait).toBe(1);
    s.advance(2001 * MS);
    expect(s.layer.stats().connectionsOpen).toBe(0);
  });

  it("resets when the application closes with unread data (RFC 1122 4.2.2.13)", async () => {
    const s = await scripted();
    s.send({ flags: F.ACK, ack: s.ours, payload: enc("unread") });
    s.take();
    await s.flow.close();
    expect(s.take()[0]!.flags & F.RST).toBe(F.RST);
    expect(s.layer.stats().connectionsOpen).toBe(0);
  });

  it("applies backpressure: write resolves only when the data fits the send buffer", async () => {
    const s = await scripted({ sendBufferSize: 4096, nagle: false });
    let done = false;
    void s.flow.write(new Uint8Array(10_000)).then(() => (done = true));
    await tick();
    expect(done).toBe(false);
    const sent = s.take().reduce((n, x) => n + x.payload.length, 0);
    expect(sent).toBe(4096);
    s.send({ flags: F.ACK, ack: (s.ours + 4096) >>> 0 });
    await tick();
    s.send({ flags: F.ACK, ack: (s.ours + 8192) >>> 0 });
    await tick();
    expect(done).toBe(true);
  });
});

describe("RFC 5961 and RFC 7323 defences", () => {
  it("challenges an in-window RST and a SYN, and honours an exact RST", async () => {
    const s = await scripted();
    s.send({ flags: F.RST, seq: s.theirs + 100 });
    expect(s.take()).toMatchObject([{ flags: F.ACK, ack: s.theirs }]);
    expect(s.layer.stats().connectionsOpen).toBe(1);
    s.send({ flags: F.SYN, seq: s.theirs + 5000 });
    expect(s.take()).toMatchObject([{ flags: F.ACK, ack: s.theirs }]);
    expect(s.layer.stats().challengeAcks).toBe(2);
    s.send({ flags: F.RST, seq: s.theirs + 200_000 }); // outside the window: ignored
    expect(s.take()).toHaveLength(0);
    s.send({ flags: F.RST });
    expect(s.layer.stats().connectionsOpen).toBe(0);
    expect(await s.flow.read()).toMatchObject({ ok: false, error: { code: "reset" } });
  });

  it("drops an ACK for data never sent and ACKs back", async () => {
    const s = await scripted();
    s.send({ flags: F.ACK, ack: s.ours + 10, payload: enc("x") });
    expect(s.take()).toMatchObject([{ flags: F.ACK, ack: s.theirs }]);
    expect(s.layer.stats().droppedBad).toBe(1);
  });

  it("rejects an old segment by PAWS and scales the peer's window", async () => {
    const s = await scripted({ nagle: false }, { mss: 1460, windowScale: 4, timestamp: { value: 1000, echo: 0 } }, 65535);
    s.send({ flags: F.ACK, ack: s.ours, window: 100, options: { timestamp: { value: 1010, echo: 0 } }, payload: enc("new") });
    s.theirs += 3;
    s.send({ flags: F.ACK, ack: s.ours, window: 100, options: { timestamp: { value: 900, echo: 0 } }, payload: enc("old") });
    expect(s.layer.stats().droppedPaws).toBe(1);
    const r = await s.flow.read();
    expect(r.ok && r.value && dec(r.value)).toBe("new");
    s.take();
    // 100 << 4 = 1600 bytes of window: one 1448-byte segment (MSS less timestamps) now;
    // a small window (10 << 4) is then left alone by sender SWS avoidance until the override timer.
    void s.flow.write(new Uint8Array(5000));
    await tick();
    expect(s.take().map((x) => x.payload.length)).toEqual([1448]);
    s.send({ flags: F.ACK, ack: (s.ours + 1448) >>> 0, window: 10, options: { timestamp: { value: 1011, echo: 0 } } });
    expect(s.take()).toHaveLength(0);
    runTimers(s, s.layer.pollAt()!); // the persist timer, at one RTO (200 ms minimum here)
    expect(s.take().map((x) => x.payload.length)).toEqual([160]);
  });
});
