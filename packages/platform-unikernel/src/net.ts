/**
 * `Network` devices on hvt and spt: one per net entry of the image's manifest,
 * attached by the tender (`--net:NAME=TAP`). Frames move through the bindings one
 * per call; the event loop drains a device when the C loop reports it ready.
 *
 * `defaultNetwork()` is the manifest's device "service", the name `mirage build`
 * gives the network of `defaultNetwork()` in config.ts.
 */
import { err, MirageError, ok } from "@mirage-ts/devices";
import type { NetError, Network, NetworkStats, Result } from "@mirage-ts/devices";
import type { HostBindings } from "./bindings.ts";
import { platform, type Platform } from "./host.ts";
import type { EventLoop } from "./loop.ts";

/** Bytes of an Ethernet II header; frames exclude the FCS. */
const ETHERNET_HEADER = 14;
/** The manifest name of `defaultNetwork()`'s device (DESIGN.md, issue 5). */
export const DEFAULT_NETWORK_NAME = "service";

function zeroStats(): NetworkStats {
  return { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0, rxDropped: 0, txDropped: 0 };
}

/** Acquires net device `name`; rejects with MirageError("device") naming it if the tender did not attach it. */
export async function netDevice(name: string, on: Platform = platform()): Promise<Network> {
  if (typeof name !== "string" || name === "") throw new TypeError(`netDevice: name must be a non-empty string, got ${String(name)}`);
  let acquired: ReturnType<HostBindings["netAcquire"]>;
  try {
    acquired = on.bindings.netAcquire(name);
  } catch (e) {
    throw new MirageError("device", `net device ${JSON.stringify(name)}: ${(e as Error).message}`);
  }
  return new GuestNetwork(`net ${JSON.stringify(name)}`, acquired.handle, Uint8Array.from(acquired.mac), acquired.mtu, on.bindings, on.loop);
}

/** The unikernel's network: the manifest's device "service" (`--net:service=TAP` on the tender). */
export function defaultNetwork(): Promise<Network> {
  return netDevice(DEFAULT_NETWORK_NAME);
}

class GuestNetwork implements Network {
  private counters = zeroStats();
  private closed = false;
  private onFrame: ((frame: Uint8Array) => void) | null = null;
  private finishListen: ((result: Result<void, NetError>) => void) | null = null;
  /** One receive buffer: 64 KiB so an oversized frame is seen whole and counted, not truncated. */
  private readonly buffer = new Uint8Array(65536);

  constructor(
    readonly label: string,
    private readonly handle: number,
    readonly mac: Uint8Array,
    readonly mtu: number,
    private readonly b: HostBindings,
    private readonly loop: EventLoop,
  ) {}

  listen(onFrame: (frame: Uint8Array) => void): Promise<Result<void, NetError>> {
    if (typeof onFrame !== "function") throw new TypeError(`${this.label}: listen needs a function, got ${String(onFrame)}`);
    if (this.closed) return Promise.resolve(err({ code: "disconnected", message: `${this.label} is disconnected` }));
    if (this.onFrame !== null) return Promise.reject(new TypeError(`${this.label}: already has a listener (one at a time)`));
    this.onFrame = onFrame;
    return new Promise((resolve) => {
      this.finishListen = resolve;
      this.loop.addReader(this.handle, (budget) => this.drain(budget));
    });
  }

  /** Reads up to `budget` frames; true when the budget ran out (more may be queued). */
  private drain(budget: number): boolean {
    for (let i = 0; i < budget; i++) {
      if (this.onFrame === null) return false;
      let n: number;
      try {
        n = this.b.netRead(this.handle, this.buffer);
      } catch (e) {
        this.fail(`read: ${(e as Error).message}`);
        return false;
      }
      if (n === 0) return false;
      this.deliver(this.buffer.subarray(0, n));
    }
    return true;
  }

  private deliver(frame: Uint8Array): void {
    if (frame.length < ETHERNET_HEADER || frame.length > this.mtu + ETHERNET_HEADER) {
      this.counters.rxDropped++;
      return;
    }
    this.counters.rxPackets++;
    this.counters.rxBytes += frame.length;
    this.onFrame!(frame);
  }

  /** The device broke: stop reading and end `listen` with the error. */
  private fail(message: string): void {
    this.loop.removeReader(this.handle);
    this.endListen(err({ code: "io", message: `${this.label}: ${message}` }));
  }

  private endListen(result: Result<void, NetError>): void {
    const finish = this.finishListen;
    this.onFrame = null;
    this.finishListen = null;
    finish?.(result);
  }

  async write(frame: Uint8Array): Promise<Result<void, NetError>> {
    if (!(frame instanceof Uint8Array)) throw new TypeError(`${this.label}: write needs a Uint8Array, got ${String(frame)}`);
    if (this.closed) return err({ code: "disconnected", message: `${this.label} is disconnected` });
    if (frame.length > this.mtu + ETHERNET_HEADER) {
      this.counters.txDropped++;
      return err({ code: "too_large", message: `${this.label}: frame of ${frame.length} bytes exceeds mtu ${this.mtu} + ${ETHERNET_HEADER}` });
    }
    if (frame.length < ETHERNET_HEADER) {
      this.counters.txDropped++;
      return err({ code: "io", message: `${this.label}: frame of ${frame.length} bytes is shorter than an Ethernet header` });
    }
    try {
      this.b.netWrite(this.handle, frame);
    } catch (e) {
      this.counters.txDropped++;
      return err({ code: "io", message: `${this.label}: write: ${(e as Error).message}` });
    }
    this.counters.txPackets++;
    this.counters.txBytes += frame.length;
    return ok(undefined);
  }

  stats(): NetworkStats {
    return { ...this.counters };
  }

  resetStats(): void {
    this.counters = zeroStats();
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.loop.removeReader(this.handle);
    this.endListen(ok(undefined));
  }
}
