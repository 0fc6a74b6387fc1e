/**
 * A stub resolver (RFC 1034 section 5.3.1): asks configured recursive (or
 * authoritative) servers over any `Stack`, with retries, rotation over servers and
 * TCP fallback on truncation, and follows CNAME chains in the answers.
 *
 * - Each try goes to the next server in the list (the first try to the first server,
 *   as resolv.conf does), waits `timeoutMs`, and there are `tries` of them in all
 *   (default 3, or one per server when more servers are configured).
 * - A truncated UDP answer (TC=1) is asked again over TCP to the same server (RFC 7766
 *   section 5); if TCP fails, the next try starts over on UDP.
 * - SERVFAIL, REFUSED and NOTIMP move on to the next server; the last one is reported
 *   if every try ends that way. FORMERR to an EDNS query is asked again without EDNS
 *   (RFC 6891 section 7). NXDOMAIN is final (RFC 6604: it is about the last name of
 *   the CNAME chain).
 * - A chain that ends at a CNAME whose target the response says nothing about (an
 *   authoritative server outside the target's zone) is continued by asking for the
 *   target, up to `maxCnameChain` CNAMEs in all; a loop is an error.
 */
import { type ErrorValue, type Result, type Stack, err, ok } from "@mirage-ts/devices";
import { randomInt, monotonicNs, setTimer } from "@mirage-ts/runtime";
import { encodeMessage } from "./message.ts";
import { type Name, nameEquals, nameKey, nameToString, parseName } from "./name.ts";
import {
  type Nameserver,
  type Exchange,
  type ResolverStats,
  type ResolverTime,
  emptyStats,
  show,
  tcpExchange,
  udpExchange,
} from "./resolver-transport.ts";
import { ipv4ToString, parseIpv4 } from "./text.ts";
import { type Message, type Question, type ResourceRecord, Rcode, RrClass, RrType, typeFromString, typeToString } from "./types.ts";

export type { Nameserver, ResolverStats, ResolverTime } from "./resolver-transport.ts";

export type ResolveErrorCode =
  /** The name does not exist (RCODE 3). */
  | "nxdomain"
  /** The name exists but has no records of the type asked for (NOERROR, empty answer). */
  | "nodata"
  | "servfail"
  | "refused"
  | "formerr"
  | "notimp"
  /** Any other RCODE. */
  | "rcode"
  /** No server answered in time. */
  | "timeout"
  /** The query could not be sent or the TCP exchange failed. */
  | "network"
  /** A CNAME chain that loops or is longer than `maxCnameChain`. */
  | "cname_chain"
  /** The name given is not a valid domain name. */
  | "bad_name";

export interface ResolveError extends ErrorValue<ResolveErrorCode> {
  /** The RCODE received, for rcode errors. */
  readonly rcode?: number;
}

export interface Resolution {
  /** The name asked for. */
  readonly name: Name;
  readonly type: number;
  /** The end of the CNAME chain: the owner of `records`. */
  readonly canonicalName: Name;
  /** The records of `type` at `canonicalName` (never empty). */
  readonly records: readonly ResourceRecord[];
  /** The CNAME records followed from `name` to `canonicalName`, in order. */
  readonly cnames: readonly ResourceRecord[];
  /** The server that gave the final answer, and how. */
  readonly server: Nameserver;
  readonly transport: "udp" | "tcp";
}

export interface ResolverOptions {
  /** Servers in order of preference; at least one. */
  readonly servers: readonly Nameserver[];
  /** How long one try waits for an answer (default 2000). */
  readonly timeoutMs?: number;
  /** Tries in all, rotating over the servers (default: 3 or the number of servers, whichever is larger). */
  readonly tries?: number;
  /** Send an EDNS(0) OPT advertising this UDP payload size; 0 sends none (default 1232, DNS flag day 2020). */
  readonly udpPayloadSize?: number;
  /** Most CNAMEs followed for one name (default 8). */
  readonly maxCnameChain?: number;
  /** Default: the runtime's monotonic clock and timers. */
  readonly time?: ResolverTime;
  /** A uniform integer in [0, bound); default the runtime's CSPRNG (`randomInt`). */
  readonly random?: (bound: number) => number;
}

interface Answered {
  readonly message: Message;
  readonly server: Nameserver;
  readonly transport: "udp" | "tcp";
}

const DEFAULT_TIME: ResolverTime = { now: monotonicNs, setTimer };

function positiveInt(what: string, v: number | undefined, dflt: number, min = 1, max = 1e9): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < min || v > max) throw new RangeError(`Resolver: ${what} must be an integer in ${min}..${max}, got ${String(v)}`);
  return v;
}

export class Resolver {
  readonly stats: ResolverStats = emptyStats();
  private readonly servers: readonly Nameserver[];
  private readonly timeoutNs: number;
  private readonly tries: number;
  private readonly payload: number;
  private readonly maxChain: number;
  private readonly time: ResolverTime;
  private readonly random: (bound: number) => number;

  constructor(
    private readonly stack: Stack,
    opts: ResolverOptions,
  ) {
    if (!Array.isArray(opts?.servers) || opts.servers.length === 0) throw new RangeError("Resolver: at least one server is needed");
    for (const s of opts.servers) {
      if (parseIpv4(s?.address) === undefined) throw new TypeError(`Resolver: server address must be dotted-quad IPv4, got ${JSON.stringify(s?.address)}`);
      if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new RangeError(`Resolver: server port must be in 1..65535, got ${String(s.port)}`);
    }
    this.servers = [...opts.servers];
    this.timeoutNs = positiveInt("timeoutMs", opts.timeoutMs, 2000, 1, 600_000) * 1e6;
    this.tries = positiveInt("tries", opts.tries, Math.max(3, this.servers.length), 1, 100);
    this.payload = positiveInt("udpPayloadSize", opts.udpPayloadSize, 1232, 0, 0xffff);
    if (this.payload > 0 && this.payload < 512) throw new RangeError(`Resolver: udpPayloadSize must be 0 or 512..65535, got ${this.payload}`);
    this.maxChain = positiveInt("maxCnameChain", opts.maxCnameChain, 8, 0, 64);
    this.time = opts.time ?? DEFAULT_TIME;
    this.random = opts.random ?? randomInt;
  }

  /**
   * The records of `type` (a number, or a mnemonic like "A") for `name` (presentation
   * form, absolute or not: "example.org" means "example.org."), following CNAMEs.
   */
  async resolve(name: string | Name, type: number | string = RrType.A): Promise<Result<Resolution, ResolveError>> {
    const qtype = typeof type === "number" ? type : typeFromString(type);
    if (qtype === undefined || !Number.isInteger(qtype) || qtype < 0 || qtype > 0xffff) throw new TypeError(`Resolver.resolve: bad type ${JSON.stringify(type)}`);
    let qname: Name;
    if (typeof name === "string") {
      const p = parseName(name.endsWith(".") ? name : name + ".");
      if (!p.ok) return err({ code: "bad_name", message: `bad domain name ${JSON.stringify(name)}: ${p.error}` });
      qname = p.value;
    } else qname = name;
    const cnames: ResourceRecord[] = [];
    const seen = new Set<string>([nameKey(qname)]);
    let target = qname;
    for (;;) {
      const r = await this.query(target, qtype);
      if (!r.ok) return r;
      const { message } = r.value;
      // Walk the chain through this answer section.
      let current = target;
      let records: ResourceRecord[] = [];
      for (;;) {
        // ANY matches whatever the server chose to return (RFC 8482).
        records = message.answers.filter((rr) => (rr.type === qtype || qtype === RrType.ANY) && rr.class === RrClass.IN && nameEquals(rr.name, current));
        if (records.length > 0 || qtype === RrType.CNAME) break;
        const cname = message.answers.find((rr) => rr.type === RrType.CNAME && rr.data.kind === "CNAME" && nameEquals(rr.name, current));
        if (cname === undefined || cname.data.kind !== "CNAME") break;
        const key = nameKey(cname.data.target);
        if (seen.has(key)) return err({ code: "cname_chain", message: `CNAME loop at ${nameToString(cname.data.target)} resolving ${nameToString(qname)}` });
        if (cnames.length >= this.maxChain) return err({ code: "cname_chain", message: `more than ${this.maxChain} CNAMEs resolving ${nameToString(qname)}` });
        seen.add(key);
        cnames.push(cname);
        current = cname.data.target;
      }
      const what = `${nameToString(current)} ${typeToString(qtype)}`;
      if (records.length > 0) {
        return ok({ name: qname, type: qtype, canonicalName: current, records, cnames, server: r.value.server, transport: r.value.transport });
      }
      if (message.rcode === Rcode.NXDOMAIN) {
        return err({ code: "nxdomain", rcode: Rcode.NXDOMAIN, message: `${nameToString(current)}: no such domain (NXDOMAIN from ${show(r.value.server)})` });
      }
      // The chain moved on and nothing in the response is about its end (no SOA proving
      // NODATA): ask about the target itself.
      const proof = message.authority.some((rr) => rr.type === RrType.SOA);
      if (!nameEquals(current, target) && !proof) {
        target = current;
        continue;
      }
      return err({ code: "nodata", message: `${what}: no such record (the name exists; answer from ${show(r.value.server)})` });
    }
  }

  /** IPv4 addresses of `host`: a dotted-quad literal as is, otherwise its A records. */
  async resolveIpv4(host: string): Promise<Result<string[], ResolveError>> {
    if (parseIpv4(host) !== undefined) return ok([host]);
    const r = await this.resolve(host, RrType.A);
    if (!r.ok) return r;
    return ok(r.value.records.flatMap((rr) => (rr.data.kind === "A" ? [ipv4ToString(rr.data.address)] : [])));
  }

  /**
   * One question, tried over the servers until an answer that settles it (NOERROR or
   * NXDOMAIN) arrives. Other RCODEs and silence move on to the next server.
   */
  async query(qname: Name, qtype: number): Promise<Result<Answered, ResolveError>> {
    const question: Question = { name: qname, type: qtype, class: RrClass.IN };
    const what = `${nameToString(qname)} ${typeToString(qtype)}`;
    let last: ResolveError | undefined;
    let edns = this.payload > 0;
    for (let t = 0; t < this.tries; t++) {
      const server = this.servers[t % this.servers.length]!;
      const id = this.random(0x10000);
      const bytes = encodeQuery(id, question, edns ? this.payload : 0);
      const expected = { id, question };
      const deadline = this.time.now() + this.timeoutNs;
      let transport: "udp" | "tcp" = "udp";
      let x: Exchange = await udpExchange(this.stack.udp, server, bytes, expected, deadline, this.time, this.random, this.stats);
      if (x.kind === "response" && x.message.tc) {
        // RFC 7766 section 5: a truncated answer is asked again over TCP, with its own deadline.
        this.stats.tcpFallbacks++;
        transport = "tcp";
        x = await tcpExchange(this.stack.tcp, server, bytes, expected, this.time.now() + this.timeoutNs, this.time, this.stats);
      }
      if (x.kind === "timeout") {
        last = { code: "timeout", message: `no answer for ${what} from ${this.serverList()} after ${this.tries} ${this.tries === 1 ? "try" : "tries"} of ${this.timeoutNs / 1e6} ms` };
        continue;
      }
      if (x.kind === "failed") {
        last = { code: "network", message: `${what}: ${x.message}` };
        continue;
      }
      const m = x.message;
      if (m.rcode === Rcode.NOERROR || m.rcode === Rcode.NXDOMAIN) return ok({ message: m, server, transport });
      if (m.rcode === Rcode.FORMERR && edns) {
        // RFC 6891 section 7: a server that does not know EDNS answers FORMERR; ask plainly.
        edns = false;
        t--;
        continue;
      }
      last = rcodeError(m.rcode, what, server);
      if (last.code === "formerr") return err(last);
    }
    return err(last ?? { code: "timeout", message: `no answer for ${what}` });
  }

  private serverList(): string {
    return this.servers.map(show).join(", ");
  }
}

/** Resolves `name` once with a throwaway Resolver (see `Resolver.resolve`). */
export function resolve(stack: Stack, name: string | Name, type: number | string, opts: ResolverOptions): Promise<Result<Resolution, ResolveError>> {
  return new Resolver(stack, opts).resolve(name, type);
}

function rcodeError(rcode: number, what: string, server: Nameserver): ResolveError {
  const from = `from ${show(server)}`;
  switch (rcode) {
    case Rcode.SERVFAIL:
      return { code: "servfail", rcode, message: `${what}: server failure (SERVFAIL ${from})` };
    case Rcode.REFUSED:
      return { code: "refused", rcode, message: `${what}: query refused (REFUSED ${from})` };
    case Rcode.NOTIMP:
      return { code: "notimp", rcode, message: `${what}: not implemented by the server (NOTIMP ${from})` };
    case Rcode.FORMERR:
      return { code: "formerr", rcode, message: `${what}: the server could not parse the query (FORMERR ${from})` };
    default:
      return { code: "rcode", rcode, message: `${what}: RCODE ${rcode} ${from}` };
  }
}

/** A standard query with RD set (we are a stub: the server recurses), optionally with EDNS(0). */
export function encodeQuery(id: number, question: Question, udpPayloadSize: number): Uint8Array {
  const msg: Message = {
    id,
    qr: false,
    opcode: 0,
    aa: false,
    tc: false,
    rd: true,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: 0,
    questions: [question],
    answers: [],
    authority: [],
    additional: [],
    edns: udpPayloadSize > 0 ? { udpPayloadSize, version: 0, dnssecOk: false, flags: 0, options: [] } : undefined,
  };
  return encodeMessage(msg).bytes;
}
