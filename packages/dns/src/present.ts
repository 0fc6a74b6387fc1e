/** Presentation format (RFC 1035 section 5.1) for records, as dig prints them. */
import { nameToString } from "./name.ts";
import { ipv4ToString, ipv6ToString } from "./text.ts";
import { type Rdata, type ResourceRecord, classToString, typeToString } from "./types.ts";

/** A character string in quotes; `"` and `\` escaped, other non-printable octets as \DDD. */
export function characterString(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0x22 || c === 0x5c) out += "\\" + String.fromCharCode(c);
    else if (c < 0x20 || c >= 0x7f) out += "\\" + String(c).padStart(3, "0");
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, "0");
  return out;
}

export function rdataToString(d: Rdata): string {
  switch (d.kind) {
    case "A":
      return ipv4ToString(d.address);
    case "AAAA":
      return ipv6ToString(d.address);
    case "NS":
      return nameToString(d.host);
    case "CNAME":
    case "PTR":
      return nameToString(d.target);
    case "MX":
      return `${d.preference} ${nameToString(d.exchange)}`;
    case "SRV":
      return `${d.priority} ${d.weight} ${d.port} ${nameToString(d.target)}`;
    case "SOA":
      return `${nameToString(d.mname)} ${nameToString(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    case "TXT":
      return d.strings.map(characterString).join(" ");
    case "CAA":
      return `${d.flags} ${d.tag} ${characterString(d.value)}`;
    case "opaque":
      // RFC 3597 section 5.
      return d.bytes.length === 0 ? "\\# 0" : `\\# ${d.bytes.length} ${hex(d.bytes)}`;
  }
}

/** `owner TTL CLASS TYPE RDATA`, tab-separated like dig. */
export function recordToString(rr: ResourceRecord): string {
  return `${nameToString(rr.name)}\t${rr.ttl}\t${classToString(rr.class)}\t${typeToString(rr.type)}\t${rdataToString(rr.data)}`;
}
