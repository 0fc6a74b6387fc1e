/**
 * Test support for the simulator proof (sim-transfer.test.ts): two direct stacks with
 * static addresses on one netsim Switch, on virtual time, moving a stream each way at
 * once through the public Stack/Flow API, with SHA-256 of what each side wrote and read.
 * Everything (impairments, ISNs, ports, payload bytes) comes from seeds, so a run is a
 * pure function of its parameters.
 */
import { createHash } from "node:crypto";
import type { Flow } from "@mirage-ts/devices";
import { SimClock, Switch, runUntil, seededRandom, seededUint32, type Impairments, type SwitchStats, runPromise } from "@mirage-ts/netsim";
import { directStack } from "../src/direct-stack.ts";
import type { DirectStack } from "../src/shell.ts";
import type { StackStats } from "../src/stats.ts";
import type { TcpOptions, TcpStats } from "../src/tcp/index.ts";

/** Seeded bytes for a stack's `random` option (ISNs, ephemeral ports, IP ids). */
export function seededBytes(seed: number): (n: number) => Uint8Array {
  const r = seededRandom(seed);
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = Math.floor(r() * 256);
    return out;
  };
}

/** A deterministic byte stream of `total` bytes, produced in chunks (never held whole). */
export class PayloadSource {
  private readonly next: () => number;
  private left: number;
  constructor(seed: number, total: number) {
    this.next = seededUint32(seed);
    this.left = total;
  }
  /** The next chunk of at most `max` bytes (a multiple of 4 except at the end), or null when done. */
  chunk(max: number): Uint8Array | null {
    if (this.left === 0) return null;
    const n = Math.min(max, this.left);
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.next();
    this.left -= n;
    return new Uint8Array(words.buffer, 0, n);
  }
}

/** What one direction of the transfer did. */
export interface Direction {
  sent: number;
  received: number;
  sentHash: string;
  receivedHash: string;
  /** The first failed read or write, if any. */
  error: string | undefined;
}

export interface SimPairOptions {
  readonly seed: number;
  readonly impairments: Impairments;
  /** MTU of each stack's switch port (the stack's own MTU); default 1500. */
  readonly mtuA?: number;
  readonly mtuB?: number;
  readonly tcp?: TcpOptions;
  /** Sees every chunk read, "up" at the server and "down" at the client (for debugging). */
  readonly onRead?: (dir: "up" | "down", chunk: Uint8Array) => void;
}

export interface TransferResult {
  /** Client (a) to server (b), and back. */
  readonly up: Direction;
  readonly down: Direction;
  readonly virtualNs: number;
  readonly switch: SwitchStats;
  readonly a: StackStats;
  readonly b: StackStats;
  readonly tcpA: TcpStats;
  readonly tcpB: TcpStats;
}

const PORT = 5001;
const WRITE_CHUNK = 64 * 1024;

/** Drains a flow into a hash until end of stream (or an error). */
async function readAll(flow: Flow, d: Direction, onRead?: (chunk: Uint8Array) => void): Promise<void> {
  const h = createHash("sha256");
  for (;;) {
    const r = await flow.read();
    if (!r.ok) {
      d.error ??= `read: ${r.error.code}`;
      break;
    }
    if (r.value === null) break;
    h.update(r.value);
    onRead?.(r.value);
    d.received += r.value.length;
  }
  d.receivedHash = h.digest("hex");
}

/** Writes the whole source, hashing it as it goes, then half-closes. */
async function writeAll(flow: Flow, src: PayloadSource, d: Direction): Promise<void> {
  const h = createHash("sha256");
  for (let c = src.chunk(WRITE_CHUNK); c !== null; c = src.chunk(WRITE_CHUNK)) {
    h.update(c);
    const r = await flow.write(c);
    if (!r.ok) {
      d.error ??= `write: ${r.error.code}`;
      break;
    }
    d.sent += c.length;
  }
  d.sentHash = h.digest("hex");
  await flow.shutdown("write");
}

function direction(): Direction {
  return { sent: 0, received: 0, sentHash: "", receivedHash: "", error: undefined };
}

/** Runs `p` on virtual time until it settles. */
async function settle<T>(sw: Switch, clock: SimClock, p: Promise<T>, maxNs: number): Promise<T> {
  return runPromise(sw, clock, p, { maxNs, maxSteps: 50_000_000 });
}

/**
 * Two stacks, a (10.0.0.1, client) and b (10.0.0.2, server), on one switch; each sends
 * `bytes` to the other at once and reads what the other sends, then both close.
 * Resolves when both directions reached end of stream or failed, or throws when the
 * virtual-time budget runs out.
 */
export async function bidirectionalTransfer(o: SimPairOptions, bytes: number, maxVirtualNs = 4 * 3600e9): Promise<TransferResult> {
  const clock = new SimClock();
  const sw = new Switch({ seed: o.seed, now: clock.now, impairments: o.impairments });
  const portA = sw.port("a", undefined, { mtu: o.mtuA ?? 1500 });
  const portB = sw.port("b", undefined, { mtu: o.mtuB ?? 1500 });
  const tcp = o.tcp;
  const a: DirectStack = await directStack(portA, { ipv4: "10.0.0.1/24", time: clock, random: seededBytes(o.seed * 7 + 1), ...(tcp ? { tcp } : {}) });
  const b: DirectStack = await directStack(portB, { ipv4: "10.0.0.2/24", time: clock, random: seededBytes(o.seed * 7 + 2), ...(tcp ? { tcp } : {}) });
  const up = direction();
  const down = direction();
  let serverDone = false;
  let clientDone = false;
  b.tcp.listen(PORT, async (flow) => {
    await Promise.all([readAll(flow, up, o.onRead && ((c) => o.onRead!("up", c))), writeAll(flow, new PayloadSource(o.seed * 7 + 4, bytes), down)]);
    await flow.close();
    serverDone = true;
  });
  const start = clock.now();
  const c = await settle(sw, clock, a.tcp.connect("10.0.0.2", PORT), 600e9);
  if (!c.ok) throw new Error(`connect failed: ${c.error.code}`);
  const flow = c.value;
  void Promise.all([readAll(flow, down, o.onRead && ((c) => o.onRead!("down", c))), writeAll(flow, new PayloadSource(o.seed * 7 + 3, bytes), up)]).then(async () => {
    await flow.close();
    clientDone = true;
  });
  // Done when both sides finished, or as soon as either failed: a peer that timed out
  // sends nothing more (no RST, as in Linux), so the other side could wait forever.
  const failed = (): boolean => up.error !== undefined || down.error !== undefined;
  try {
    await runUntil(sw, clock, () => (clientDone && serverDone) || failed(), { maxNs: maxVirtualNs, maxSteps: 50_000_000 });
  } catch (e) {
    const brief = (t: StackStats["tcp"]) => JSON.stringify(t);
    throw new Error(`${e instanceof Error ? e.message : String(e)}; up ${JSON.stringify(up)} down ${JSON.stringify(down)}; a.tcp ${brief(a.layerStats().tcp)}; b.tcp ${brief(b.layerStats().tcp)}`);
  }
  const result: TransferResult = {
    up,
    down,
    virtualNs: clock.now() - start,
    switch: sw.stats(),
    a: a.layerStats(),
    b: b.layerStats(),
    tcpA: a.layerStats().tcp as unknown as TcpStats,
    tcpB: b.layerStats().tcp as unknown as TcpStats,
  };
  await a.disconnect();
  await b.disconnect();
  return result;
}
