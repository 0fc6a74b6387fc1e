/**
 * An authoritative DNS server over any `Stack`: the async shell around `answerPacket`.
 *
 * UDP (RFC 1035 section 4.2.1): each datagram is answered from the port it came to,
 * truncated with TC to 512 octets or the client's EDNS payload size (RFC 6891 section
 * 6.2.5), capped by ours. TCP on the same port (RFC 1035 section 4.2.2, RFC 7766):
 * two-octet length framing, any number of queries per connection, pipelined queries
 * answered in the order they came, messages split across segments reassembled.
 *
 * Hostile peers cannot hold the server: a TCP connection must complete a message
 * within `tcpIdleMs` of the previous one (or of its opening), so trickling bytes does
 * not keep it (RFC 7766 section 6.2.3 asks servers to time idle connections out);
 * at most `maxTcpConnections` are served, later ones are closed at once; a length
 * prefix above `maxTcpMessageSize` closes the connection. Bad input is dropped and
 * counted in `stats`, never thrown: nothing a peer sends can end the server.
 */
import type { Datagram, Flow, Stack } from "@mirage-ts/devices";
import { createLog, monotonicNs, setTimer } from "@mirage-ts/runtime";
import { answerPacket, type Answer } from "./authority.ts";
import { HEADER_SIZE } from "./message.ts";
import { Rcode } from "./types.ts";
import { frameMessages, TcpFramer } from "./server-framing.ts";
import type { ZoneStore } from "./zone-store.ts";

export interface DnsServerOptions {
  /** UDP and TCP port (default 53). */
  readonly port?: number;
  /** Our EDNS payload size: advertised in OPT and the cap for UDP answers (default 1232, RFC 9715's advice). */
  readonly maxUdpSize?: number;
  /** A TCP connection that completes no message for this long is closed (default 10000). */
  readonly tcpIdleMs?: number;
  /** TCP connections served at once; more are closed on arrival (default 256). */
  readonly maxTcpConnections?: number;
  /** The largest query accepted over TCP; a longer length prefix closes the connection (default 4096). */
  readonly maxTcpMessageSize?: number;
  /** Time for the idle timer; the network simulator passes virtual time (default: the runtime's). */
  readonly time?: { now(): number; setTimer(delayNs: number, fn: () => void): () => void };
}

/** Counters since the server started. */
export interface DnsServerStats {
  /** Datagrams received on the port. */
  udpReceived: number;
  /** UDP answers sent (FORMERRs included). */
  udpAnswers: number;
  /** UDP answers cut to fit with TC set. */
  udpTruncated: number;
  /** Datagrams dropped unanswered: shorter than a header, responses (QR set), or from port 0. */
  udpDropped: number;
  /** Undecodable messages answered with a bare FORMERR header (UDP and TCP). */
  formErrors: number;
  /** TCP connections accepted and served. */
  tcpAccepted: number;
  /** TCP connections closed on arrival because `maxTcpConnections` were open. */
  tcpRefused: number;
  /** Messages received over TCP. */
  tcpMessages: number;
  tcpAnswers: number;
  /** TCP messages dropped unanswered (too short, or responses). */
  tcpDropped: number;
  /** Connections closed by the idle timer. */
  tcpIdleClosed: number;
  /** Connections closed for a length prefix above `maxTcpMessageSize`. */
  tcpOversize: number;
  /** Answers the stack failed to send, and internal errors caught per message. */
  sendErrors: number;
  internalErrors: number;
}

export interface DnsServer {
  readonly port: number;
  readonly stats: Readonly<DnsServerStats>;
  /** TCP connections being served now. */
  readonly tcpConnections: number;
  /** Stops listening on both transports and closes open TCP connections. */
  close(): Promise<void>;
}

const TIMEOUT = Symbol("timeout");
const log = createLog("dns-server");

function intOption(name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`serveDns: ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

/** Serves the zones in `store` on UDP and TCP `opts.port` of `stack` until `close`. */
export function serveDns(stack: Stack, store: ZoneStore, opts: DnsServerOptions = {}): DnsServer {
  const port = intOption("port", opts.port, 53, 1, 65535);
  const maxUdpSize = intOption("maxUdpSize", opts.maxUdpSize, 1232, 512, 65535);
  const idleNs = intOption("tcpIdleMs", opts.tcpIdleMs, 10_000, 1, 2 ** 31) * 1e6;
  const maxConnections = intOption("maxTcpConnections", opts.maxTcpConnections, 256, 1, 1 << 20);
  const maxMessage = intOption("maxTcpMessageSize", opts.maxTcpMessageSize, 4096, HEADER_SIZE, 65535);
  const time = opts.time ?? { now: monotonicNs, setTimer };
  const stats: DnsServerStats = {
    udpReceived: 0,
    udpAnswers: 0,
    udpTruncated: 0,
    udpDropped: 0,
    formErrors: 0,
    tcpAccepted: 0,
    tcpRefused: 0,
    tcpMessages: 0,
    tcpAnswers: 0,
    tcpDropped: 0,
    tcpIdleClosed: 0,
    tcpOversize: 0,
    sendErrors: 0,
    internalErrors: 0,
  };
  const udpOpts = { maxUdpSize, transport: "udp" } as const;
  const tcpOpts = { maxUdpSize, transport: "tcp" } as const;
  const open = new Set<Flow>();
  let closed = false;

  /** answerPacket never throws on bytes by design; the catch keeps a bug to one message. */
  const answer = (bytes: Uint8Array, tcp: boolean): Answer | undefined => {
    try {
      const a = answerPacket(store, bytes, tcp ? tcpOpts : udpOpts);
      if (a && a.message.rcode === Rcode.FORMERR && a.bytes.length === HEADER_SIZE) stats.formErrors++;
      return a;
    } catch (e) {
      stats.internalErrors++;
      log.warn(`internal error answering a ${bytes.length}-octet message: ${String(e)}`);
      return undefined;
    }
  };

  const onDatagram = (d: Datagram): void => {
    stats.udpReceived++;
    if (d.src.port === 0) {
      stats.udpDropped++;
      return;
    }
    const a = answer(d.data, false);
    if (!a) {
      stats.udpDropped++;
      return;
    }
    stats.udpAnswers++;
    if (a.message.tc) stats.udpTruncated++;
    try {
      stack.udp.send(d.src.address, d.src.port, a.bytes, { srcPort: port }).then(
        (r) => {
          if (!r.ok) stats.sendErrors++;
        },
        () => stats.sendErrors++,
      );
    } catch {
      stats.sendErrors++; // a stack that throws instead of returning an error must not end the listener
    }
  };

  const readBefore = (flow: Flow, deadlineNs: number): Promise<Awaited<ReturnType<Flow["read"]>> | typeof TIMEOUT> => {
    let cancel: (() => void) | undefined;
    const timeout = new Promise<typeof TIMEOUT>((resolve) => {
      cancel = time.setTimer(Math.max(0, deadlineNs - time.now()), () => resolve(TIMEOUT));
    });
    return Promise.race([flow.read(), timeout]).finally(() => cancel?.());
  };

  const connection = async (flow: Flow): Promise<void> => {
    const framer = new TcpFramer(maxMessage);
    let deadline = time.now() + idleNs;
    for (;;) {
      const r = await readBefore(flow, deadline);
      if (r === TIMEOUT) {
        stats.tcpIdleClosed++;
        return;
      }
      if (!r.ok || r.value === null || closed) return;
      const framed = framer.push(r.value);
      const replies: Uint8Array[] = [];
      for (const m of framed.messages) {
        stats.tcpMessages++;
        const a = answer(m, true);
        if (a) replies.push(a.bytes);
        else stats.tcpDropped++;
      }
      // Only an answered message restarts the idle timer: a stream of empty or tiny frames does not hold a connection.
      if (replies.length > 0) deadline = time.now() + idleNs;
      if (replies.length > 0) {
        // One write for everything a read completed: pipelined answers go out in order.
        const w = await flow.write(frameMessages(replies));
        if (!w.ok) {
          stats.sendErrors++;
          return;
        }
        stats.tcpAnswers += replies.length;
      }
      if (!framed.ok) {
        stats.tcpOversize++;
        log.debug(`closing ${flow.remote.address}:${flow.remote.port}: a ${framed.oversize}-octet message is above ${maxMessage}`);
        return;
      }
    }
  };

  const onFlow = async (flow: Flow): Promise<void> => {
    if (closed || open.size >= maxConnections) {
      stats.tcpRefused++;
      log.debug(`closing a TCP connection from ${flow.remote.address}:${flow.remote.port}: ${open.size} open already`);
      await flow.close().catch(() => undefined);
      return;
    }
    stats.tcpAccepted++;
    open.add(flow);
    log.debug(`TCP connection from ${flow.remote.address}:${flow.remote.port} (${open.size} open)`);
    try {
      await connection(flow);
    } catch (e) {
      stats.internalErrors++;
      log.warn(`internal error on a TCP connection from ${flow.remote.address}: ${String(e)}`);
    } finally {
      open.delete(flow);
      await flow.close().catch(() => undefined);
    }
  };

  stack.udp.listen(port, onDatagram);
  try {
    stack.tcp.listen(port, onFlow);
  } catch (e) {
    stack.udp.unlisten(port);
    throw e;
  }
  return {
    port,
    stats,
    get tcpConnections() {
      return open.size;
    },
    async close() {
      if (closed) return;
      closed = true;
      stack.udp.unlisten(port);
      stack.tcp.unlisten(port);
      await Promise.all([...open].map((f) => f.close().catch(() => undefined)));
    },
  };
}
