/**
 * A handler serving the files of a `KvRo` (RFC 9110): GET and HEAD only (405 with
 * `Allow` otherwise), `index.html` for `/` and directories, Content-Type by extension,
 * a strong ETag from the store's SHA-256 digest and Last-Modified, conditional requests
 * (If-None-Match, then If-Modified-Since: 304), and single byte ranges (206/416, with
 * If-Range). A request for several ranges gets the whole file with 200, which RFC 9110
 * 14.2 allows: we do not generate multipart/byteranges.
 */
import type { KvRo } from "@mirage-ts/devices";
import type { Handler, Request, Response } from "./server.ts";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8", htm: "text/html; charset=utf-8", css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8", mjs: "text/javascript; charset=utf-8", json: "application/json",
  txt: "text/plain; charset=utf-8", xml: "application/xml", svg: "image/svg+xml", png: "image/png",
  jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", ico: "image/x-icon",
  woff: "font/woff", woff2: "font/woff2", wasm: "application/wasm", pdf: "application/pdf",
};

export function contentType(path: string): string {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  if (dot <= slash + 1) return "application/octet-stream";
  return TYPES[path.slice(dot + 1).toLowerCase()] ?? "application/octet-stream";
}

/** The store key for a request target, or an error status (400 for `..`, NUL, bad escapes). */
export function targetToKey(target: string): string | 400 {
  let path = target;
  // absolute-form (RFC 9112 3.2.2): keep only the path.
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(path);
  if (scheme) path = path.slice(scheme[0].length) || "/";
  const q = path.search(/[?#]/);
  if (q >= 0) path = path.slice(0, q);
  if (!path.startsWith("/")) return 400;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 400;
  }
  if (decoded.indexOf("\0") >= 0 || decoded.indexOf("\\") >= 0) return 400;
  const segments = decoded.split("/");
  for (const s of segments) if (s === "..") return 400;
  return decoded;
}

const hex = (b: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return s;
};

/** Entity tags in an If-None-Match list, weak prefixes dropped (RFC 9110 13.1.2 uses weak comparison). */
function noneMatch(header: string, etag: string): boolean {
  for (const part of header.split(",")) {
    const t = part.trim();
    if (t === "*" || t.replace(/^W\//, "") === etag) return true;
  }
  return false;
}

type Range = { start: number; end: number } | "unsatisfiable" | undefined;

/** One `bytes=` range against `size` (RFC 9110 14.1.2); undefined means ignore Range. */
export function parseRange(header: string, size: number): Range {
  const m = /^bytes=\s*(\d*)-(\d*)\s*$/i.exec(header);
  if (!m) return undefined; // several ranges or another unit: serve the whole file
  const [, a, b] = m as unknown as [string, string, string];
  if (a === "") {
    if (b === "") return undefined;
    const n = Number(b);
    if (n === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  if (b !== "" && Number(b) < start) return undefined; // invalid syntax is ignored (14.1.1)
  if (start >= size) return "unsatisfiable";
  const end = b === "" ? size - 1 : Math.min(Number(b), size - 1);
  return { start, end };
}

export function staticFiles(kv: KvRo): Handler {
  return async (req: Request): Promise<Response> => {
    if (req.method !== "GET" && req.method !== "HEAD") return { status: 405, headers: { Allow: "GET, HEAD" } };
    const path = targetToKey(req.target);
    if (path === 400) return { status: 400 };
    let key = path.endsWith("/") ? `${path}index.html` : path;
    const kind = await kv.exists(key);
    if (!kind.ok) return { status: kind.error.code === "invalid_key" ? 400 : kind.error.code === "not_found" ? 404 : 500 };
    if (kind.value === null) return { status: 404 };
    if (kind.value === "dictionary") key = `${key}/index.html`;
    const [size, digest, mtime] = await Promise.all([kv.size(key), kv.digest(key), kv.lastModified(key)]);
    if (!size.ok || !digest.ok || !mtime.ok) return { status: 404 };
    const etag = `"${hex(digest.value).slice(0, 32)}"`;
    const lastModified = new Date(mtime.value).toUTCString(); // IMF-fixdate (RFC 9110 5.6.7)
    const mtimeS = Math.floor(mtime.value / 1000);
    const validators = { ETag: etag, "Last-Modified": lastModified };
    // RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it.
    const inm = req.headers.get("if-none-match");
    if (inm !== undefined) {
      if (noneMatch(inm, etag)) return { status: 304, headers: validators };
    } else {
      const ims = req.headers.first("if-modified-since");
      const since = ims === undefined ? NaN : Date.parse(ims);
      if (!Number.isNaN(since) && mtimeS * 1000 <= since) return { status: 304, headers: validators };
    }
    const headers = { ...validators, "Content-Type": contentType(key), "Accept-Ranges": "bytes" };
    const rangeHeader = req.headers.get("range");
    const ifRange = req.headers.first("if-range");
    // RFC 9110 13.1.5: a stale If-Range means "send the whole file".
    const rangeValid = ifRange === undefined || ifRange === etag || (!ifRange.startsWith('"') && Date.parse(ifRange) === mtimeS * 1000);
    if (req.method === "GET" && rangeHeader !== undefined && rangeValid) {
      const range = parseRange(rangeHeader, size.value);
      if (range === "unsatisfiable") return { status: 416, headers: { ...headers, "Content-Range": `bytes */${size.value}` } };
      if (range !== undefined) {
        const part = await kv.getPartial(key, range.start, range.end - range.start + 1);
        if (!part.ok) return { status: 500 };
        return { status: 206, headers: { ...headers, "Content-Range": `bytes ${range.start}-${range.end}/${size.value}` }, body: part.value };
      }
    }
    const body = await kv.get(key);
    if (!body.ok) return { status: 500 };
    return { status: 200, headers, body: body.value };
  };
}
