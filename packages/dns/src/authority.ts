/**
 * Authoritative answers (RFC 1034 section 4.3.2, RFC 2308, RFC 4592, RFC 6604,
 * RFC 8482) computed from a ZoneStore. Pure: no I/O, never throws on a decoded query.
 *
 * Choices: positive answers carry no NS in authority (minimal responses, like Knot);
 * ANY returns the first RRset at the name (RFC 8482 section 4.1); classes other than
 * IN get REFUSED; AXFR/IXFR get REFUSED (no zone transfer); MAILA/MAILB get NOTIMP;
 * OPT as a question type is FORMERR.
 */
import { type Name, nameKey } from "./name.ts";
import { decodeMessage, encodeMessage, HEADER_SIZE } from "./message.ts";
import { type Edns, type Message, type Question, type ResourceRecord, Opcode, Rcode, RrClass, RrType } from "./types.ts";
import type { Zone, ZoneStore } from "./zone-store.ts";

export interface AnswerOptions {
  /** Our EDNS payload size, advertised in OPT and the cap for UDP answers (default 1232). */
  readonly maxUdpSize?: number;
  readonly transport: "udp" | "tcp";
}

export interface Answer {
  /** The full response; when `bytes` had to be truncated, `tc` is set here too. */
  readonly message: Message;
  readonly bytes: Uint8Array;
}

const DEFAULT_UDP = 1232;
const MAX_CHAIN = 16;

interface Sections {
  rcode: number;
  aa: boolean;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
}

/** Answers one decoded query. */
export function answerQuery(store: ZoneStore, query: Message, opts: AnswerOptions): Answer {
  const ourSize = opts.maxUdpSize ?? DEFAULT_UDP;
  if (!Number.isInteger(ourSize) || ourSize < 512 || ourSize > 0xffff) throw new RangeError(`dns: maxUdpSize ${String(opts.maxUdpSize)} is not in 512..65535`);
  const edns: Edns | undefined = query.edns
    ? { udpPayloadSize: ourSize, version: 0, dnssecOk: query.edns.dnssecOk, flags: 0, options: [] } // RFC 3225 section 3: DO copied
    : undefined;
  const s: Sections = { rcode: Rcode.NOERROR, aa: false, answers: [], authority: [], additional: [] };
  const q = query.questions.length === 1 ? query.questions[0]! : undefined;
  if (query.opcode !== Opcode.QUERY) s.rcode = Rcode.NOTIMP;
  else if (query.qr || !q) s.rcode = Rcode.FORMERR;
  else if (query.edns && query.edns.version > 0) s.rcode = Rcode.BADVERS; // RFC 6891 section 6.1.3
  else if (q.type === RrType.OPT) s.rcode = Rcode.FORMERR;
  else if (q.class !== RrClass.IN) s.rcode = Rcode.REFUSED;
  else if (q.type === RrType.AXFR || q.type === 251) s.rcode = Rcode.REFUSED;
  else if (q.type === 253 || q.type === 254) s.rcode = Rcode.NOTIMP;
  else resolve(store, q, s);
  let message: Message = {
    id: query.id,
    qr: true,
    opcode: query.opcode,
    aa: s.aa,
    tc: false,
    rd: query.rd,
    ra: false,
    z: false,
    ad: false,
    cd: query.cd,
    rcode: s.rcode,
    // Echo the question; a FORMERR for several questions (or none) carries none.
    questions: q ? [q] : [],
    answers: s.answers,
    authority: s.authority,
    additional: s.additional,
    edns,
  };
  // RFC 6891 section 6.2.5: payload sizes below 512 are treated as 512.
  const limit = opts.transport === "tcp" ? 0xffff : query.edns ? Math.min(ourSize, Math.max(512, query.edns.udpPayloadSize)) : 512;
  const enc = encodeMessage(message, { maxSize: limit });
  if (enc.truncated) message = { ...message, tc: true };
  return { message, bytes: enc.bytes };
}

/**
 * Answers raw query bytes. A packet that does not decode gets a bare FORMERR header
 * echoing its id when it has at least a header; shorter packets and packets with QR
 * set (responses: answering them risks loops between servers) are dropped (undefined).
 */
export function answerPacket(store: ZoneStore, packet: Uint8Array, opts: AnswerOptions): Answer | undefined {
  if (packet.length < HEADER_SIZE || (packet[2]! & 0x80) !== 0) return undefined;
  const d = decodeMessage(packet);
  if (d.ok) return answerQuery(store, d.value, opts);
  const bytes = new Uint8Array(HEADER_SIZE);
  bytes[0] = packet[0]!;
  bytes[1] = packet[1]!;
  const opcode = (packet[2]! >>> 3) & 0xf;
  bytes[2] = 0x80 | (opcode << 3) | (packet[2]! & 0x01); // QR, opcode, RD copied
  bytes[3] = Rcode.FORMERR;
  const message: Message = {
    id: (packet[0]! << 8) | packet[1]!,
    qr: true,
    opcode,
    aa: false,
    tc: false,
    rd: (packet[2]! & 0x01) !== 0,
    ra: false,
    z: false,
    ad: false,
    cd: false,
    rcode: Rcode.FORMERR,
    questions: [],
    answers: [],
    authority: [],
    additional: [],
  };
  return { message, bytes };
}

function withOwner(rrs: readonly ResourceRecord[], owner: Name): ResourceRecord[] {
  return rrs.map((rr) => ({ ...rr, name: owner }));
}

/** RFC 2308 section 3: the SOA in authority, its TTL capped by the SOA minimum. */
function negativeSoa(zone: Zone): ResourceRecord {
  const soa = zone.soa;
  const min = soa.data.kind === "SOA" ? soa.data.minimum : soa.ttl;
  return { ...soa, ttl: Math.min(soa.ttl, min) };
}

function resolve(store: ZoneStore, q: Question, s: Sections): void {
  let current: Name = q.name;
  const seen = new Set<string>();
  for (let hop = 0; hop < MAX_CHAIN; hop++) {
    const key = nameKey(current);
    if (seen.has(key)) return; // CNAME loop: return the chain so far (RFC 1034 section 3.6.2)
    seen.add(key);
    const zone = store.zoneFor(current);
    if (!zone) {
      // Outside our zones: REFUSED for the query name, else a partial chain (RFC 1034 4.3.2 step 3a).
      if (hop === 0) s.rcode = Rcode.REFUSED;
      return;
    }
    const cut = store.delegationFor(zone, current);
    if (cut) {
      // Referral (RFC 1034 section 4.3.2 step 3b): not authoritative unless a CNAME led here.
      const ns = cut.rrsets.get(RrType.NS)!;
      s.authority.push(...ns);
      for (const rr of ns) if (rr.data.kind === "NS") addAddresses(store, rr.data.host, s);
      return;
    }
    s.aa = true;
    let node = zone.nodes.get(key);
    const owner = current;
    if (!node && !zone.existing.has(key)) {
      // RFC 4592 section 4.1: the source of synthesis is `*` under the closest encloser.
      let i = 1;
      while (!zone.existing.has(nameKey(current.slice(i)))) i++;
      node = zone.nodes.get(nameKey(["*", ...current.slice(i)]));
      if (!node) {
        s.rcode = Rcode.NXDOMAIN; // RFC 6604: the rcode is that of the last name in the chain
        s.authority.push(negativeSoa(zone));
        return;
      }
    }
    const sets = node?.rrsets;
    if (!sets) {
      s.authority.push(negativeSoa(zone)); // empty non-terminal: NODATA
      return;
    }
    const cname = sets.get(RrType.CNAME);
    if (cname && q.type !== RrType.CNAME && q.type !== RrType.ANY) {
      s.answers.push(...withOwner(cname, owner));
      const data = cname[0]!.data;
      if (data.kind !== "CNAME") return;
      current = data.target;
      continue;
    }
    let rrs: readonly ResourceRecord[] | undefined;
    if (q.type === RrType.ANY) rrs = sets.values().next().value; // RFC 8482 section 4.1: one RRset
    else rrs = sets.get(q.type);
    if (!rrs || rrs.length === 0) {
      s.authority.push(negativeSoa(zone));
      return;
    }
    s.answers.push(...withOwner(rrs, owner));
    for (const rr of rrs) {
      const d = rr.data;
      if (d.kind === "MX") addAddresses(store, d.exchange, s);
      else if (d.kind === "NS") addAddresses(store, d.host, s);
      else if (d.kind === "SRV") addAddresses(store, d.target, s);
    }
    return;
  }
}

/** Additional-section processing (RFC 1034 section 4.3.2 step 6) for hosts in our zones, once each. */
function addAddresses(store: ZoneStore, host: Name, s: Sections): void {
  const k = nameKey(host);
  for (const rr of s.additional) if (nameKey(rr.name) === k) return;
  for (const rr of s.answers) if ((rr.type === RrType.A || rr.type === RrType.AAAA) && nameKey(rr.name) === k) return;
  s.additional.push(...store.addresses(host));
}
