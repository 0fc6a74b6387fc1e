/**
 * The half of a `Network` device that every platform shares: the checks on frames,
 * the counters, and the one-listener/disconnect bookkeeping. A platform's device
 * subclasses `FrameDevice`, calls `deliver` for each received frame and implements
 * `startReceiving`, `send` and `close` over its host (a tap fd on unix, the guest
 * bindings on hvt/spt).
 */
import { err, ok, type Result } from "./result.ts";
import type { NetError, Network, NetworkStats } from "./network.ts";

/** Bytes of an Ethernet II header (two MACs and the EtherType); frames exclude the FCS. */
export const ETHERNET_HEADER = 14;

function zeroStats(): NetworkStats {
  return { rxBytes: 0, rxPackets: 0, txBytes: 0, txPackets: 0, rxDropped: 0, txDropped: 0 };
}

export abstract class FrameDevice implements Network {
  protected counters: NetworkStats = zeroStats();
  protected closed = false;
  private onFrame: ((frame: Uint8Array) => void) | null = null;
  private finishListen: ((result: Result<void, NetError>) => void) | null = null;

  constructor(
    /** Names the device in messages: `tap tap0`, `udp link 127.0.0.1:5555`. */
    readonly label: string,
    readonly mac: Uint8Array,
    readonly mtu: number,
  ) {}

  /** Starts receiving; frames go to `deliver`. */
  protected abstract startReceiving(): void;
  /** Sends one checked frame, or returns why not. */
  protected abstract send(frame: Uint8Array): Promise<Result<void, NetError>>;
  /** Stops receiving and releases host resources. */
  protected abstract close(): Promise<void>;

  listen(onFrame: (frame: Uint8Array) => void): Promise<Result<void, NetError>> {
    if (typeof onFrame !== "function") throw new TypeError(`${this.label}: listen needs a function, got ${String(onFrame)}`);
    if (this.closed) return Promise.resolve(err({ code: "disconnected", message: `${this.label} is disconnected` }));
    if (this.onFrame !== null) return Promise.reject(new TypeError(`${this.label}: already has a listener (one at a time)`));
    this.onFrame = onFrame;
    return new Promise((resolve) => {
      this.finishListen = resolve;
      this.startReceiving();
    });
  }

  /** Whether a listener is waiting for frames (a device stops reading when not). */
  protected get listening(): boolean {
    return this.onFrame !== null;
  }

  /** Hands a received frame to the listener, or drops and counts it. */
  protected deliver(frame: Uint8Array): void {
    const onFrame = this.onFrame;
    if (onFrame === null) return;
    if (frame.length < ETHERNET_HEADER || frame.length > this.mtu + ETHERNET_HEADER) {
      this.counters.rxDropped++;
      return;
    }
    this.counters.rxPackets++;
    this.counters.rxBytes += frame.length;
    onFrame(frame);
  }

  /** Ends the listen promise (on disconnect, or with an error when the device fails). */
  protected endListen(result: Result<void, NetError>): void {
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
    const result = await this.send(frame);
    if (result.ok) {
      this.counters.txPackets++;
      this.counters.txBytes += frame.length;
    } else {
      this.counters.txDropped++;
    }
    return result;
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
    await this.close();
    this.endListen(ok(undefined));
  }
}
