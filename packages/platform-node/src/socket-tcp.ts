import { createServer, connect as netConnect } from "node:net";
import type { Server, Socket } from "node:net";
import { err, ok } from "@mirage-ts/devices";
import type { Endpoint, Flow, FlowError, FlowErrorCode, Result, Tcp, TcpListenOptions } from "@mirage-ts/devices";
import type { Log } from "@mirage-ts/runtime";
import { checkAddress, checkPort, endpoint, errnoOf, messageOf, plainBytes } from "./socket-common.ts";

/** Maps a host errno onto the Flow error codes apps handle. */
export function flowError(e: unknown): FlowError {
  const errno = errnoOf(e);
  let code: FlowErrorCode = "io";
  if (errno === "ECONNREFUSED") code = "refused";
  else if (errno === "ETIMEDOUT") code = "timeout";
  else if (errno === "EHOSTUNREACH" || errno === "ENETUNREACH" || errno === "EADDRNOTAVAIL") code = "unreachable";
  else if (errno === "ECONNRESET" || errno === "EPIPE" || errno === "ECONNABORTED") code = "reset";
  return { code, message: messageOf(e) };
}

/** How long `close` waits for queued data to reach the kernel before it gives up and destroys. */
const CLOSE_LINGER_MS = 30_000;

/**
 * A Flow over a node:net socket. Reading: the socket stays paused while the app is not
 * in `read`, so unread data waits in the kernel's receive buffer and TCP flow control
 * holds the peer back (memory stays bounded). Writing: `write` resolves once Node's
 * write buffer is below its highWaterMark again ('drain'), so a slow peer holds the
 * writer back.
 */
export class SocketFlow implements Flow {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  private readonly chunks: Uint8Array[] = [];
  private waiter: ((r: Result<Uint8Array | null, FlowError>) => void) | undefined;
  private eof = false;
  private failure: FlowError | undefined;
  private readShut = false;
  private writeShut = false;
  private closed = false;
  private readonly drainWaiters = new Set<() => void>();

  constructor(
    private readonly socket: Socket,
    private readonly onClosed: (flow: SocketFlow) => void,
  ) {
    this.local = endpoint(socket.localAddress, socket.localPort);
    this.remote = endpoint(socket.remoteAddress, socket.remotePort);
    socket.pause();
    socket.on("data", (buf: Buffer) => {
      if (this.readShut) return; // shutdown("read"): discard
      const bytes = plainBytes(buf);
      const w = this.waiter;
      if (w !== undefined) {
        this.waiter = undefined;
        w(ok(bytes));
      } else {
        this.chunks.push(bytes);
      }
      if (this.waiter === undefined) socket.pause();
    });
    socket.on("end", () => {
      this.eof = true;
      this.wakeReader();
    });
    socket.on("error", (e) => {
      this.failure ??= flowError(e);
      this.wakeReader();
      this.wakeWriters();
    });
    socket.on("drain", () => this.wakeWriters());
    socket.on("close", () => {
      if (this.failure === undefined) this.eof = true;
      this.wakeReader();
      this.wakeWriters();
      this.onClosed(this);
    });
  }

  read(): Promise<Result<Uint8Array | null, FlowError>> {
    const chunk = this.chunks.shift();
    if (chunk !== undefined) return Promise.resolve(ok(chunk));
    if (this.readShut || this.eof) return Promise.resolve(ok(null));
    if (this.failure !== undefined) return Promise.resolve(err(this.failure));
    if (this.socket.destroyed) return Promise.resolve(ok(null));
    if (this.waiter !== undefined) throw new TypeError("Flow.read: a read is already pending on this flow");
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.resume();
    });
  }

  write(data: Uint8Array): Promise<Result<void, FlowError>> {
    return this.writev([data]);
  }

  async writev(data: readonly Uint8Array[]): Promise<Result<void, FlowError>> {
    const blocked = this.cannotWrite();
    if (blocked !== undefined) return err(blocked);
    let fits = true;
    this.socket.cork();
    for (const d of data) {
      // Copy: Node keeps a reference to queued chunks, and the app may reuse its buffer once we resolve.
      if (d.length > 0) fits = this.socket.write(Buffer.from(d));
    }
    this.socket.uncork();
    while (!fits && this.socket.writableNeedDrain) {
      await new Promise<void>((resolve) => this.drainWaiters.add(resolve));
      const now = this.cannotWrite();
      if (now !== undefined) return err(now);
    }
    return ok(undefined);
  }

  async shutdown(mode: "read" | "write" | "both"): Promise<void> {
    if (mode === "read" || mode === "both") {
      this.readShut = true;
      this.chunks.length = 0;
      this.wakeReader();
      this.socket.resume(); // keep draining the kernel so the peer is not stalled by data nobody reads
    }
    if ((mode === "write" || mode === "both") && !this.writeShut) {
      this.writeShut = true;
      await this.endWrites();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.readShut = true;
    this.chunks.length = 0;
    this.wakeReader();
    if (!this.writeShut) {
      this.writeShut = true;
      await this.endWrites();
    }
    this.socket.destroy();
  }

  /** Ends the write side and waits until buffered data reached the kernel (bounded by CLOSE_LINGER_MS). */
  private endWrites(): Promise<void> {
    const s = this.socket;
    if (s.destroyed || s.writableFinished) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        s.destroy();
        resolve();
      }, CLOSE_LINGER_MS);
      timer.unref();
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      s.once("finish", done);
      s.once("close", done);
      s.end();
    });
  }

  private cannotWrite(): FlowError | undefined {
    if (this.failure !== undefined) return this.failure;
    if (this.writeShut || this.closed || this.socket.destroyed || !this.socket.writable) {
      return { code: "closed", message: `flow to ${this.remote.address}:${this.remote.port} is closed for writing` };
    }
    return undefined;
  }

  private wakeReader(): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    const chunk = this.chunks.shift();
    if (chunk !== undefined) w(ok(chunk));
    else if (this.readShut || this.eof || this.failure === undefined) w(ok(null));
    else w(err(this.failure));
  }

  private wakeWriters(): void {
    const ws = [...this.drainWaiters];
    this.drainWaiters.clear();
    for (const w of ws) w();
  }

  /** Destroys the socket at once (stack disconnect). */
  abort(): void {
    this.closed = true;
    this.socket.destroy();
  }
}

export class SocketTcp implements Tcp {
  private readonly servers = new Map<number, Server>();
  private readonly flows = new Set<SocketFlow>();
  private readonly pendingConnects = new Set<Socket>();

  constructor(
    private readonly host: string,
    private readonly log: Log,
  ) {}

  listen(port: number, onFlow: (flow: Flow) => void | Promise<void>, options: TcpListenOptions = {}): void {
    checkPort("Tcp.listen", port);
    if (typeof onFlow !== "function") throw new TypeError(`Tcp.listen: onFlow must be a function, got ${typeof onFlow}`);
    if (this.servers.has(port)) throw new RangeError(`Tcp.listen: already listening on port ${port}`);
    const backlog = options.backlog ?? 128;
    if (!Number.isInteger(backlog) || backlog < 1) throw new RangeError(`Tcp.listen: backlog must be a positive integer, got ${String(backlog)}`);
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => {
      if (options.keepalive) socket.setKeepAlive(true);
      const flow = this.adopt(socket);
      Promise.resolve()
        .then(() => onFlow(flow))
        .catch((e: unknown) => {
          this.log.warn(`tcp: the handler for port ${port} failed: ${messageOf(e)}`);
          void flow.close();
        });
    });
    server.on("error", (e) => {
      this.log.error(`tcp: listening on ${this.host}:${port} failed: ${messageOf(e)}`);
      if (this.servers.get(port) === server) this.servers.delete(port);
    });
    this.servers.set(port, server);
    // Node resolves the (literal) host and binds on the next tick: before this process
    // handles any I/O, so connections from inside it never race the bind; a bind error
    // (EADDRINUSE) is logged, since Tcp.listen has no way to return it.
    server.listen({ port, host: this.host, backlog });
  }

  unlisten(port: number): void {
    const server = this.servers.get(port);
    if (server === undefined) return;
    this.servers.delete(port);
    server.close();
  }

  connect(address: string, port: number): Promise<Result<Flow, FlowError>> {
    checkAddress("Tcp.connect", address);
    checkPort("Tcp.connect", port);
    return new Promise((resolve) => {
      const socket = netConnect({ host: address, port, allowHalfOpen: true, noDelay: true, ...(this.host !== "0.0.0.0" ? { localAddress: this.host } : {}) });
      this.pendingConnects.add(socket);
      const fail = (e: unknown): void => {
        this.pendingConnects.delete(socket);
        socket.destroy();
        resolve(err(flowError(e)));
      };
      socket.once("error", fail);
      socket.once("close", () => fail(Object.assign(new Error(`connection to ${address}:${port} closed before it was established`), { code: "ECONNABORTED" })));
      socket.once("connect", () => {
        this.pendingConnects.delete(socket);
        socket.off("error", fail);
        socket.removeAllListeners("close");
        resolve(ok(this.adopt(socket)));
      });
    });
  }

  /** Closes every listener and destroys every connection. */
  disconnect(): void {
    for (const port of [...this.servers.keys()]) this.unlisten(port);
    for (const flow of [...this.flows]) flow.abort();
    for (const s of [...this.pendingConnects]) s.destroy();
  }

  private adopt(socket: Socket): SocketFlow {
    const flow = new SocketFlow(socket, (f) => this.flows.delete(f));
    this.flows.add(flow);
    return flow;
  }
}
