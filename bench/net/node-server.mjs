/**
 * The Linux reference server for bench/net: plain Node.js `node:net`, the same three
 * services and protocol as examples/bench-tcp (sink on BASE, source on BASE+1,
 * request-response on BASE+2), so that the Linux-to-Linux run differs from the
 * unikernel runs only in the TCP/IP stack underneath.
 *
 *   node bench/net/node-server.mjs [--base-port=5001] [--host=0.0.0.0]
 */
import { createServer } from "node:net";

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const base = Number(arg("base-port", "5001"));
const host = arg("host", "0.0.0.0");
const CHUNK = 65536;
const SOURCE_MAX_BYTES = 16384 * 1024 * 1024;
const SOURCE_MAX_MS = 30_000;
const RR_SIZE = 32;
const block = Buffer.alloc(CHUNK, 0x5a);

const sink = createServer({ allowHalfOpen: true }, (s) => {
  s.on("data", () => {});
  s.on("end", () => s.end());
  s.on("error", () => s.destroy());
});

const source = createServer({ allowHalfOpen: true }, (s) => {
  const deadline = Date.now() + SOURCE_MAX_MS;
  let sent = 0;
  let gone = false;
  const stop = () => {
    gone = true;
    s.destroy();
  };
  s.on("data", () => {});
  s.on("end", stop);
  s.on("error", stop);
  const pump = () => {
    while (!gone && sent < SOURCE_MAX_BYTES && Date.now() < deadline) {
      sent += CHUNK;
      if (!s.write(block)) return void s.once("drain", pump);
    }
    if (!gone) s.end();
  };
  pump();
});

const rr = createServer({ allowHalfOpen: true }, (s) => {
  const parts = [];
  let n = 0;
  s.on("data", (d) => {
    parts.push(d);
    n += d.length;
    if (n >= RR_SIZE) s.end(Buffer.concat(parts).subarray(0, RR_SIZE));
  });
  s.on("end", () => s.end());
  s.on("error", () => s.destroy());
});

let listening = 0;
for (const [server, port] of [[sink, base], [source, base + 1], [rr, base + 2]]) {
  server.listen({ port, host, backlog: 1024 }, () => {
    if (++listening === 3) console.log(`node-server: sink on ${base}, source on ${base + 1}, request-response on ${base + 2}`);
  });
}
process.on("SIGTERM", () => process.exit(0));
