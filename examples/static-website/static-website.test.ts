import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { run } from "../../test/support/run.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

const htdocs = join(import.meta.dirname, "htdocs");
const indexHtml = readFileSync(join(htdocs, "index.html"), "utf8");
const rangeTxt = readFileSync(join(htdocs, "range.txt"), "utf8");

/** Sends raw bytes, returns what comes back until the server closes (or `ms` passes) and whether it closed. */
function raw(port: number, data: string, ms = 5000): Promise<{ text: string; closed: boolean; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let text = "";
    const sock = createConnection({ host: "127.0.0.1", port }, () => sock.write(data));
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ text, closed: false, afterMs: Date.now() - t0 });
    }, ms);
    sock.on("data", (c) => (text += c.toString("latin1")));
    sock.on("close", () => {
      clearTimeout(timer);
      resolve({ text, closed: true, afterMs: Date.now() - t0 });
    });
    sock.on("error", reject);
  });
}

// One file for both stacks: the two variants are built in the same folder, one after the other.
describe("examples/static-website", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("static-website", []);
    directBin = await buildVariant("static-website", ["--net=direct"]);
  }, 300_000);

  describe("on the socket stack, against curl", () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const base = `http://127.0.0.1:${port}`;
    let app: Running;
    const curl = (args: string[]) => run("curl", ["-sS", ...args]);
    beforeAll(async () => {
      app = watch(spawn(socketBin, [`--port=${port}`, "--header-timeout=1500"], { stdio: ["ignore", "pipe", "pipe"] }));
      await app.waitFor(new RegExp(`serving on port ${port}`));
    });
    afterAll(async () => {
      await app?.stop();
    });

    it("serves / as index.html with its content type, and other assets", async () => {
      const r = await curl(["-D", "-", `${base}/`]);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(r.stdout).toMatch(/\r\ncontent-type: text\/html; charset=utf-8\r\n/i);
      expect(r.stdout.endsWith(indexHtml)).toBe(true);
      const css = await curl(["-o", "/dev/null", "-w", "%{http_code} %{content_type}", `${base}/style.css`]);
      expect(css.stdout).toBe("200 text/css; charset=utf-8");
      const svg = await curl(["-o", "/dev/null", "-w", "%{http_code} %{content_type}", `${base}/img/logo.svg`]);
      expect(svg.stdout).toBe("200 image/svg+xml");
      const dir = await curl([`${base}/docs/`]);
      expect(dir.stdout).toContain("A directory's index.html.");
    });

    it("keeps the connection alive across two URLs in one curl", async () => {
      const r = await curl(["-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects}\n", `${base}/`, `${base}/style.css`]);
      expect(r.stdout).toBe("1\n0\n");
    });

    it("answers byte ranges with 206 and exact bytes, and 416 beyond the end", async () => {
      const r = await curl(["-D", "-", "-r", "5-9", `${base}/range.txt`]);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 206 /);
      expect(r.stdout).toContain(`Content-Range: bytes 5-9/${rangeTxt.length}`);
      expect(r.stdout.endsWith("56789")).toBe(true);
      const suffix = await curl(["-r", "-4", `${base}/range.txt`]);
      expect(suffix.stdout).toBe(rangeTxt.slice(-4));
      const open = await curl(["-r", "30-", `${base}/range.txt`]);
      expect(open.stdout).toBe(rangeTxt.slice(30));
      const multi = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-r", "0-1,4-5", `${base}/range.txt`]);
      expect(multi.stdout).toBe("200");
      const bad = await curl(["-D", "-", "-o", "/dev/null", "-r", "1000-", `${base}/range.txt`]);
      expect(bad.stdout).toMatch(/^HTTP\/1\.1 416 /);
      expect(bad.stdout).toContain(`Content-Range: bytes */${rangeTxt.length}`);
    });

    it("answers HEAD without a body, and If-None-Match with 304", async () => {
      const head = await curl(["-I", `${base}/`]);
      expect(head.stdout).toMatch(/^HTTP\/1\.1 200 /);
      expect(head.stdout).toContain(`Content-Length: ${Buffer.byteLength(indexHtml)}`);
      expect(head.stdout).toMatch(/Last-Modified: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT/);
      const etag = /ETag: ("[0-9a-f]+")/.exec(head.stdout)![1]!;
      const cond = await curl(["-D", "-", "-H", `If-None-Match: ${etag}`, `${base}/`]);
      expect(cond.stdout).toMatch(/^HTTP\/1\.1 304 /);
      expect(cond.stdout.endsWith("\r\n\r\n")).toBe(true);
      const other = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", 'If-None-Match: "nope"', `${base}/`]);
      expect(other.stdout).toBe("200");
    });

    it("speaks HTTP/1.0, and answers 404 and 405", async () => {
      const r = await curl(["-0", "-D", "-", `${base}/`]);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 200 /);
      expect(r.stdout).toContain("Connection: close");
      expect(r.stdout.endsWith(indexHtml)).toBe(true);
      const missing = await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base}/nothere.html`]);
      expect(missing.stdout).toBe("404");
      const post = await curl(["-D", "-", "-o", "/dev/null", "-X", "POST", "-d", "x=1", `${base}/`]);
      expect(post.stdout).toMatch(/^HTTP\/1\.1 405 /);
      expect(post.stdout).toContain("Allow: GET, HEAD");
      const up = await curl(["-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", `${base}/../config.ts`]);
      expect(up.stdout).toBe("400");
    });

    it("answers malformed and oversized requests with 400/431 and closes, and keeps serving", async () => {
      const bad = await raw(port, "GARBAGE\r\n\r\n");
      expect(bad.text).toMatch(/^HTTP\/1\.1 400 /);
      expect(bad.closed).toBe(true);
      const big = await raw(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20000)}\r\n\r\n`);
      expect(big.text).toMatch(/^HTTP\/1\.1 431 /);
      expect(big.closed).toBe(true);
      const pipelined = await raw(port, "GET /range.txt HTTP/1.1\r\nHost: x\r\n\r\nGET /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      expect(pipelined.text.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(2);
      expect(pipelined.text.indexOf(rangeTxt)).toBeLessThan(pipelined.text.indexOf("font-family"));
      const ok = await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base}/`]);
      expect(ok.stdout).toBe("200");
    });

    it("closes a slowloris connection after the header timeout", async () => {
      const slow = await raw(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", 8000);
      expect(slow.closed).toBe(true);
      expect(slow.text).toBe("");
      expect(slow.afterMs).toBeGreaterThanOrEqual(1000);
      expect(slow.afterMs).toBeLessThan(5000);
    });
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the direct stack's HTTP tests: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against curl in a namespace", () => {
    let ns: Netns;
    let app: Running;
    beforeAll(async () => {
      ns = await createNetns("mweb");
      await ns.addTap("tap0", "10.77.0.1/24");
      app = watch(ns.spawn(directBin, ["--ipv4=10.77.0.2/24"]));
      await app.waitFor(/serving on port 8080/);
    });
    afterAll(async () => {
      await app?.stop();
      await ns?.destroy();
    });

    it("serves / and a byte range to curl", async () => {
      const r = await ns.exec("curl", ["-sS", "--max-time", "10", "http://10.77.0.2:8080/"]);
      expect(r.stdout).toBe(indexHtml);
      const range = await ns.exec("curl", ["-sS", "--max-time", "10", "-r", "10-19", "http://10.77.0.2:8080/range.txt"]);
      expect(range.stdout).toBe(rangeTxt.slice(10, 20));
    }, 30_000);
  });
});
