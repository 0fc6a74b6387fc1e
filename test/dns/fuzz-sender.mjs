// Sends the fuzz inputs of test/dns/fuzz.test.ts from inside a network namespace (run by
// `ip netns exec ... node fuzz-sender.mjs HOST PORT INPUTS.json`), and prints what came
// back as JSON: { udpSent, udpReplies: [hex], tcpStreams, tcpReplies: [hex of each stream's bytes] }.
// Plain JavaScript so it needs no TypeScript loader there.
import { createSocket } from "node:dgram";
import { createConnection } from "node:net";
import { readFileSync } from "node:fs";

const [host, portText, file] = process.argv.slice(2);
const port = Number(portText);
const inputs = JSON.parse(readFileSync(file, "utf8"));
const deadline = Date.now() + 40_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const udpReplies = [];
const sock = createSocket("udp4");
sock.on("message", (m) => udpReplies.push(m.toString("hex")));
await new Promise((r) => sock.bind(0, () => r()));
let udpSent = 0;
for (const h of inputs.udp) {
  if (Date.now() > deadline) break;
  await new Promise((r) => sock.send(Buffer.from(h, "hex"), port, host, () => r()));
  if (++udpSent % 50 === 0) await sleep(5);
}
await sleep(500);
sock.close();

const tcpReplies = [];
let tcpStreams = 0;
const stream = (writes) =>
  new Promise((resolve) => {
    const got = [];
    const c = createConnection({ host, port }, () => {
      for (const w of writes) c.write(Buffer.from(w, "hex"));
      c.end();
    });
    const timer = setTimeout(() => c.destroy(), 8000);
    c.on("data", (d) => got.push(d));
    c.on("error", () => undefined);
    c.on("close", () => {
      clearTimeout(timer);
      tcpReplies.push(Buffer.concat(got).toString("hex"));
      resolve();
    });
  });
let next = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    while (next < inputs.tcp.length && Date.now() < deadline) {
      const writes = inputs.tcp[next++];
      tcpStreams++;
      await stream(writes);
    }
  }),
);
process.stdout.write(JSON.stringify({ udpSent, udpReplies, tcpStreams, tcpReplies }));
