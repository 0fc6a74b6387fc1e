/**
 * The TCP layer: demultiplexes segments to connections, runs LISTEN and the closed
 * port (RFC 9293 sections 3.10.7.1-2), bounds half-open, TIME-WAIT and accepted
 * connections, picks ephemeral ports (RFC 6056) and ISNs (RFC 6528), aggregates the
 * timers into one pollAt/poll, and hands out Flows.
 *
 * Timers: each connection's earliest deadline is filed in an indexed min-heap, so
 * pollAt() is O(1) and poll() touches only due connections, however many sit in
 * TIME-WAIT. Deadlines change only inside operations on one connection (a segment,
 * a timer, an application call, an open); each such entry point re-files that
 * connection when it is done (`rekey`), and removal takes it out of the heap.
 */
import { err, ok, type Flow, type FlowError, type Result, type TcpListenOptions } from "@mirage-ts/devices";
import { TCP_FLAG, type TcpRepr } from "@mirage-ts/wire";
import { parseAddress } from "./addr.ts";
import { emptyStats, resolveConfig, type TcpConfig, type TcpOptions, type TcpStats } from "./config.ts";
import { Connection, type ConnectionHost, type TcpState } from "./connection.ts";
import { flowError, TcpFlow, type FlowContext } from "./flow.ts";
import { openActive, openPassive, segmentArrives } from "./input.ts";
import { IsnGenerator } from "./isn.ts";
import { seqAdd, seqGt } from "./seq.ts";
import { TimerHeap } from "./timer-heap.ts";
import { onTimer } from "./timers.ts";
import type { TcpEnv, TcpLayer } from "./types.ts";

const F = TCP_FLAG;
const EPHEMERAL_LOW = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_LOW;

interface Listener {
  readonly port: number;
  readonly onFlow: (flow: Flow) => void | Promise<void>;
  readonly backlog: number;
  readonly keepalive: boolean;
  /** Established connections not yet handed to onFlow. */
  readonly queue: Connection[];
  draining: boolean;
}

export function createTcpLayer(env: TcpEnv, options?: TcpOptions): TcpLayer {
  return new Layer(env, resolveConfig(options));
}

class Layer implements TcpLayer, ConnectionHost {
  readonly counters: TcpStats = emptyStats();
  /** remote address -> (localPort * 65536 + remotePort) -> connections (differing in local address). */
  private readonly table = new Map<number, Map<number, Connection[]>>();
  private readonly all = new Set<Connection>();
  /** Insertion-ordered, so the first is the oldest. */
  private readonly halfOpen = new Set<Connection>();
  private readonly timeWait = new Set<Connection>();
  private readonly listeners = new Map<number, Listener>();
  private readonly isnGen: IsnGenerator;
  /** Connections with an armed timer, keyed by their earliest deadline. */
  private readonly timers = new TimerHeap<Connection>();
  /** What flows use to reach the layer: re-file the connection, then let the stack re-read pollAt. */
  private readonly flowCtx: FlowContext;
  private challengeWindow = -Infinity;
  private challengeCount = 0;

  constructor(private readonly env: TcpEnv, private readonly config: TcpConfig) {
    this.isnGen = new IsnGenerator(env.random(32));
    this.flowCtx = {
      now: () => env.now(),
      changed: (c) => {
        this.rekey(c);
        env.schedule();
      },
    };
  }

  /** Re-files c's earliest deadline after an operation on it (a no-op once it is removed). */
  private rekey(c: Connection): void {
    if (c.heapIndex < 0 && !this.all.has(c)) return;
    this.timers.set(c, c.nextDeadline());
  }

  output(src: number, dst: number, segment: TcpRepr): void {
    this.env.output(src, dst, segment);
  }

  // ---- ConnectionHost -------------------------------------------------------

  canEstablish(c: Connection): boolean {
    const l = this.listeners.get(c.localPort);
    return l !== undefined && l.queue.length < l.backlog;
  }

  challengeAckAllowed(now: number): boolean {
    if (now - this.challengeWindow >= 1e9) {
      this.challengeWindow = now;
      this.challengeCount = 0;
    }
    return this.challengeCount++ < this.config.challengeAckLimit;
  }

  stateChanged(c: Connection, from: TcpState): void {
    const to = c.state;
    if (from === "SYN-RECEIVED") this.halfOpen.delete(c);
    if (from === "TIME-WAIT") this.timeWait.delete(c);
    if (to === "SYN-RECEIVED") this.halfOpen.add(c);
    if (to === "TIME-WAIT") {
      this.timeWait.add(c);
      if (this.timeWait.size > this.config.maxTimeWait) {
        const oldest = this.timeWait.values().next().value;
        oldest?.enterClosed(null);
      }
    }
    if (to === "CLOSED") {
      this.remove(c);
      return;
    }
    if (c.passive && from === "SYN-RECEIVED") {
      const l = this.listeners.get(c.localPort);
      if (l === undefined) {
        c.abort(this.env.now());
        return;
      }
      l.queue.push(c);
      if (!l.draining) {
        l.draining = true;
        void Promise.resolve().then(() => this.drain(l));
      }
    }
  }

  private drain(l: Listener): void {
    l.draining = false;
    while (l.queue.length > 0) {
      const c = l.queue.shift()!;
      if (c.state === "CLOSED" && c.error !== null) continue;
      const flow = new TcpFlow(c, this.flowCtx);
      try {
        const r = l.onFlow(flow);
        if (r instanceof Promise) r.catch(() => void flow.close());
      } catch {
        void flow.close();
      }
    }
  }

  // ---- Table ---------------------------------------------------------------

  private lookup(remote: number, local: number, localPort: number, remotePort: number): Connection | undefined {
    const list = this.table.get(remote)?.get(localPort * 65536 + remotePort);
    if (list === undefined) return undefined;
    for (const c of list) if (c.localAddr === local) return c;
    return undefined;
  }

  private insert(c: Connection): void {
    let byPorts = this.table.get(c.remoteAddr);
    if (byPorts === undefined) this.table.set(c.remoteAddr, (byPorts = new Map()));
    const key = c.localPort * 65536 + c.remotePort;
    const list = byPorts.get(key);
    if (list === undefined) byPorts.set(key, [c]);
    else list.push(c);
    this.all.add(c);
  }

  private remove(c: Connection): void {
    if (!this.all.delete(c)) return;
    this.timers.delete(c);
    this.halfOpen.delete(c);
    this.timeWait.delete(c);
    const byPorts = this.table.get(c.remoteAddr);
    const key = c.localPort * 65536 + c.remotePort;
    const list = byPorts?.get(key);
    if (byPorts !== undefined && list !== undefined) {
      const i = list.indexOf(c);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) byPorts.delete(key);
      if (byPorts.size === 0) this.table.delete(c.remoteAddr);
    }
    const l = this.listeners.get(c.localPort);
    if (l !== undefined && c.passive) {
      const i = l.queue.indexOf(c);
      if (i >= 0) l.queue.splice(i, 1);
    }
  }

  private newConnection(now: number, local: number, localPort: number, remote: number, remotePort: number, keepalive: boolean): Connection {
    const ts = this.env.random(4);
    const c = new Connection(
      {
        host: this,
        config: this.config,
        localAddr: local,
        localPort,
        remoteAddr: remote,
        remotePort,
        iss: this.isnGen.isn(now, local, localPort, remote, remotePort),
        tsOffset: ((ts[0]! << 24) | (ts[1]! << 16) | (ts[2]! << 8) | ts[3]!) >>> 0,
        pathMss: this.env.mss(remote),
        keepalive,
      },
      now,
    );
    this.insert(c);
    return c;
  }

  // ---- Input ---------------------------------------------------------------

  input(src: number, dst: number, seg: TcpRepr): void {
    const stats = this.counters;
    stats.segmentsIn++;
    const flags = seg.flags;
    // Nonsense flag combinations and port 0 are never valid.
    if (seg.srcPort === 0 || seg.dstPort === 0 || ((flags & F.SYN) !== 0 && (flags & (F.FIN | F.RST)) !== 0)) {
      stats.droppedBad++;
      return;
    }
    const now = this.env.now();
    let c = this.lookup(src, dst, seg.dstPort, seg.srcPort);
    if (c !== undefined && c.state === "TIME-WAIT" && (flags & (F.SYN | F.ACK | F.RST)) === F.SYN &&
        this.listeners.has(seg.dstPort) && seqGt(seg.seq, c.rcvNxt)) {
      // A new incarnation may reuse a TIME-WAIT pair when its SYN is beyond the old
      // sequence space (RFC 9293 section 3.6.1; RFC 6191).
      c.enterClosed(null);
      c = undefined;
    }
    if (c !== undefined) {
      segmentArrives(c, now, seg);
      this.rekey(c);
      this.env.schedule();
      return;
    }
    const l = this.listeners.get(seg.dstPort);
    if (l === undefined) {
      stats.droppedNoListener++;
      this.resetClosed(src, dst, seg);
      return;
    }
    // LISTEN (RFC 9293 section 3.10.7.2).
    if ((flags & F.RST) !== 0) return;
    if ((flags & F.ACK) !== 0) {
      this.resetClosed(src, dst, seg);
      stats.droppedBad++;
      return;
    }
    if ((flags & F.SYN) === 0) {
      stats.droppedBad++;
      return;
    }
    if (l.queue.length >= l.backlog || this.all.size >= this.config.maxConnections) {
      stats.droppedBacklogFull++;
      return;
    }
    if (this.halfOpen.size >= this.config.maxHalfOpen) {
      // SYN flood defence: forget the oldest half-open connection, so memory stays bounded
      // while fresh handshakes (which complete within an RTT) still get through.
      const oldest = this.halfOpen.values().next().value!;
      stats.droppedHalfOpen++;
      oldest.enterClosed(null);
    }
    c = this.newConnection(now, dst, seg.dstPort, src, seg.srcPort, l.keepalive);
    stats.passiveOpens++;
    openPassive(c, now, seg);
    this.rekey(c);
    this.env.schedule();
  }

  /** RFC 9293 section 3.10.7.1: answer a segment to a closed port with a RST. */
  private resetClosed(src: number, dst: number, seg: TcpRepr): void {
    if ((seg.flags & F.RST) !== 0) return;
    const hasAck = (seg.flags & F.ACK) !== 0;
    const len = seg.payload.length + ((seg.flags & F.SYN) !== 0 ? 1 : 0) + ((seg.flags & F.FIN) !== 0 ? 1 : 0);
    this.counters.resetsSent++;
    this.counters.segmentsOut++;
    this.env.output(dst, src, {
      srcPort: seg.dstPort,
      dstPort: seg.srcPort,
      seq: hasAck ? seg.ack : 0,
      ack: hasAck ? 0 : seqAdd(seg.seq, len),
      flags: hasAck ? F.RST : F.RST | F.ACK,
      window: 0,
      urgent: 0,
      options: {},
      payload: new Uint8Array(0),
    });
  }

  unreachable(src: number, dst: number, srcPort: number, dstPort: number, code: number): void {
    const c = this.lookup(dst, src, srcPort, dstPort);
    if (c === undefined || c.state !== "SYN-SENT") return; // soft errors otherwise (RFC 5927, RFC 1122 4.2.3.9)
    if (code === 4) return; // fragmentation needed: path MTU, not reachability
    c.enterClosed(code === 3 ? "refused" : "unreachable");
    this.env.schedule();
  }

  // ---- Timers ---------------------------------------------------------------

  pollAt(): number | undefined {
    const min = this.timers.minKey();
    return min === Infinity ? undefined : min;
  }

  poll(): void {
    const now = this.env.now();
    const heap = this.timers;
    if (heap.minKey() <= now) {
      // Take every due connection out first, so each fires at most once per poll even
      // if its handler were to re-arm a timer that is already due (no busy loop).
      const due: Connection[] = [];
      while (heap.minKey() <= now) due.push(heap.pop()!);
      for (const c of due) {
        // An earlier handler may have removed it (TIME-WAIT eviction).
        if (!this.all.has(c)) continue;
        onTimer(c, now);
        this.rekey(c);
      }
    }
    this.env.schedule();
  }

  // ---- Application side ---------------------------------------------------

  listen(port: number, onFlow: (flow: Flow) => void | Promise<void>, options?: TcpListenOptions): void {
    checkPort(port);
    if (typeof onFlow !== "function") throw new TypeError(`listen needs a callback, got ${String(onFlow)}`);
    const backlog = options?.backlog ?? this.config.backlog;
    if (!Number.isInteger(backlog) || backlog < 1) throw new RangeError(`backlog must be a positive integer, got ${String(backlog)}`);
    this.listeners.set(port, { port, onFlow, backlog, keepalive: options?.keepalive ?? false, queue: [], draining: false });
  }

  unlisten(port: number): void {
    const l = this.listeners.get(port);
    if (l === undefined) return;
    this.listeners.delete(port);
    const now = this.env.now();
    for (const c of l.queue.splice(0)) c.abort(now);
    for (const c of [...this.halfOpen]) if (c.passive && c.localPort === port) c.abort(now);
    this.env.schedule();
  }

  connect(address: string, port: number): Promise<Result<Flow, FlowError>> {
    const dst = parseAddress(address);
    if (dst === undefined) throw new TypeError(`not an IPv4 address: ${JSON.stringify(address)}`);
    checkPort(port);
    const src = this.env.sourceFor(dst);
    if (src === undefined) return Promise.resolve(err(flowError("unreachable")));
    if (this.all.size >= this.config.maxConnections) return Promise.resolve(err({ code: "io", message: "too many connections" }));
    const localPort = this.ephemeralPort(src, dst, port);
    if (localPort === undefined) return Promise.resolve(err({ code: "io", message: "no free local port" }));
    const now = this.env.now();
    const c = this.newConnection(now, src, localPort, dst, port, this.config.keepalive);
    this.counters.activeOpens++;
    return new Promise((resolve) => {
      c.wake = () => {
        if (c.state === "SYN-SENT" || c.state === "SYN-RECEIVED") return;
        if (c.state === "CLOSED" && c.error !== null) {
          c.wake = null;
          resolve(err(flowError(c.error)));
          return;
        }
        resolve(ok(new TcpFlow(c, this.flowCtx)));
      };
      openActive(c, now);
      this.rekey(c);
      this.env.schedule();
    });
  }

  /** RFC 6056 algorithm 1: a random start, then the next free port. */
  private ephemeralPort(src: number, dst: number, dstPort: number): number | undefined {
    const r = this.env.random(2);
    const start = ((r[0]! << 8) | r[1]!) % EPHEMERAL_COUNT;
    for (let i = 0; i < EPHEMERAL_COUNT; i++) {
      const p = EPHEMERAL_LOW + ((start + i) % EPHEMERAL_COUNT);
      if (!this.listeners.has(p) && this.lookup(dst, src, p, dstPort) === undefined) return p;
    }
    return undefined;
  }

  stats(): TcpStats {
    let closing = 0;
    for (const c of this.all) if (c.appClosed && CLOSING_STATES.has(c.state)) closing++;
    return { ...this.counters, connectionsOpen: this.all.size, halfOpen: this.halfOpen.size, timeWait: this.timeWait.size, closing };
  }

  shutdownAll(): void {
    const now = this.env.now();
    this.listeners.clear();
    for (const c of [...this.all]) c.abort(now, "closed");
    this.env.schedule();
  }
}

/** States in which a connection the app closed still has data or its FIN to get acknowledged. */
const CLOSING_STATES: ReadonlySet<string> = new Set(["ESTABLISHED", "CLOSE-WAIT", "FIN-WAIT-1", "CLOSING", "LAST-ACK"]);

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`TCP port must be 1..65535, got ${String(port)}`);
}
