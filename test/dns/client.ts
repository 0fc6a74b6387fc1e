/** Minimal DNS transports for tests: one UDP exchange, and framed TCP exchanges on one connection. */
import { createSocket } from "node:dgram";
import { createConnection } from "node:net";

/** Sends `query` to 127.0.0.1:`port` and resolves with the first datagram back (rejects after `timeoutMs`). */
export function udpExchange(port: number, query: Uint8Array, timeoutMs = 2000, host = "127.0.0.1"): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const sock = createSocket("udp4");
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error(`no UDP answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on("message", (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(new Uint8Array(msg));
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      sock.close();
      reject(e);
    });
    sock.send(query, port, host);
  });
}

export interface TcpOutcome {
  /** The framed messages received, in order. */
  readonly messages: Uint8Array[];
  /** True when the server closed the connection (before `timeoutMs`). */
  readonly closed: boolean;
  readonly afterMs: number;
}

/**
 * Opens one TCP connection, writes `data` (already framed, or raw garbage), and collects
 * framed messages until `expect` of them arrived, the server closed, or `timeoutMs` passed.
 */
export function tcpExchange(port: number, data: Uint8Array, opts: { expect?: number; timeoutMs?: number; host?: string } = {}): Promise<TcpOutcome> {
  const { expect = Infinity, timeoutMs = 3000, host = "127.0.0.1" } = opts;
  return new Promise((resolve) => {
    const t0 = Date.now();
    const messages: Uint8Array[] = [];
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ messages, closed, afterMs: Date.now() - t0 });
    };
    const sock = createConnection({ host, port }, () => sock.write(data));
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        messages.push(new Uint8Array(buf.subarray(2, 2 + len)));
        buf = buf.subarray(2 + len);
      }
      if (messages.length >= expect) finish(false);
    });
    sock.on("close", () => finish(true));
    sock.on("error", () => finish(true));
  });
}

/** Frames messages with their two-octet lengths (RFC 1035 section 4.2.2). */
export function frame(...messages: Uint8Array[]): Uint8Array {
  return Buffer.concat(messages.flatMap((m) => [Buffer.from([m.length >> 8, m.length & 0xff]), Buffer.from(m)]));
}
