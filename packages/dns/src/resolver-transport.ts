/**
 * One query/response exchange with one server, over UDP (RFC 1035 section 4.2.1) or
 * TCP with two-octet length framing (RFC 1035 section 4.2.2, RFC 7766 section 8).
 * The resolver (resolver.ts) decides which server, how often and when to fall back
 * to TCP; this file only moves one message and checks that what came back answers it.
 *
 * Spoofing resistance (RFC 5452 section 9.1): a fresh random ID and a fresh random
 * source port per UDP try, and a UDP response is accepted only from the server's
 * address and port, with our ID, QR set and our question. Anything else is ignored
 * (counted) and the try keeps waiting until its deadline.
 */
import type { Flow, Tcp, Udp } from "@mirage-ts/devices";
import { decodeMessage } from "./message.ts";
import { nameEquals } from "./name.ts";
import type { Message, Question } from "./types.ts";

/** A DNS server: an IPv4 address and a port. */
export interface Nameserver {
  readonly address: string;
  readonly port: number;
}

/** Virtual-time friendly clock: the runtime's in production, a SimClock in tests. */
export interface ResolverTime {
  now(): number;
  setTimer(delayNs: number, fn: () => void): () => void;
}

/** Counters a test or an operator can read to see what the resolver put up with. */
export interface ResolverStats {
  /** UDP queries sent. */
  udpQueries: number;
  /** Tries that got no acceptable answer before their deadline. */
  timeouts: number;
  /** Datagrams on a query's port that did not answer it (wrong source, ID or question; undecodable). */
  ignored: number;
  /** Truncated UDP answers (TC=1) that sent the query over TCP. */
  tcpFallbacks: number;
  /** TCP exchanges that failed (connect, I/O, framing, mismatch). */
  tcpFailures: number;
}

export function emptyStats(): ResolverStats {
  return { udpQueries: 0, timeouts: 0, ignored: 0, tcpFallbacks: 0, tcpFailures: 0 };
}

export type Exchange =
  | { readonly kind: "response"; readonly message: Message }
  | { readonly kind: "timeout" }
  | { readonly kind: "failed"; readonly message: string };

/** What a response must echo: our ID and our one question. */
export interface Expected {
  readonly id: number;
  readonly question: Question;
}

/** The IANA dynamic port range (RFC 6335 section 6), 49152..65535. */
const PORT_LOW = 49152;
const PORT_COUNT = 16384;
/** The largest DNS message, and so the largest TCP frame (RFC 1035 section 4.2.2). */
const MAX_MESSAGE = 0xffff;

// Ports this process has open for queries, per Udp: the direct stack's `listen`
// silently replaces a listener, so two concurrent queries must never share a port.
const portsInUse = new WeakMap<Udp, Set<number>>();

function matches(m: Message, e: Expected): boolean {
  if (!m.qr || m.id !== e.id || m.questions.length !== 1) return false;
  const q = m.questions[0]!;
  return q.type === e.question.type && q.class === e.question.class && nameEquals(q.name, e.question.name);
}

/** Resolves with `p`'s value, or "timeout" at `deadlineNs` (monotonic), whichever comes first. */
export function beforeDeadline<T>(p: Promise<T>, deadlineNs: number, time: ResolverTime): Promise<T | "timeout"> {
  let cancel: (() => void) | undefined;
  const timer = new Promise<"timeout">((resolve) => {
    cancel = time.setTimer(Math.max(0, deadlineNs - time.now()), () => resolve("timeout"));
  });
  return Promise.race([p, timer]).finally(() => cancel?.());
}

/**
 * Sends `query` from a fresh random port and waits until `deadlineNs` for a datagram
 * from `server` that answers it.
 */
export async function udpExchange(
  udp: Udp,
  server: Nameserver,
  query: Uint8Array,
  expected: Expected,
  deadlineNs: number,
  time: ResolverTime,
  random: (bound: number) => number,
  stats: ResolverStats,
): Promise<Exchange> {
  let inUse = portsInUse.get(udp);
  if (inUse === undefined) portsInUse.set(udp, (inUse = new Set()));
  let answer: ((m: Message) => void) | undefined;
  const answered = new Promise<Message>((resolve) => (answer = resolve));
  let port = -1;
  for (let i = 0; i < 16 && port < 0; i++) {
    const p = PORT_LOW + random(PORT_COUNT);
    if (inUse.has(p)) continue;
    try {
      udp.listen(p, (d) => {
        const r = d.src.address === server.address && d.src.port === server.port ? decodeMessage(d.data) : undefined;
        if (r !== undefined && r.ok && matches(r.value, expected)) answer!(r.value);
        else stats.ignored++;
      });
      port = p;
    } catch (e) {
      // The socket stack refuses a port it already listens on; pick another.
      if (!(e instanceof RangeError)) throw e;
    }
  }
  if (port < 0) return { kind: "failed", message: "no free UDP source port for the query" };
  inUse.add(port);
  try {
    stats.udpQueries++;
    const sent = await udp.send(server.address, server.port, query, { srcPort: port });
    if (!sent.ok) return { kind: "failed", message: `cannot send to ${show(server)}: ${sent.error.message}` };
    const r = await beforeDeadline(answered, deadlineNs, time);
    if (r === "timeout") {
      stats.timeouts++;
      return { kind: "timeout" };
    }
    return { kind: "response", message: r };
  } finally {
    udp.unlisten(port);
    inUse.delete(port);
  }
}

/** Sends `query` over a new TCP connection and reads one length-framed response before `deadlineNs`. */
export async function tcpExchange(
  tcp: Tcp,
  server: Nameserver,
  query: Uint8Array,
  expected: Expected,
  deadlineNs: number,
  time: ResolverTime,
  stats: ResolverStats,
): Promise<Exchange> {
  const connecting = tcp.connect(server.address, server.port);
  const c = await beforeDeadline(connecting, deadlineNs, time);
  if (c === "timeout") {
    // Close the connection should it complete after all.
    void connecting.then((r) => (r.ok ? r.value.close() : undefined)).catch(() => undefined);
    stats.tcpFailures++;
    return { kind: "timeout" };
  }
  if (!c.ok) {
    stats.tcpFailures++;
    return { kind: "failed", message: `TCP connect to ${show(server)}: ${c.error.message}` };
  }
  const flow = c.value;
  const fail = (message: string): Exchange => {
    stats.tcpFailures++;
    return { kind: "failed", message: `TCP to ${show(server)}: ${message}` };
  };
  try {
    const len = Uint8Array.of(query.length >>> 8, query.length & 0xff);
    const w = await beforeDeadline(flow.writev([len, query]), deadlineNs, time);
    if (w === "timeout") return fail("timed out writing the query");
    if (!w.ok) return fail(w.error.message);
    const frame = await beforeDeadline(readFrame(flow), deadlineNs, time);
    if (frame === "timeout") {
      stats.tcpFailures++;
      return { kind: "timeout" };
    }
    if (typeof frame === "string") return fail(frame);
    const m = decodeMessage(frame);
    if (!m.ok) return fail(`undecodable response: ${m.error.message}`);
    if (!matches(m.value, expected)) return fail("the response does not answer the query (ID or question differ)");
    return { kind: "response", message: m.value };
  } finally {
    await flow.close().catch(() => undefined);
  }
}

/** Reads one two-octet-length-prefixed message; a string says what went wrong. */
async function readFrame(flow: Flow): Promise<Uint8Array | string> {
  let buf = new Uint8Array(0);
  let need = 2;
  let framed = false;
  for (;;) {
    if (buf.length >= need) {
      if (framed) return buf.slice(2, need);
      need = 2 + ((buf[0]! << 8) | buf[1]!);
      framed = true;
      if (need === 2) return "empty response frame";
      continue;
    }
    const r = await flow.read();
    if (!r.ok) return r.error.message;
    if (r.value === null) return `the server closed the connection after ${buf.length} of ${framed ? need : 2} octets`;
    if (buf.length + r.value.length > 2 + MAX_MESSAGE) return "the server sent more than one message";
    const next = new Uint8Array(buf.length + r.value.length);
    next.set(buf);
    next.set(r.value, buf.length);
    buf = next;
  }
}

export function show(s: Nameserver): string {
  return `${s.address}:${s.port}`;
}
