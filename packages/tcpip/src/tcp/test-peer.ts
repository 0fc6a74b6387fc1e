/**
 * Test support (not exported): a hand-driven peer for one captured TCP layer, so
 * tests can script exact segments against the state machine.
 */
import type { Flow } from "@mirage-ts/devices";
import { TCP_FLAG, type TcpOptions as SegmentOptions, type TcpRepr } from "@mirage-ts/wire";
import type { TcpOptions } from "./config.ts";
import { A, B, captureLayer, Clock, type Sent } from "./test-harness.ts";
import type { TcpLayer } from "./types.ts";

export const F = TCP_FLAG;
export const NONE = new Uint8Array(0);

export function seg(p: Partial<TcpRepr> & { seq: number; flags: number }): TcpRepr {
  return { srcPort: 4000, dstPort: 80, ack: 0, window: 65535, urgent: 0, options: {}, payload: NONE, ...p };
}

export const tick = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

export interface Scripted {
  clock: Clock;
  layer: TcpLayer;
  out: Sent[];
  flow: Flow;
  /** Our ISN + 1: the next sequence number the layer sends. */
  ours: number;
  /** The peer's next sequence number. */
  theirs: number;
  /** Feeds a segment from the peer (B:4000 -> A:80). */
  send(s: Partial<TcpRepr> & { flags: number; seq?: number }): void;
  /** Takes and clears what the layer has sent. */
  take(): TcpRepr[];
  advance(ns: number): void;
}

/** A layer with a listener on port 80 and one connection accepted from B:4000. */
export async function scripted(opts?: TcpOptions, synOptions: SegmentOptions = { mss: 1460 }, window = 65535): Promise<Scripted> {
  const clock = new Clock();
  const { layer, out } = captureLayer(clock, opts);
  let flow: Flow | undefined;
  layer.listen(80, (f) => {
    flow = f;
  });
  layer.input(B, A, seg({ seq: 999, flags: F.SYN, options: synOptions, window }));
  const synack = out.pop()!.seg;
  const s: Scripted = {
    clock,
    layer,
    out,
    flow: undefined as unknown as Flow,
    ours: (synack.seq + 1) >>> 0,
    theirs: 1000,
    send(p) {
      layer.input(B, A, seg({ seq: s.theirs, ...p }));
    },
    take() {
      return out.splice(0).map((x) => x.seg);
    },
    advance(ns) {
      clock.now += ns;
      const at = layer.pollAt();
      if (at !== undefined && at <= clock.now) layer.poll();
    },
  };
  const tsOpt = synOptions.timestamp ? { timestamp: { value: synOptions.timestamp.value + 1, echo: synack.options.timestamp?.value ?? 0 } } : {};
  s.send({ flags: F.ACK, ack: s.ours, window: synOptions.windowScale !== undefined ? window >> synOptions.windowScale : window, options: tsOpt });
  await tick();
  if (flow === undefined) throw new Error("no flow accepted");
  s.flow = flow;
  return s;
}

/** Runs the layer's timers up to `until` (absolute ns), one deadline at a time. */
export function runTimers(s: Scripted, until: number): void {
  for (;;) {
    const at = s.layer.pollAt();
    if (at === undefined || at > until) break;
    s.clock.now = Math.max(s.clock.now, at);
    s.layer.poll();
  }
  s.clock.now = Math.max(s.clock.now, until);
}
