import { kvRwMem } from "@mirage-ts/storage";
import { describe, expect, it } from "vitest";
import { Headers } from "./headers.ts";
import type { Request, Response } from "./server.ts";
import { contentType, parseRange, staticFiles, targetToKey } from "./static.ts";

const enc = new TextEncoder();
const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

async function site() {
  const kv = kvRwMem({ now: () => MTIME });
  await kv.set("index.html", enc.encode("<h1>home</h1>"));
  await kv.set("a b.txt", enc.encode("0123456789"));
  await kv.set("sub/index.html", enc.encode("sub"));
  const handler = staticFiles(kv);
  return (method: string, target: string, headers: Record<string, string> = {}): Promise<Response> =>
    Promise.resolve(handler({ method, target, version: "1.1", headers: new Headers(headers), body: new Uint8Array(0), remote: { address: "1.2.3.4", port: 1 } } as Request));
}
const h = (r: Response) => new Headers(r.headers);
const text = (r: Response) => new TextDecoder().decode(r.body);

describe("staticFiles", () => {
  it("serves index.html for / and directories, with type, ETag and Last-Modified", async () => {
    const get = await site();
    const r = await get("GET", "/");
    expect(r.status).toBe(200);
    expect(text(r)).toBe("<h1>home</h1>");
    expect(h(r).get("content-type")).toBe("text/html; charset=utf-8");
    expect(h(r).get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(h(r).get("last-modified")).toBe("Tue, 02 Jan 2024 03:04:05 GMT");
    expect(text(await get("GET", "/sub"))).toBe("sub");
    expect(text(await get("GET", "/sub/?q=1"))).toBe("sub");
    expect(text(await get("GET", "http://example.com/a%20b.txt"))).toBe("0123456789");
  });

  it("answers 404, 405 with Allow, and 400 for .. and bad escapes", async () => {
    const get = await site();
    expect((await get("GET", "/nope")).status).toBe(404);
    const post = await get("POST", "/");
    expect(post.status).toBe(405);
    expect(h(post).get("allow")).toBe("GET, HEAD");
    expect((await get("GET", "/../etc/passwd")).status).toBe(400);
    expect((await get("GET", "/%2e%2e/x")).status).toBe(400);
    expect((await get("GET", "/%zz")).status).toBe(400);
    expect((await get("GET", "/a%00")).status).toBe(400);
  });

  it("answers conditional requests with 304", async () => {
    const get = await site();
    const etag = h(await get("GET", "/")).get("etag")!;
    expect((await get("GET", "/", { "If-None-Match": `"x", W/${etag}` })).status).toBe(304);
    expect((await get("GET", "/", { "If-None-Match": '"x"' })).status).toBe(200);
    expect((await get("GET", "/", { "If-Modified-Since": "Tue, 02 Jan 2024 03:04:05 GMT" })).status).toBe(304);
    expect((await get("GET", "/", { "If-Modified-Since": "Tue, 02 Jan 2024 03:04:04 GMT" })).status).toBe(200);
    // If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    expect((await get("GET", "/", { "If-None-Match": '"x"', "If-Modified-Since": "Tue, 02 Jan 2024 03:04:05 GMT" })).status).toBe(200);
  });

  it("serves byte ranges: 206, 416, multiple ranges and stale If-Range as 200", async () => {
    const get = await site();
    const r = await get("GET", "/a%20b.txt", { Range: "bytes=2-4" });
    expect(r.status).toBe(206);
    expect(text(r)).toBe("234");
    expect(h(r).get("content-range")).toBe("bytes 2-4/10");
    expect(text(await get("GET", "/a%20b.txt", { Range: "bytes=-3" }))).toBe("789");
    expect(text(await get("GET", "/a%20b.txt", { Range: "bytes=7-" }))).toBe("789");
    expect(text(await get("GET", "/a%20b.txt", { Range: "bytes=8-100" }))).toBe("89");
    const bad = await get("GET", "/a%20b.txt", { Range: "bytes=10-" });
    expect(bad.status).toBe(416);
    expect(h(bad).get("content-range")).toBe("bytes */10");
    expect((await get("GET", "/a%20b.txt", { Range: "bytes=0-1,3-4" })).status).toBe(200);
    expect((await get("GET", "/a%20b.txt", { Range: "bytes=0-1", "If-Range": '"stale"' })).status).toBe(200);
    expect((await get("HEAD", "/a%20b.txt", { Range: "bytes=0-1" })).status).toBe(200);
  });

  it("helpers", () => {
    expect(contentType("/x/y.CSS")).toBe("text/css; charset=utf-8");
    expect(contentType("/x/.hidden")).toBe("application/octet-stream");
    expect(parseRange("bytes=5-2", 10)).toBeUndefined();
    expect(parseRange("items=0-1", 10)).toBeUndefined();
    expect(parseRange("bytes=-0", 10)).toBe("unsatisfiable");
    expect(targetToKey("/a/b?c")).toBe("/a/b");
  });
});
