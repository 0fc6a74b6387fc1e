/** RDATA codecs for the supported types; everything else is opaque (RFC 3597). */
import { type ParseResult, parseError } from "@mirage-ts/wire";
import { checkName, type Name } from "./name.ts";
import { decodeName, type Writer } from "./wire-name.ts";
import { type Rdata, RrType, RrClass } from "./types.ts";

function u16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** A/AAAA/SRV are defined for class IN only; elsewhere they are unknown data (RFC 3597 section 5). */
function typedIn(type: number, cls: number): boolean {
  return cls === RrClass.IN || (type !== RrType.A && type !== RrType.AAAA && type !== RrType.SRV);
}

/**
 * Decodes the RDATA of `type` at [off, off+rdlen) inside the whole message `buf`
 * (names may point back into it). Must consume exactly rdlen octets. Empty RDATA
 * (as in RFC 2136 updates) is always opaque.
 */
export function decodeRdata(buf: Uint8Array, off: number, rdlen: number, type: number, cls: number): ParseResult<Rdata> {
  const end = off + rdlen;
  if (end > buf.length) return parseError("truncated", "dns: RDATA runs past the end");
  const opaque = (): ParseResult<Rdata> => ({ ok: true, value: { kind: "opaque", bytes: buf.slice(off, end) } });
  if (rdlen === 0 || !typedIn(type, cls)) return opaque();
  // The name inside must end exactly at the RDATA's end, and may not point past it.
  const nameAt = (o: number): ParseResult<{ name: Name; end: number }> => {
    const r = decodeName(buf.subarray(0, end), o);
    return r;
  };
  const exact = (value: Rdata, used: number): ParseResult<Rdata> =>
    used === end ? { ok: true, value } : parseError("malformed", `dns: ${value.kind} RDATA length ${rdlen} does not match its content`);
  switch (type) {
    case RrType.A:
      if (rdlen !== 4) return parseError("malformed", `dns: A RDATA of ${rdlen} octets`);
      return { ok: true, value: { kind: "A", address: u32(buf, off) } };
    case RrType.AAAA:
      if (rdlen !== 16) return parseError("malformed", `dns: AAAA RDATA of ${rdlen} octets`);
      return { ok: true, value: { kind: "AAAA", address: buf.slice(off, end) } };
    case RrType.NS:
    case RrType.CNAME:
    case RrType.PTR: {
      const n = nameAt(off);
      if (!n.ok) return n;
      const v: Rdata =
        type === RrType.NS ? { kind: "NS", host: n.value.name } : type === RrType.CNAME ? { kind: "CNAME", target: n.value.name } : { kind: "PTR", target: n.value.name };
      return exact(v, n.value.end);
    }
    case RrType.MX: {
      if (rdlen < 3) return parseError("malformed", "dns: MX RDATA too short");
      const n = nameAt(off + 2);
      if (!n.ok) return n;
      return exact({ kind: "MX", preference: u16(buf, off), exchange: n.value.name }, n.value.end);
    }
    case RrType.SRV: {
      if (rdlen < 7) return parseError("malformed", "dns: SRV RDATA too short");
      // RFC 3597 section 4: receivers decompress SRV even though senders must not compress it.
      const n = nameAt(off + 6);
      if (!n.ok) return n;
      return exact({ kind: "SRV", priority: u16(buf, off), weight: u16(buf, off + 2), port: u16(buf, off + 4), target: n.value.name }, n.value.end);
    }
    case RrType.SOA: {
      const m = nameAt(off);
      if (!m.ok) return m;
      const r = nameAt(m.value.end);
      if (!r.ok) return r;
      const p = r.value.end;
      if (p + 20 > end) return parseError("malformed", "dns: SOA RDATA too short");
      return exact(
        {
          kind: "SOA",
          mname: m.value.name,
          rname: r.value.name,
          serial: u32(buf, p),
          refresh: u32(buf, p + 4),
          retry: u32(buf, p + 8),
          expire: u32(buf, p + 12),
          minimum: u32(buf, p + 16),
        },
        p + 20,
      );
    }
    case RrType.TXT: {
      const strings: Uint8Array[] = [];
      let p = off;
      while (p < end) {
        const l = buf[p]!;
        if (p + 1 + l > end) return parseError("malformed", "dns: TXT string runs past its RDATA");
        strings.push(buf.slice(p + 1, p + 1 + l));
        p += 1 + l;
      }
      return { ok: true, value: { kind: "TXT", strings } };
    }
    case RrType.CAA: {
      if (rdlen < 2) return parseError("malformed", "dns: CAA RDATA too short");
      const tl = buf[off + 1]!;
      // RFC 8659 section 4.1: the tag is 1 to 15 ASCII letters and digits.
      if (tl < 1 || tl > 15 || off + 2 + tl > end) return parseError("malformed", `dns: CAA tag length ${tl}`);
      let tag = "";
      for (let i = off + 2; i < off + 2 + tl; i++) {
        const c = buf[i]!;
        if (!((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return parseError("malformed", "dns: CAA tag not alphanumeric");
        tag += String.fromCharCode(c);
      }
      return { ok: true, value: { kind: "CAA", flags: buf[off]!, tag, value: buf.slice(off + 2 + tl, end) } };
    }
    default:
      return opaque();
  }
}

const KIND_OF: Record<number, Rdata["kind"]> = {
  [RrType.A]: "A",
  [RrType.NS]: "NS",
  [RrType.CNAME]: "CNAME",
  [RrType.PTR]: "PTR",
  [RrType.SOA]: "SOA",
  [RrType.MX]: "MX",
  [RrType.TXT]: "TXT",
  [RrType.AAAA]: "AAAA",
  [RrType.SRV]: "SRV",
  [RrType.CAA]: "CAA",
};

/** The data kind a typed record of this type and class carries; "opaque" otherwise. */
export function kindFor(type: number, cls: number): Rdata["kind"] {
  return typedIn(type, cls) ? (KIND_OF[type] ?? "opaque") : "opaque";
}

function checkU(v: number, bits: 8 | 16 | 32, what: string): void {
  const max = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`dns: ${what} out of range: ${v}`);
}

/**
 * Writes RDLENGTH and RDATA. Only the RFC 1035 types' names are compressed
 * (RFC 3597 section 4); SRV targets never are (RFC 2782). Throws on data that does
 * not fit its type.
 */
export function encodeRdata(w: Writer, type: number, cls: number, data: Rdata): void {
  const kind = kindFor(type, cls);
  if (data.kind !== "opaque" && data.kind !== kind) throw new TypeError(`dns: ${data.kind} data in a record of type ${type}`);
  const lenAt = w.len;
  w.u16(0);
  switch (data.kind) {
    case "A":
      checkU(data.address, 32, "A address");
      w.u32(data.address);
      break;
    case "AAAA":
      if (data.address.length !== 16) throw new RangeError(`dns: AAAA address of ${data.address.length} octets`);
      w.bytes(data.address);
      break;
    case "NS":
      checkName(data.host);
      w.name(data.host, true);
      break;
    case "CNAME":
    case "PTR":
      checkName(data.target);
      w.name(data.target, true);
      break;
    case "MX":
      checkU(data.preference, 16, "MX preference");
      checkName(data.exchange);
      w.u16(data.preference);
      w.name(data.exchange, true);
      break;
    case "SRV":
      checkU(data.priority, 16, "SRV priority");
      checkU(data.weight, 16, "SRV weight");
      checkU(data.port, 16, "SRV port");
      checkName(data.target);
      w.u16(data.priority);
      w.u16(data.weight);
      w.u16(data.port);
      w.name(data.target, false);
      break;
    case "SOA":
      checkName(data.mname);
      checkName(data.rname);
      w.name(data.mname, true);
      w.name(data.rname, true);
      for (const [v, n] of [
        [data.serial, "serial"],
        [data.refresh, "refresh"],
        [data.retry, "retry"],
        [data.expire, "expire"],
        [data.minimum, "minimum"],
      ] as const) {
        checkU(v, 32, `SOA ${n}`);
        w.u32(v);
      }
      break;
    case "TXT":
      for (const s of data.strings) {
        if (s.length > 255) throw new RangeError(`dns: TXT string of ${s.length} octets`);
        w.u8(s.length);
        w.bytes(s);
      }
      break;
    case "CAA":
      checkU(data.flags, 8, "CAA flags");
      if (!/^[A-Za-z0-9]{1,15}$/.test(data.tag)) throw new RangeError(`dns: bad CAA tag ${JSON.stringify(data.tag)}`);
      w.u8(data.flags);
      w.u8(data.tag.length);
      for (let i = 0; i < data.tag.length; i++) w.u8(data.tag.charCodeAt(i));
      w.bytes(data.value);
      break;
    case "opaque":
      w.bytes(data.bytes);
      break;
  }
  const rdlen = w.len - lenAt - 2;
  if (rdlen > 0xffff) throw new RangeError(`dns: RDATA of ${rdlen} octets`);
  w.setU16(lenAt, rdlen);
}
