/**
 * Master files (RFC 1035 section 5): `$ORIGIN`, `$TTL` (RFC 2308 section 4), relative
 * names and `@`, omitted owner/TTL/class, parentheses, comments, quoted strings with
 * escapes, and RFC 3597 `TYPEnnn`/`CLASSnnn` with `\#` generic RDATA. Errors never
 * throw: each is reported as `file:line: message` and that entry is skipped.
 */
import { type Name, parseName } from "./name.ts";
import { kindFor, decodeRdata } from "./rdata.ts";
import { type Rdata, type ResourceRecord, RrClass, RrType, typeFromString, classFromString, typeToString } from "./types.ts";
import { type Token, lexZone } from "./zone-lexer.ts";
import { decodeEscapes, parseIpv4, parseIpv6, parseTtl, parseUint } from "./text.ts";

export interface ZoneError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
  /** `file:line: message`. */
  readonly text: string;
}

export interface ZoneOptions {
  /** Name used in error reports. */
  readonly file?: string;
  /** The initial origin, as for `$ORIGIN`. */
  readonly origin?: Name;
  /** The initial default TTL, as for `$TTL`. */
  readonly defaultTtl?: number;
}

export interface ZoneResult {
  readonly records: ResourceRecord[];
  readonly errors: ZoneError[];
}

class FieldError {
  constructor(
    readonly line: number,
    readonly message: string,
  ) {}
}

export function parseZone(text: string, opts: ZoneOptions = {}): ZoneResult {
  const file = opts.file ?? "<zone>";
  const records: ResourceRecord[] = [];
  const errors: ZoneError[] = [];
  const report = (line: number, message: string): void => {
    errors.push({ file, line, message, text: `${file}:${line}: ${message}` });
  };
  const lexed = lexZone(text);
  for (const e of lexed.errors) report(e.line, e.message);
  let origin: Name | undefined = opts.origin;
  let dollarTtl: number | undefined = opts.defaultTtl;
  let lastTtl: number | undefined;
  let lastOwner: Name | undefined;
  let lastClass: number = RrClass.IN;
  for (const entry of lexed.entries) {
    const toks = entry.tokens;
    const first = toks[0]!;
    if (!entry.ownerOmitted && !first.quoted && first.text.startsWith("$")) {
      const dir = first.text.toUpperCase();
      if (dir === "$ORIGIN") {
        if (toks.length !== 2) {
          report(first.line, "$ORIGIN takes one name");
          continue;
        }
        const n = parseName(toks[1]!.text, origin);
        if (!n.ok) report(first.line, `$ORIGIN: ${n.error}`);
        else origin = n.value;
      } else if (dir === "$TTL") {
        const t = toks.length === 2 ? parseTtl(toks[1]!.text) : undefined;
        if (t === undefined) report(first.line, "$TTL takes one TTL (0 to 2147483647 seconds)");
        else dollarTtl = t;
      } else if (dir === "$INCLUDE") {
        report(first.line, "$INCLUDE is not supported");
      } else {
        report(first.line, `unknown directive ${first.text}`);
      }
      continue;
    }
    try {
      let i = 0;
      let owner: Name;
      if (entry.ownerOmitted) {
        if (!lastOwner) throw new FieldError(entry.line, "no owner name and no previous owner");
        owner = lastOwner;
      } else {
        owner = nameField(toks[i++]!, origin);
      }
      let ttl: number | undefined;
      let cls: number | undefined;
      // RFC 1035 5.1: [<TTL>] [<class>] or [<class>] [<TTL>], in either order.
      for (let k = 0; k < 2 && i < toks.length; k++) {
        const t = toks[i]!;
        if (ttl === undefined && /^[0-9]/.test(t.text)) {
          const v = parseTtl(t.text);
          if (v === undefined) throw new FieldError(t.line, `bad TTL ${t.text}`);
          ttl = v;
          i++;
        } else if (cls === undefined && !t.quoted && classFromString(t.text) !== undefined) {
          cls = classFromString(t.text)!;
          i++;
        } else break;
      }
      const typeTok = toks[i++];
      if (!typeTok) throw new FieldError(entry.line, "missing type");
      const type = typeTok.quoted ? undefined : typeFromString(typeTok.text);
      if (type === undefined) throw new FieldError(typeTok.line, `unknown type ${typeTok.text}`);
      if (type === RrType.OPT || type === RrType.ANY || type === RrType.AXFR) throw new FieldError(typeTok.line, `${typeTok.text} is not a record type for zone files`);
      lastOwner = owner;
      if (cls === undefined) cls = lastClass;
      if (ttl === undefined) {
        ttl = dollarTtl ?? lastTtl;
        if (ttl === undefined) throw new FieldError(typeTok.line, "no TTL given and no $TTL or earlier TTL");
      } else lastTtl = ttl;
      lastClass = cls;
      const data = rdataFields(toks.slice(i), type, cls, origin, typeTok.line);
      records.push({ name: owner, type, class: cls, ttl, data });
    } catch (e) {
      if (e instanceof FieldError) report(e.line, e.message);
      else throw e;
    }
  }
  return { records, errors };
}

function nameField(t: Token, origin: Name | undefined): Name {
  const n = parseName(t.text, origin);
  if (!n.ok) throw new FieldError(t.line, n.error);
  return n.value;
}

function uintField(t: Token | undefined, max: number, what: string, line: number): number {
  if (!t) throw new FieldError(line, `missing ${what}`);
  const v = parseUint(t.text, max);
  if (v === undefined) throw new FieldError(t.line, `bad ${what} ${t.text}`);
  return v;
}

function stringField(t: Token, limit: number): Uint8Array {
  const b = decodeEscapes(t.text);
  if (!b.ok) throw new FieldError(t.line, b.error);
  if (b.value.length > limit) throw new FieldError(t.line, `character string of ${b.value.length} octets (at most ${limit})`);
  return b.value;
}

function rdataFields(toks: Token[], type: number, cls: number, origin: Name | undefined, line: number): Rdata {
  const typeName = typeToString(type);
  if (toks.length > 0 && !toks[0]!.quoted && toks[0]!.text === "\\#") return generic(toks, type, cls, typeName, line);
  const kind = kindFor(type, cls);
  const need = (n: number): void => {
    if (toks.length < n) throw new FieldError(line, `${typeName} needs ${n} fields, got ${toks.length}`);
    if (toks.length > n) throw new FieldError(toks[n]!.line, `${typeName}: unexpected ${toks[n]!.text}`);
  };
  switch (kind) {
    case "A": {
      need(1);
      const a = parseIpv4(toks[0]!.text);
      if (a === undefined) throw new FieldError(toks[0]!.line, `bad IPv4 address ${toks[0]!.text}`);
      return { kind, address: a };
    }
    case "AAAA": {
      need(1);
      const a = parseIpv6(toks[0]!.text);
      if (!a) throw new FieldError(toks[0]!.line, `bad IPv6 address ${toks[0]!.text}`);
      return { kind, address: a };
    }
    case "NS":
      need(1);
      return { kind, host: nameField(toks[0]!, origin) };
    case "CNAME":
    case "PTR":
      need(1);
      return { kind, target: nameField(toks[0]!, origin) };
    case "MX":
      need(2);
      return { kind, preference: uintField(toks[0], 0xffff, "MX preference", line), exchange: nameField(toks[1]!, origin) };
    case "SRV":
      need(4);
      return {
        kind,
        priority: uintField(toks[0], 0xffff, "SRV priority", line),
        weight: uintField(toks[1], 0xffff, "SRV weight", line),
        port: uintField(toks[2], 0xffff, "SRV port", line),
        target: nameField(toks[3]!, origin),
      };
    case "SOA": {
      need(7);
      const timer = (t: Token, what: string): number => {
        const v = parseTtl(t.text);
        if (v === undefined) throw new FieldError(t.line, `bad SOA ${what} ${t.text}`);
        return v;
      };
      return {
        kind,
        mname: nameField(toks[0]!, origin),
        rname: nameField(toks[1]!, origin),
        serial: uintField(toks[2], 0xffffffff, "SOA serial", line),
        refresh: timer(toks[3]!, "refresh"),
        retry: timer(toks[4]!, "retry"),
        expire: timer(toks[5]!, "expire"),
        minimum: timer(toks[6]!, "minimum"),
      };
    }
    case "TXT":
      if (toks.length === 0) throw new FieldError(line, "TXT needs at least one string");
      return { kind, strings: toks.map((t) => stringField(t, 255)) };
    case "CAA": {
      need(3);
      const flags = uintField(toks[0], 255, "CAA flags", line);
      const tag = toks[1]!;
      // RFC 8659 section 4.1.1: tag is 1 to 15 ASCII letters and digits.
      if (tag.quoted || !/^[A-Za-z0-9]{1,15}$/.test(tag.text)) throw new FieldError(tag.line, `bad CAA tag ${tag.text}`);
      return { kind, flags, tag: tag.text, value: stringField(toks[2]!, 0xffff) };
    }
    case "opaque":
      throw new FieldError(line, `${typeName} needs RFC 3597 generic RDATA (\\# <length> <hex>)`);
  }
}

/** RFC 3597 section 5: `\# <length> <hex words>`; known types are decoded from it. */
function generic(toks: Token[], type: number, cls: number, typeName: string, line: number): Rdata {
  const len = uintField(toks[1], 0xffff, "\\# RDATA length", line);
  let hex = "";
  for (const t of toks.slice(2)) {
    if (t.quoted || !/^[0-9a-fA-F]*$/.test(t.text)) throw new FieldError(t.line, `bad hex in \\# RDATA: ${t.text}`);
    hex += t.text;
  }
  if (hex.length !== len * 2) throw new FieldError(line, `\\# RDATA says ${len} octets but has ${hex.length / 2}`);
  const bytes = new Uint8Array(len);
  for (let i = 0; i < len; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  if (kindFor(type, cls) === "opaque" || len === 0) {
    if (len === 0 && kindFor(type, cls) !== "opaque") throw new FieldError(line, `${typeName} RDATA cannot be empty`);
    return { kind: "opaque", bytes };
  }
  // Names inside cannot be compressed here: there is no message to point into.
  const d = decodeRdata(bytes, 0, len, type, cls);
  if (!d.ok) throw new FieldError(line, `\\# RDATA is not valid ${typeName}: ${d.error.message}`);
  return d.value;
}
