import { describe, expect, it } from "vitest";
import { NewReno } from "./congestion.ts";

const MSS = 1000;

describe("NewReno (RFC 5681, RFC 6582)", () => {
  it("starts at the RFC 3390 initial window, slow-starts, then grows about one MSS per window", () => {
    const cc = new NewReno(MSS, 0);
    expect(cc.cwnd).toBe(4000);
    cc.onNewAck(1000, 1000, 0);
    expect(cc.cwnd).toBe(5000);
    cc.ssthresh = 5000;
    for (let i = 0; i < 5; i++) cc.onNewAck(2000 + i * 1000, 1000, 0);
    expect(cc.cwnd).toBe(6000);
  });

  it("enters fast recovery on the third duplicate ACK, inflates, and deflates on the full ACK", () => {
    const cc = new NewReno(MSS, 0);
    cc.cwnd = 10_000;
    expect(cc.onDupAck(5000, 10_000, 15_000)).toBe(false);
    expect(cc.onDupAck(5000, 10_000, 15_000)).toBe(false);
    expect(cc.onDupAck(5000, 10_000, 15_000)).toBe(true);
    expect(cc.ssthresh).toBe(5000);
    expect(cc.cwnd).toBe(8000);
    cc.onDupAck(5000, 10_000, 15_000);
    expect(cc.cwnd).toBe(9000);
    // A partial ACK asks for the next hole to be resent and stays in recovery.
    expect(cc.onNewAck(8000, 3000, 7000)).toBe(true);
    expect(cc.inRecovery).toBe(true);
    expect(cc.cwnd).toBe(7000);
    // The full ACK ends recovery.
    expect(cc.onNewAck(15_000, 7000, 0)).toBe(false);
    expect(cc.inRecovery).toBe(false);
    expect(cc.cwnd).toBe(2000);
  });

  it("collapses to one segment on a timeout and ignores dup ACKs below recover", () => {
    const cc = new NewReno(MSS, 0);
    cc.cwnd = 20_000;
    cc.onTimeout(20_000, 50_000);
    expect(cc.cwnd).toBe(1000);
    expect(cc.ssthresh).toBe(10_000);
    for (let i = 0; i < 3; i++) expect(cc.onDupAck(40_000, 10_000, 50_000)).toBe(false);
  });
});
