/**
 * The part of URLs (RFC 3986) an http:// client needs: splitting an absolute URL into
 * host, port and request target, and resolving a relative reference (a redirect's
 * Location) against a base (RFC 3986 section 5.2). Pure string work, no host `URL`.
 */
import { type Result, err, ok, utf8Encode } from "@mirage-ts/devices";

export interface HttpUrl {
  /** Lower-cased host name or dotted-quad IPv4 address. */
  readonly host: string;
  readonly port: number;
  /** Path and query, the origin-form request target (RFC 9112 3.2.1): "/" at least. */
  readonly target: string;
  /** `host` or `host:port` when the port is not 80, for the Host header (RFC 9110 7.2). */
  readonly authority: string;
  /** The URL without its fragment, normalized: `http://authority/target`. */
  readonly href: string;
}

export type UrlErrorCode = "bad_url" | "unsupported_scheme";

export interface UrlError {
  readonly code: UrlErrorCode;
  readonly message: string;
}

interface Parts {
  scheme: string | undefined;
  authority: string | undefined;
  path: string;
  query: string | undefined;
  fragment: string | undefined;
}

// RFC 3986 appendix B: the generic split every URI reference allows.
const SPLIT = /^(?:([^:/?#]+):)?(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

function split(ref: string): Parts {
  const m = SPLIT.exec(ref)!;
  return { scheme: m[1], authority: m[2], path: m[3]!, query: m[4], fragment: m[5] };
}

function join(p: Parts): string {
  let out = "";
  if (p.scheme !== undefined) out += p.scheme + ":";
  if (p.authority !== undefined) out += "//" + p.authority;
  out += p.path;
  if (p.query !== undefined) out += "?" + p.query;
  if (p.fragment !== undefined) out += "#" + p.fragment;
  return out;
}

/** RFC 3986 section 5.2.4. */
export function removeDotSegments(path: string): string {
  let input = path;
  const out: string[] = [];
  while (input.length > 0) {
    if (input.startsWith("../")) input = input.slice(3);
    else if (input.startsWith("./")) input = input.slice(2);
    else if (input.startsWith("/./")) input = input.slice(2);
    else if (input === "/.") input = "/";
    else if (input.startsWith("/../")) {
      input = input.slice(3);
      out.pop();
    } else if (input === "/..") {
      input = "/";
      out.pop();
    } else if (input === "." || input === "..") input = "";
    else {
      const next = input.indexOf("/", input.startsWith("/") ? 1 : 0);
      const seg = next < 0 ? input : input.slice(0, next);
      out.push(seg);
      input = next < 0 ? "" : input.slice(next);
    }
  }
  return out.join("");
}

/** Resolves `ref` against the absolute `base` (RFC 3986 section 5.2.2, strict). */
export function resolveReference(base: string, ref: string): string {
  const b = split(base);
  const r = split(ref.trim());
  const t: Parts = { scheme: undefined, authority: undefined, path: "", query: undefined, fragment: r.fragment };
  if (r.scheme !== undefined) {
    t.scheme = r.scheme;
    t.authority = r.authority;
    t.path = removeDotSegments(r.path);
    t.query = r.query;
  } else {
    if (r.authority !== undefined) {
      t.authority = r.authority;
      t.path = removeDotSegments(r.path);
      t.query = r.query;
    } else {
      if (r.path === "") {
        t.path = b.path;
        t.query = r.query ?? b.query;
      } else {
        if (r.path.startsWith("/")) t.path = removeDotSegments(r.path);
        else {
          // Section 5.2.3: merge with the base path's directory.
          const merged = b.authority !== undefined && b.path === "" ? "/" + r.path : b.path.slice(0, b.path.lastIndexOf("/") + 1) + r.path;
          t.path = removeDotSegments(merged);
        }
        t.query = r.query;
      }
      t.authority = b.authority;
    }
    t.scheme = b.scheme;
  }
  return join(t);
}

const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/;

/** Strict dotted-quad IPv4 (no leading zeros, which some parsers read as octal). */
export function isIpv4(text: string): boolean {
  const parts = text.split(".");
  return parts.length === 4 && parts.every((p) => /^(?:0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}
const HEX = "0123456789ABCDEF";

/** Percent-encodes what cannot appear in a request target (controls, space, non-ASCII as UTF-8). */
function encodeTarget(text: string): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c > 0x20 && c < 0x7f && ch !== '"' && ch !== "<" && ch !== ">" && ch !== "\\" && ch !== "^" && ch !== "`" && ch !== "{" && ch !== "|" && ch !== "}") {
      out += ch;
    } else {
      for (const b of utf8Encode(ch)) out += "%" + HEX[b >> 4]! + HEX[b & 15]!;
    }
  }
  return out;
}

/** Parses an absolute http:// URL. https and other schemes are refused with a clear message. */
export function parseHttpUrl(text: string): Result<HttpUrl, UrlError> {
  if (typeof text !== "string") throw new TypeError(`parseHttpUrl: url must be a string, got ${typeof text}`);
  const bad = (why: string): Result<HttpUrl, UrlError> => err({ code: "bad_url", message: `bad URL ${JSON.stringify(text)}: ${why}` });
  const p = split(text.trim());
  if (p.scheme === undefined) return bad("no scheme (expected http://HOST/...)");
  const scheme = p.scheme.toLowerCase();
  if (scheme === "https") return err({ code: "unsupported_scheme", message: `https is not supported (no TLS yet): ${text}` });
  if (scheme !== "http") return err({ code: "unsupported_scheme", message: `only http:// URLs are supported, not ${scheme}: ${text}` });
  if (p.authority === undefined || p.authority === "") return bad("no host");
  if (p.authority.includes("@")) return bad("user information in URLs is not supported");
  if (p.authority.startsWith("[")) return bad("IPv6 addresses are not supported");
  const m = /^([^:]*)(?::([0-9]*))?$/.exec(p.authority);
  if (!m) return bad("malformed host or port");
  const host = m[1]!.toLowerCase();
  const numeric = /^[0-9.]+$/.test(host);
  if (!HOST_NAME.test(host) || host.length > 253 || (numeric && !isIpv4(host))) return bad(`${JSON.stringify(m[1])} is not a host name or IPv4 address`);
  let port = 80;
  if (m[2] !== undefined && m[2] !== "") {
    port = Number(m[2]);
    if (m[2].length > 5 || port < 1 || port > 65535) return bad(`port ${m[2]} is not in 1..65535`);
  }
  const authority = port === 80 ? host : `${host}:${port}`;
  const target = encodeTarget((p.path === "" ? "/" : p.path) + (p.query !== undefined ? "?" + p.query : ""));
  return ok({ host, port, target, authority, href: `http://${authority}${target}` });
}
