/**
 * Fake `HostBindings` for unit tests under Node: a settable clock, an in-memory
 * console, net devices with frame queues and block devices over byte arrays.
 */
import type { HostBindings } from "../src/bindings.ts";

export interface FakeNet {
  readonly name: string;
  readonly mac: Uint8Array;
  readonly mtu: number;
  /** Frames waiting to be read by the guest. */
  readonly inbox: Uint8Array[];
  /** Frames the guest wrote. */
  readonly sent: Uint8Array[];
  /** When set, netWrite/netRead throw it. */
  failWith?: string;
}

export interface FakeBlock {
  readonly name: string;
  readonly data: Uint8Array;
  failWith?: string;
}

export interface FakeBindings extends HostBindings {
  nowNs: number;
  out: string;
  err: string;
  exited: number | undefined;
  idle: ((readySet: number) => number) | undefined;
  readonly nets: FakeNet[];
  readonly blocks: FakeBlock[];
}

export function fakeBindings(opts: { argv?: string[]; nets?: Omit<FakeNet, "inbox" | "sent">[]; blocks?: FakeBlock[] } = {}): FakeBindings {
  const nets: FakeNet[] = (opts.nets ?? []).map((n) => ({ ...n, inbox: [], sent: [] }));
  const blocks = opts.blocks ?? [];
  const devices = [...nets.map((n) => ({ kind: "net" as const, name: n.name })), ...blocks.map((b) => ({ kind: "block" as const, name: b.name }))];
  const handleOf = (name: string, kind: "net" | "block"): number => {
    const i = devices.findIndex((d) => d.name === name);
    if (i < 0) throw new Error(`no device named ${JSON.stringify(name)} in the manifest`);
    if (devices[i]!.kind !== kind) throw new Error(`device ${JSON.stringify(name)} is a ${devices[i]!.kind} device`);
    return i;
  };
  const net = (h: number): FakeNet => {
    const n = nets.find((x) => x.name === devices[h]?.name);
    if (!n) throw new Error(`bad net handle ${h}`);
    if (n.failWith) throw new Error(n.failWith);
    return n;
  };
  const block = (h: number): FakeBlock => {
    const b = blocks.find((x) => x.name === devices[h]?.name);
    if (!b) throw new Error(`bad block handle ${h}`);
    if (b.failWith) throw new Error(b.failWith);
    return b;
  };
  const fake: FakeBindings = {
    abiVersion: 1,
    target: "hvt",
    argv: opts.argv ?? [],
    nowNs: 1_000,
    out: "",
    err: "",
    exited: undefined,
    idle: undefined,
    nets,
    blocks,
    consoleWrite(stream, text) {
      if (stream === 1) fake.out += text;
      else fake.err += text;
    },
    monotonicNs: () => fake.nowNs,
    wallClockMs: () => 1.7e12 + fake.nowNs / 1e6,
    entropy(buf) {
      for (let i = 0; i < buf.length; i++) buf[i] = (i * 7 + 3) & 0xff;
    },
    netAcquire(name) {
      const h = handleOf(name, "net");
      const n = nets.find((x) => x.name === name)!;
      return { handle: h, mac: n.mac, mtu: n.mtu };
    },
    netWrite(h, frame) {
      net(h).sent.push(Uint8Array.from(frame));
    },
    netRead(h, buf) {
      const frame = net(h).inbox.shift();
      if (!frame) return 0;
      buf.set(frame);
      return frame.length;
    },
    blockAcquire(name) {
      const h = handleOf(name, "block");
      return { handle: h, capacity: blocks.find((b) => b.name === name)!.data.length, blockSize: 512 };
    },
    blockRead(h, offset, buf) {
      buf.set(block(h).data.subarray(offset, offset + buf.length));
    },
    blockWrite(h, offset, data) {
      block(h).data.set(data, offset);
    },
    setIdleHandler(fn) {
      fake.idle = fn;
    },
    exit(code): never {
      fake.exited = code;
      throw new Error(`exit ${code}`);
    },
  };
  return fake;
}

/** Ready set with the bits of `handles`. */
export const ready = (...handles: number[]): number => handles.reduce((s, h) => s | (1 << h), 0);
