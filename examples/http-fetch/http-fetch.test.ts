import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMessages } from "../../test/support/example.ts";
import { canUseNetns, createNetns, type Netns } from "../../test/support/netns.ts";
import { run } from "../../test/support/run.ts";
import { freePort } from "../../test/support/ports.ts";
import { buildVariant, watch, type Running } from "../../test/support/unikernel-process.ts";

// A node:http server (its own process, so it can also run inside a namespace): HOST PORT from argv.
const SERVER = `
import { createServer } from "node:http";
const [host, port] = process.argv.slice(2);
const big = Buffer.alloc(1_000_000, 0x61);
createServer((req, res) => {
  const body = [];
  req.on("data", (c) => body.push(c));
  req.on("end", () => {
    const u = req.url;
    if (u === "/") res.writeHead(200, { "Content-Type": "text/plain" }).end("hello from node\\nsecond line\\n");
    else if (u === "/chunked") {
      // No length known up front: HTTP/1.1 chunked coding.
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.write("chunk one\\n");
      setTimeout(() => { res.write("chunk two\\n"); res.end("end\\n"); }, 20);
    } else if (u === "/big") res.writeHead(200, { "Content-Length": big.length }).end(big);
    else if (u === "/redirect") res.writeHead(302, { Location: "chunked" }).end();
    else if (u === "/see-other") res.writeHead(303, { Location: "/echo" }).end();
    else if (u === "/loop") res.writeHead(301, { Location: "/loop" }).end();
    else if (u === "/echo") res.writeHead(200).end(req.method + " " + Buffer.concat(body).length + " " + req.headers.connection);
    else if (u === "/slow") {} // never answers
    else res.writeHead(404).end("not found\\n");
  });
}).listen(Number(port), host, () => console.log("listening"));
`;

function serverScript(): string {
  const dir = mkdtempSync(join(tmpdir(), "http-fetch-"));
  writeFileSync(join(dir, "server.mjs"), SERVER);
  return join(dir, "server.mjs");
}

/** dnsmasq answering web.example.test with `address`, nothing else (REFUSED: no upstream). */
function dnsmasqArgs(listen: string, port: number, address: string): string[] {
  return ["-k", "--conf-file=/dev/null", "--log-facility=-", `--port=${port}`, `--listen-address=${listen}`, "--bind-interfaces", "--no-resolv", "--no-hosts", "--pid-file=", "--user=root", `--host-record=web.example.test,${address}`];
}

describe("examples/http-fetch", () => {
  let socketBin = "";
  let directBin = "";
  beforeAll(async () => {
    socketBin = await buildVariant("http-fetch", []);
    directBin = await buildVariant("http-fetch", ["--net=direct"]);
  }, 300_000);

  describe("on the socket stack, against node:http and dnsmasq on loopback", () => {
    let port = 0;
    let dnsPort = 0;
    let base = "";
    let web: Running;
    let dns: Running;
    const fetch = (args: string[]) => run(socketBin, args, { timeoutMs: 30_000 });
    beforeAll(async () => {
      port = await freePort();
      dnsPort = await freePort();
      base = `http://127.0.0.1:${port}`;
      web = watch(spawn(process.execPath, [serverScript(), "127.0.0.1", String(port)], { stdio: ["ignore", "pipe", "pipe"] }));
      dns = watch(spawn("dnsmasq", dnsmasqArgs("127.0.0.1", dnsPort, "127.0.0.1"), { stdio: ["ignore", "pipe", "pipe"] }));
      await web.waitFor(/listening/);
      await dns.waitFor(/started/);
    });
    afterAll(async () => {
      await web?.stop();
      await dns?.stop();
    });

    it("GETs a page: status, body length and first line", async () => {
      const r = await fetch([`--uri=${base}/`]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toEqual(["status 200", "body 28 bytes", "first line: hello from node"]);
    });

    it("decodes a chunked response (and node:http really sends one to a Connection: close client)", async () => {
      const curl = await run("curl", ["-sS", "-D", "-", "-o", "/dev/null", "-H", "Connection: close", `${base}/chunked`]);
      expect(curl.stdout).toMatch(/\r\nTransfer-Encoding: chunked\r\n/i);
      const r = await fetch([`--uri=${base}/chunked`]);
      expect(logMessages(r.stdout)).toEqual(["status 200", "body 24 bytes", "first line: chunk one"]);
    });

    it("follows a relative redirect, and a 303 after POST as a GET", async () => {
      const r = await fetch([`--uri=${base}/redirect`]);
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toEqual([`redirected 1 time to ${base}/chunked`, "status 200", "body 24 bytes", "first line: chunk one"]);
      const post = await fetch([`--uri=${base}/echo`, "--method=POST", "--data=abc"]);
      expect(logMessages(post.stdout)).toContain("first line: POST 3 close");
      const seeOther = await fetch([`--uri=${base}/see-other`, "--method=POST", "--data=abc"]);
      expect(logMessages(seeOther.stdout)).toContain("first line: GET 0 close");
      const noFollow = await fetch([`--uri=${base}/redirect`, "--max-redirects=0"]);
      expect(logMessages(noFollow.stdout)).toEqual(["status 302", "body 0 bytes"]);
    });

    it("fetches 1 MB, and refuses it beyond --max-body", async () => {
      const r = await fetch([`--uri=${base}/big`]);
      expect(logMessages(r.stdout).slice(0, 2)).toEqual(["status 200", "body 1000000 bytes"]);
      const small = await fetch([`--uri=${base}/big`, "--max-body=1000"]);
      expect(small.status).toBe(1);
      expect(logMessages(small.stdout)).toEqual([`GET ${base}/big: response body larger than 1000 bytes`]);
    });

    it("resolves the host name through --dns-servers", async () => {
      const r = await fetch([`--uri=http://web.example.test:${port}/`, `--dns-servers=127.0.0.1:${dnsPort}`]);
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)[0]).toBe("status 200");
      const nx = await fetch([`--uri=http://nope.example.test:${port}/`, `--dns-servers=127.0.0.1:${dnsPort}`]);
      expect(nx.status).toBe(1);
      expect(logMessages(nx.stdout)).toEqual([`cannot resolve nope.example.test: nope.example.test. A: query refused (REFUSED from 127.0.0.1:${dnsPort})`]);
    });

    it("exits 1 with a clear message on errors, 64 without --uri", async () => {
      const loop = await fetch([`--uri=${base}/loop`]);
      expect([loop.status, logMessages(loop.stdout)]).toEqual([1, [`more than 5 redirects (the last from ${base}/loop to /loop)`]]);
      const slow = await fetch([`--uri=${base}/slow`, "--timeout=500"]);
      expect([slow.status, logMessages(slow.stdout)]).toEqual([1, [`GET ${base}/slow: no complete response within 500 ms`]]);
      expect(slow.ms).toBeGreaterThanOrEqual(500);
      const closed = await freePort();
      const refused = await fetch([`--uri=http://127.0.0.1:${closed}/`]);
      expect(refused.status).toBe(1);
      expect(logMessages(refused.stdout)[0]).toMatch(new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${closed} \\(127\\.0\\.0\\.1:${closed}\\): .*ECONNREFUSED`));
      const tls = await fetch(["--uri=https://127.0.0.1/"]);
      expect([tls.status, logMessages(tls.stdout)]).toEqual([1, ["https is not supported (no TLS yet): https://127.0.0.1/"]]);
      const missing = await fetch([]);
      expect([missing.status, logMessages(missing.stdout)]).toEqual([64, ["--uri is required, e.g. --uri=http://10.0.0.1:8080/"]]);
    });
  });

  const netns = canUseNetns();
  if (!netns.ok) console.warn(`skipping the http-fetch example's direct-stack tests: ${netns.reason}`);
  describe.skipIf(!netns.ok)("on the direct stack over a tap, against node:http and dnsmasq in a namespace", () => {
    let ns: Netns;
    let web: Running;
    let dns: Running;
    const inNs = (args: string[]) => ns.exec(directBin, ["--ipv4=10.77.0.2/24", ...args], { timeoutMs: 60_000 });
    beforeAll(async () => {
      ns = await createNetns("mhttpf");
      await ns.addTap("tap0", "10.77.0.1/24");
      web = watch(ns.spawn(process.execPath, [serverScript(), "10.77.0.1", "8080"]));
      dns = watch(ns.spawn("dnsmasq", dnsmasqArgs("10.77.0.1", 53, "10.77.0.1")));
      await web.waitFor(/listening/);
      await dns.waitFor(/started/);
    });
    afterAll(async () => {
      await web?.stop();
      await dns?.stop();
      await ns?.destroy();
    });

    it("resolves the name via the gateway, follows the redirect and decodes the chunked body", async () => {
      const r = await inNs(["--ipv4-gateway=10.77.0.1", "--uri=http://web.example.test:8080/redirect"]);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toEqual(["redirected 1 time to http://web.example.test:8080/chunked", "status 200", "body 24 bytes", "first line: chunk one"]);
    });

    it("fetches 1 MB and POSTs a body over our own TCP", async () => {
      const big = await inNs(["--uri=http://10.77.0.1:8080/big"]);
      expect(logMessages(big.stdout).slice(0, 2)).toEqual(["status 200", "body 1000000 bytes"]);
      const post = await inNs(["--uri=http://web.example.test:8080/echo", "--dns-servers=10.77.0.1", "--method=POST", "--data=hello"]);
      expect(logMessages(post.stdout)).toEqual(["status 200", "body 12 bytes", "first line: POST 5 close"]);
    });

    it("exits 1 when Linux refuses the connection", async () => {
      const r = await inNs(["--uri=http://10.77.0.1:8081/"]);
      expect([r.status, logMessages(r.stdout)]).toEqual([1, ["cannot connect to 10.77.0.1:8081 (10.77.0.1:8081): connection refused"]]);
    });
  });
});
