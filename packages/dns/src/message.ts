/**
 * DNS messages (RFC 1035 section 4.1) with EDNS(0) (RFC 6891): decoding that never
 * throws on untrusted bytes, and encoding with optional truncation to a size limit.
 */
import { type ParseResult, parseError } from "@mirage-ts/wire";
import { checkName, nameEquals } from "./name.ts";
import { decodeName, Writer } from "./wire-name.ts";
import { decodeRdata, encodeRdata } from "./rdata.ts";
import { type Edns, type EdnsOption, type Message, type Question, type ResourceRecord, RrType } from "./types.ts";

export const HEADER_SIZE = 12;

/** Decodes a whole message. Octets after the last record are ignored. */
export function decodeMessage(buf: Uint8Array): ParseResult<Message> {
  if (buf.length < HEADER_SIZE) return parseError("truncated", `dns: ${buf.length} octets is shorter than a header`);
  const id = (buf[0]! << 8) | buf[1]!;
  const f = (buf[2]! << 8) | buf[3]!;
  const counts = [(buf[4]! << 8) | buf[5]!, (buf[6]! << 8) | buf[7]!, (buf[8]! << 8) | buf[9]!, (buf[10]! << 8) | buf[11]!];
  let pos = HEADER_SIZE;
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]!; i++) {
    const n = decodeName(buf, pos);
    if (!n.ok) return n;
    pos = n.value.end;
    if (pos + 4 > buf.length) return parseError("truncated", "dns: question cut short");
    questions.push({ name: n.value.name, type: (buf[pos]! << 8) | buf[pos + 1]!, class: (buf[pos + 2]! << 8) | buf[pos + 3]! });
    pos += 4;
  }
  const sections: ResourceRecord[][] = [[], [], []];
  let edns: Edns | undefined;
  let extRcode = 0;
  for (let s = 0; s < 3; s++) {
    const out = sections[s]!;
    for (let i = 0; i < counts[s + 1]!; i++) {
      const n = decodeName(buf, pos);
      if (!n.ok) return n;
      pos = n.value.end;
      if (pos + 10 > buf.length) return parseError("truncated", "dns: record header cut short");
      const type = (buf[pos]! << 8) | buf[pos + 1]!;
      const cls = (buf[pos + 2]! << 8) | buf[pos + 3]!;
      const rawTtl = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
      const rdlen = (buf[pos + 8]! << 8) | buf[pos + 9]!;
      pos += 10;
      if (pos + rdlen > buf.length) return parseError("truncated", "dns: RDATA cut short");
      if (type === RrType.OPT) {
        // RFC 6891 section 6.1.1: one OPT, in the additional section, owned by the root.
        if (s !== 2) return parseError("malformed", "dns: OPT outside the additional section");
        if (edns) return parseError("malformed", "dns: more than one OPT record");
        if (n.value.name.length !== 0) return parseError("malformed", "dns: OPT owner is not the root");
        const opts = decodeOptions(buf, pos, rdlen);
        if (!opts.ok) return opts;
        extRcode = rawTtl >>> 24;
        edns = {
          udpPayloadSize: cls,
          version: (rawTtl >>> 16) & 0xff,
          dnssecOk: (rawTtl & 0x8000) !== 0,
          flags: rawTtl & 0x7fff,
          options: opts.value,
        };
      } else {
        const d = decodeRdata(buf, pos, rdlen, type, cls);
        if (!d.ok) return d;
        // RFC 2181 section 8: a TTL with the top bit set is treated as zero.
        out.push({ name: n.value.name, type, class: cls, ttl: rawTtl > 0x7fffffff ? 0 : rawTtl, data: d.value });
      }
      pos += rdlen;
    }
  }
  return {
    ok: true,
    value: {
      id,
      qr: (f & 0x8000) !== 0,
      opcode: (f >>> 11) & 0xf,
      aa: (f & 0x0400) !== 0,
      tc: (f & 0x0200) !== 0,
      rd: (f & 0x0100) !== 0,
      ra: (f & 0x0080) !== 0,
      z: (f & 0x0040) !== 0,
      ad: (f & 0x0020) !== 0,
      cd: (f & 0x0010) !== 0,
      rcode: (extRcode << 4) | (f & 0xf),
      questions,
      answers: sections[0]!,
      authority: sections[1]!,
      additional: sections[2]!,
      edns,
    },
  };
}

function decodeOptions(buf: Uint8Array, off: number, rdlen: number): ParseResult<EdnsOption[]> {
  const out: EdnsOption[] = [];
  const end = off + rdlen;
  let p = off;
  while (p < end) {
    if (p + 4 > end) return parseError("malformed", "dns: EDNS option header cut short");
    const code = (buf[p]! << 8) | buf[p + 1]!;
    const len = (buf[p + 2]! << 8) | buf[p + 3]!;
    if (p + 4 + len > end) return parseError("malformed", "dns: EDNS option runs past the OPT RDATA");
    out.push({ code, data: buf.slice(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return { ok: true, value: out };
}

export interface EncodeOptions {
  /** Largest message to produce (e.g. the UDP payload size); at least 12. */
  readonly maxSize?: number;
}

export interface Encoded {
  readonly bytes: Uint8Array;
  /** True when records were dropped and TC was set because of `maxSize`. */
  readonly truncated: boolean;
}

function optSize(edns: Edns | undefined): number {
  if (!edns) return 0;
  let n = 11;
  for (const o of edns.options) n += 4 + o.data.length;
  return n;
}

/**
 * Encodes a message, compressing names. With `maxSize`, whole records are dropped
 * from the end to fit: records lost from the answer or authority section set TC and
 * end the message there (RFC 1035 section 4.2.1, RFC 2181 section 9); additional
 * records that do not fit are left out without TC, whole RRsets at a time (RFC 2181
 * section 9: TC is not set merely because extra information did not fit). The OPT
 * record is always kept (RFC 6891 section 7). Throws TypeError/RangeError on values
 * that cannot be encoded.
 */
export function encodeMessage(msg: Message, opts: EncodeOptions = {}): Encoded {
  const limitAll = opts.maxSize ?? 0xffff;
  if (!Number.isInteger(limitAll) || limitAll < HEADER_SIZE) throw new RangeError(`dns: maxSize ${String(opts.maxSize)} is below ${HEADER_SIZE}`);
  if (!Number.isInteger(msg.id) || msg.id < 0 || msg.id > 0xffff) throw new RangeError(`dns: bad message id ${msg.id}`);
  if (!Number.isInteger(msg.opcode) || msg.opcode < 0 || msg.opcode > 15) throw new RangeError(`dns: bad opcode ${msg.opcode}`);
  if (!Number.isInteger(msg.rcode) || msg.rcode < 0 || msg.rcode > 0xfff) throw new RangeError(`dns: bad rcode ${msg.rcode}`);
  if (msg.rcode > 15 && !msg.edns) throw new RangeError(`dns: rcode ${msg.rcode} needs EDNS`);
  const edns = msg.edns;
  const limit = limitAll - optSize(edns);
  if (limit < HEADER_SIZE) throw new RangeError(`dns: maxSize ${limitAll} leaves no room for the OPT record`);
  const w = new Writer(Math.min(limitAll, 512));
  for (let i = 0; i < HEADER_SIZE; i++) w.u8(0);
  let truncated = false;
  let qd = 0;
  for (const q of msg.questions) {
    checkName(q.name);
    const mark = w.len;
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
    if (w.len > limit) {
      w.rollback(mark);
      truncated = true;
      break;
    }
    qd++;
  }
  const counts = [0, 0, 0];
  const sections = [msg.answers, msg.authority, msg.additional];
  for (let s = 0; s < 3 && !truncated; s++) {
    const rrs = sections[s]!;
    let rrsetStart = w.len;
    let rrsetCount = 0;
    for (let i = 0; i < rrs.length; i++) {
      const rr = rrs[i]!;
      if (rr.type === RrType.OPT) throw new TypeError("dns: put OPT in Message.edns, not in a section");
      const prev = i > 0 ? rrs[i - 1]! : undefined;
      if (!prev || prev.type !== rr.type || prev.class !== rr.class || !nameEquals(prev.name, rr.name)) {
        rrsetStart = w.len;
        rrsetCount = 0;
      }
      const mark = w.len;
      writeRecord(w, rr);
      if (w.len > limit) {
        if (s < 2) {
          w.rollback(mark);
          truncated = true;
        } else {
          w.rollback(rrsetStart);
          counts[s]! -= rrsetCount;
        }
        break;
      }
      counts[s]!++;
      rrsetCount++;
    }
  }
  let ar = counts[2]!;
  if (edns) {
    writeOpt(w, edns, msg.rcode >>> 4);
    ar++;
  }
  if (w.len > 0xffff) throw new RangeError(`dns: message of ${w.len} octets`);
  const f =
    (msg.qr ? 0x8000 : 0) |
    (msg.opcode << 11) |
    (msg.aa ? 0x0400 : 0) |
    (msg.tc || truncated ? 0x0200 : 0) |
    (msg.rd ? 0x0100 : 0) |
    (msg.ra ? 0x0080 : 0) |
    (msg.z ? 0x0040 : 0) |
    (msg.ad ? 0x0020 : 0) |
    (msg.cd ? 0x0010 : 0) |
    (msg.rcode & 0xf);
  w.setU16(0, msg.id);
  w.setU16(2, f);
  w.setU16(4, qd);
  w.setU16(6, counts[0]!);
  w.setU16(8, counts[1]!);
  w.setU16(10, ar);
  return { bytes: w.result(), truncated };
}

function writeRecord(w: Writer, rr: ResourceRecord): void {
  checkName(rr.name);
  if (!Number.isInteger(rr.ttl) || rr.ttl < 0 || rr.ttl > 0xffffffff) throw new RangeError(`dns: bad TTL ${rr.ttl}`);
  if (!Number.isInteger(rr.type) || rr.type < 0 || rr.type > 0xffff) throw new RangeError(`dns: bad type ${rr.type}`);
  if (!Number.isInteger(rr.class) || rr.class < 0 || rr.class > 0xffff) throw new RangeError(`dns: bad class ${rr.class}`);
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  encodeRdata(w, rr.type, rr.class, rr.data);
}

function writeOpt(w: Writer, e: Edns, extRcode: number): void {
  if (!Number.isInteger(e.udpPayloadSize) || e.udpPayloadSize < 0 || e.udpPayloadSize > 0xffff) throw new RangeError(`dns: bad EDNS payload size ${e.udpPayloadSize}`);
  if (!Number.isInteger(e.version) || e.version < 0 || e.version > 0xff) throw new RangeError(`dns: bad EDNS version ${e.version}`);
  w.u8(0); // root owner
  w.u16(RrType.OPT);
  w.u16(e.udpPayloadSize);
  w.u32(((extRcode & 0xff) << 24) | (e.version << 16) | (e.dnssecOk ? 0x8000 : 0) | (e.flags & 0x7fff));
  const lenAt = w.len;
  w.u16(0);
  for (const o of e.options) {
    if (!Number.isInteger(o.code) || o.code < 0 || o.code > 0xffff) throw new RangeError(`dns: bad EDNS option code ${o.code}`);
    w.u16(o.code);
    w.u16(o.data.length);
    w.bytes(o.data);
  }
  w.setU16(lenAt, w.len - lenAt - 2);
}
