import { describe, expect, it } from "vitest";
import { RecvBuffer } from "./recv-buffer.ts";
import { Scoreboard } from "./scoreboard.ts";
import { F, scripted, tick, type Scripted } from "./test-peer.ts";

const MSS = 1460;

describe("SACK scoreboard (RFC 2018, RFC 6675 section 3)", () => {
  it("merges, clips and trims ranges, counting only newly SACKed bytes", () => {
    const sb = new Scoreboard();
    expect(sb.update(100, 1000, [[300, 400]])).toBe(100);
    expect(sb.update(100, 1000, [[500, 600], [300, 400]])).toBe(100);
    expect(sb.update(100, 1000, [[350, 550]])).toBe(100); // fills 400-500 and joins
    expect(sb.ranges()).toEqual([[300, 600]]);
    expect(sb.update(100, 1000, [[50, 150], [900, 1100]])).toBe(50); // clipped below; beyond SND.MAX ignored
    expect(sb.ranges()).toEqual([[100, 150], [300, 600]]);
    sb.ackTo(350);
    expect(sb.ranges()).toEqual([[350, 600]]);
    expect(sb.isSacked(349)).toBe(false);
    expect(sb.isSacked(599)).toBe(true);
  });

  it("works across the sequence-number wrap", () => {
    const sb = new Scoreboard();
    const una = 0xffffff00;
    sb.update(una, 0x200, [[0x100, 0x180], [0xffffff80, 0x40]]);
    expect(sb.ranges()).toEqual([[0xffffff80, 0x40], [0x100, 0x180]]);
    expect(sb.sackedIn(una, 0x200)).toBe(0xc0 + 0x80);
  });

  it("IsLost: DupThresh ranges or more than 2 SMSS SACKed above; pipe and NextSeg follow", () => {
    const sb = new Scoreboard();
    const una = 0;
    const seg = (i: number): [number, number] => [i * MSS, (i + 1) * MSS];
    // Segments 0..9 sent; 1 and 2 SACKed: 2 SMSS above segment 0, not yet lost.
    sb.update(una, 10 * MSS, [seg(1), seg(2)]);
    expect(sb.isLost(0, una, MSS)).toBe(false);
    expect(sb.pipe(una, 10 * MSS, una, MSS)).toBe(8 * MSS);
    expect(sb.nextLost(una, una, MSS)).toBeNull();
    // Segment 4 too: 3 ranges-worth of bytes above 0, so 0 is lost; 3 is not (1 SMSS above).
    sb.update(una, 10 * MSS, [seg(4)]);
    expect(sb.isLost(0, una, MSS)).toBe(true);
    expect(sb.isLost(3 * MSS, una, MSS)).toBe(false);
    expect(sb.nextLost(una, una, MSS)).toEqual([0, MSS]);
    // Pipe: segment 0 lost (not counted), 3 and 5..9 outstanding.
    expect(sb.pipe(una, 10 * MSS, una, MSS)).toBe(6 * MSS);
    // After retransmitting segment 0 (HighRxt at its end) it counts once more.
    expect(sb.pipe(una, 10 * MSS, MSS, MSS)).toBe(7 * MSS);
    expect(sb.nextLost(MSS, una, MSS)).toBeNull();
    // Three discontiguous small ranges also make the hole below them lost.
    const small = new Scoreboard();
    small.update(0, 1000, [[100, 110], [200, 210], [300, 310]]);
    expect(small.isLost(50, 0, MSS)).toBe(true);
    expect(small.isLost(150, 0, MSS)).toBe(false);
  });

  it("stays bounded, forgetting the highest ranges", () => {
    const sb = new Scoreboard();
    for (let i = 0; i < 100; i++) sb.update(0, 100_000, [[i * 100 + 50, i * 100 + 60]]);
    expect(sb.count).toBe(32);
    expect(sb.rangeStart(0)).toBe(50);
  });
});

/**
 * Drives one connection's sender against a model receiver (a RecvBuffer answering
 * each segment at once with ACK + SACK blocks), dropping the first transmission of
 * the given segments. Time never advances, so no retransmission timer can fire:
 * whatever is repaired is repaired by SACK recovery.
 */
async function transfer(s: Scripted, segments: number, drop: Set<number>, sack: boolean): Promise<{ resent: number[]; ahead: number; done: boolean }> {
  const total = segments * MSS;
  const data = Uint8Array.from({ length: total }, (_, i) => (i * 7) & 255);
  void s.flow.write(data);
  await tick();
  const rb = new RecvBuffer(1 << 20, 64);
  let rcvNxt = s.ours;
  const seen = new Set<number>();
  const resent: number[] = [];
  let ahead = 0; // retransmissions answering an ACK that is not for them (only SACK can aim there)
  for (let guard = 0; guard < 10_000 && s.out.length > 0; guard++) {
    const seg = s.out.shift()!.seg;
    if (seg.payload.length === 0) continue;
    const idx = ((seg.seq - s.ours) >>> 0) / MSS;
    if (seen.has(seg.seq)) resent.push(idx);
    else {
      seen.add(seg.seq);
      if (drop.has(idx)) continue;
    }
    const adv = rb.write(rcvNxt, seg.seq, seg.payload, 0, seg.payload.length);
    rcvNxt = (rcvNxt + Math.max(adv, 0)) >>> 0;
    const blocks = sack && rb.hasOutOfOrder ? rb.sackBlocks(3) : undefined;
    const queued = s.out.length;
    s.send({ flags: F.ACK, ack: rcvNxt, window: 65535, options: blocks ? { sack: blocks } : {} });
    for (let i = queued; i < s.out.length; i++) {
      const r = s.out[i]!.seg;
      if (r.payload.length > 0 && seen.has(r.seq) && r.seq !== rcvNxt) ahead++;
    }
    if (s.out.length === 0) await tick();
  }
  return { resent, ahead, done: rcvNxt === ((s.ours + total) >>> 0) };
}

describe("SACK loss recovery (RFC 6675 section 5)", () => {
  it("retransmits exactly the holes the SACK blocks reveal, without a timeout", async () => {
    const s = await scripted({ receiveBufferSize: 65535 }, { mss: MSS, sackPermitted: true });
    const before = s.layer.stats();
    const t0 = s.clock.now;
    const { resent, ahead, done } = await transfer(s, 40, new Set([8, 9, 15, 22]), true);
    expect(done).toBe(true);
    expect(resent.sort((a, b) => a - b)).toEqual([8, 9, 15, 22]);
    // Holes beyond the first were resent before the cumulative ACK reached them.
    expect(ahead).toBeGreaterThan(0);
    expect(s.clock.now).toBe(t0);
    const after = s.layer.stats();
    expect(after.retransmissions - before.retransmissions).toBe(4);
    expect(after.fastRetransmissions - before.fastRetransmissions).toBeGreaterThanOrEqual(1);
  });

  it("without SACK (NewReno) the same drops still recover by partial ACKs", async () => {
    const s = await scripted({ receiveBufferSize: 65535 }, { mss: MSS });
    const t0 = s.clock.now;
    const { resent, ahead, done } = await transfer(s, 40, new Set([8, 9, 15, 22]), false);
    expect(done).toBe(true);
    expect(resent.sort((a, b) => a - b)).toEqual([8, 9, 15, 22]);
    // NewReno learns of each hole from a partial ACK, one round trip at a time.
    expect(ahead).toBe(0);
    expect(s.clock.now).toBe(t0);
  });

  it("after a timeout skips SACKed data, and resends it if the receiver reneges (RFC 2018 section 8)", async () => {
    const s = await scripted({}, { mss: MSS, sackPermitted: true });
    void s.flow.write(new Uint8Array(10 * MSS));
    await tick();
    const at = (i: number) => (s.ours + i * MSS) >>> 0;
    expect(s.take().map((x) => x.seq)).toEqual([at(0), at(1), at(2)]); // the initial window
    // Segment 0 is lost; 1 and 2 arrive and are SACKed. Limited Transmit sends segment 3.
    s.send({ flags: F.ACK, ack: at(0), options: { sack: [[at(1), at(3)]] } });
    expect(s.take().map((x) => x.seq)).toEqual([at(3)]);
    // The timeout resends segment 0 only: 1 and 2 are SACKed, 3 is beyond cwnd.
    s.advance(2_000_000_000);
    expect(s.take().map((x) => x.seq)).toEqual([at(0)]);
    // The receiver acknowledges segment 0 but not the SACKed 1 and 2: it reneged, so
    // they are resent at once instead of after another timeout.
    s.send({ flags: F.ACK, ack: at(1) });
    expect(s.take().map((x) => x.seq)).toEqual([at(1), at(2)]);
  });
});
