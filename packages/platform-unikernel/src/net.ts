/**
 * `Network` devices on hvt and spt: one per net entry of the image's manifest,
 * attached by the tender (`--net:NAME=TAP`). Frames move through the bindings one
 * per call; the event loop drains a device when the C loop reports it ready.
 *
 * `defaultNetwork()` is the manifest's device "service", the name `mirage build`
 * gives the network of `defaultNetwork()` in config.ts.
 */
import { err, FrameDevice, MirageError, ok } from "@mirage-ts/devices";
import type { NetError, Network, Result } from "@mirage-ts/devices";
import type { HostBindings } from "./bindings.ts";
import { platform, type Platform } from "./host.ts";
import type { EventLoop } from "./loop.ts";

/** The manifest name of `defaultNetwork()`'s device (DESIGN.md, issue 5). */
export const DEFAULT_NETWORK_NAME = "service";

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

/** A manifest net device: frames through the bindings, read when the event loop says it is ready. */
class GuestNetwork extends FrameDevice {
  /** One receive buffer: 64 KiB so an oversized frame is seen whole and counted, not truncated. */
  private readonly buffer = new Uint8Array(65536);

  constructor(
    label: string,
    private readonly handle: number,
    mac: Uint8Array,
    mtu: number,
    private readonly b: HostBindings,
    private readonly loop: EventLoop,
  ) {
    super(label, mac, mtu);
  }

  protected startReceiving(): void {
    this.loop.addReader(this.handle, (budget) => this.drain(budget));
  }

  /** Reads up to `budget` frames; true when the budget ran out (more may be queued). */
  private drain(budget: number): boolean {
    for (let i = 0; i < budget; i++) {
      if (!this.listening) return false;
      let n: number;
      try {
        n = this.b.netRead(this.handle, this.buffer);
      } catch (e) {
        // The device broke: stop reading and end `listen` with the error.
        this.loop.removeReader(this.handle);
        this.endListen(err({ code: "io", message: `${this.label}: read: ${(e as Error).message}` }));
        return false;
      }
      if (n === 0) return false;
      this.deliver(this.buffer.subarray(0, n));
    }
    return true;
  }

  /** The bindings copy the frame out before returning, so the write is done when it returns. */
  protected async send(frame: Uint8Array): Promise<Result<void, NetError>> {
    try {
      this.b.netWrite(this.handle, frame);
      return ok(undefined);
    } catch (e) {
      return err({ code: "io", message: `${this.label}: write: ${(e as Error).message}` });
    }
  }

  protected async close(): Promise<void> {
    this.loop.removeReader(this.handle);
  }
}
