/**
 * The async shell over one Connection: the app-facing Flow. It only waits and
 * retries; every decision is in the deterministic core. `write` resolves once the
 * bytes are in the bounded send buffer (backpressure), `read` returns buffered bytes
 * or waits, and null at end of stream.
 */
import { err, ok, type Endpoint, type Flow, type FlowError, type FlowErrorCode, type Result } from "@mirage-ts/devices";
import { formatAddress } from "./addr.ts";
import { appClose, appRead, appWrite, shutdownRead, shutdownWrite } from "./app.ts";
import type { Connection } from "./connection.ts";

export interface FlowContext {
  now(): number;
  /** The connection's timers or output may have changed: the layer re-files its deadline and reschedules. */
  changed(c: Connection): void;
}

/** Largest chunk one read returns. */
const MAX_READ = 65536;

const MESSAGES: Record<FlowErrorCode, string> = {
  refused: "connection refused",
  timeout: "connection timed out",
  reset: "connection reset by peer",
  unreachable: "destination unreachable",
  closed: "connection closed",
  io: "I/O error",
};

export function flowError(code: FlowErrorCode): FlowError {
  return { code, message: MESSAGES[code] };
}

export class TcpFlow implements Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private waiters: Array<() => void> = [];
  private writeChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readShut = false;

  constructor(private readonly c: Connection, private readonly ctx: FlowContext) {
    this.local = { address: formatAddress(c.localAddr), port: c.localPort };
    this.remote = { address: formatAddress(c.remoteAddr), port: c.remotePort };
    c.wake = () => this.wakeAll();
  }

  private wakeAll(): void {
    if (this.waiters.length === 0) return;
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitWake(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async read(): Promise<Result<Uint8Array | null, FlowError>> {
    for (;;) {
      if (this.closed) return err(flowError("closed"));
      if (this.readShut) return ok(null);
      if (this.c.error !== null) return err(flowError(this.c.error));
      const data = appRead(this.c, this.ctx.now(), MAX_READ);
      if (data === null) return ok(null);
      if (data !== undefined) {
        this.ctx.changed(this.c);
        return ok(data);
      }
      await this.waitWake();
    }
  }

  write(data: Uint8Array): Promise<Result<void, FlowError>> {
    return this.writev([data]);
  }

  writev(data: readonly Uint8Array[]): Promise<Result<void, FlowError>> {
    for (const d of data) {
      if (!(d instanceof Uint8Array)) throw new TypeError(`Flow.write expects Uint8Array, got ${String(d)}`);
    }
    // Writes enter the buffer in call order, each waiting for the ones before it.
    const p = this.writeChain.then(() => this.doWrite(data));
    this.writeChain = p;
    return p;
  }

  private async doWrite(data: readonly Uint8Array[]): Promise<Result<void, FlowError>> {
    for (const chunk of data) {
      let off = 0;
      while (off < chunk.length) {
        if (this.c.error !== null) return err(flowError(this.c.error));
        if (this.closed) return err(flowError("closed"));
        const n = appWrite(this.c, this.ctx.now(), chunk, off);
        if (n < 0) return err(flowError("closed"));
        if (n > 0) {
          off += n;
          this.ctx.changed(this.c);
        }
        if (off < chunk.length) await this.waitWake();
      }
    }
    return ok(undefined);
  }

  async shutdown(mode: "read" | "write" | "both"): Promise<void> {
    if (mode !== "read" && mode !== "write" && mode !== "both") throw new TypeError(`shutdown mode must be read, write or both, got ${String(mode)}`);
    if (mode !== "write") {
      this.readShut = true;
      shutdownRead(this.c);
      this.wakeAll();
    }
    if (mode !== "read") {
      await this.writeChain;
      shutdownWrite(this.c, this.ctx.now());
    }
    this.ctx.changed(this.c);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    appClose(this.c, this.ctx.now());
    this.wakeAll();
    this.ctx.changed(this.c);
  }
}
