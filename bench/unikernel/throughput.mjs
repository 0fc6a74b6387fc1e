/**
 * HTTP requests/s (wrk) against static-website and DNS queries/s (dnsperf) against
 * dns-server, the same app as hvt and spt images and as unix builds, all in the
 * bench's namespace: the images and the unix direct stack on the same tap (Linux
 * 10.77.0.1, the unikernel 10.77.0.2), the unix socket stack on the namespace's
 * loopback as context. Servers run one at a time, each single-threaded.
 */
import { readFileSync } from "node:fs";
import { nsRun, nsSpawn } from "../net/netns.mjs";
import { dnsperf, wrk } from "../services/measure.mjs";
import { treeCpuSeconds } from "../services/servers.mjs";
import { tender } from "./images.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const GUEST = ["--ipv4=10.77.0.2/24"];

/** Runs a command in the namespace every 200 ms until `ok(stdout)`, for at most 20 s. */
async function until(ns, label, cmd, args, ok) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await nsRun(ns, cmd, args, { timeoutMs: 5000 });
    if (ok(r.stdout)) return;
    if (Date.now() > deadline) throw new Error(`${label} is not answering: ${cmd} ${args.join(" ")} printed ${JSON.stringify(r.stdout + r.stderr)}`);
    await sleep(200);
  }
}

/** The four servers of one app: `images` {hvt, spt} and `unix` {direct, socket} binaries. */
function servers(ns, images, unix, guestArgs, socketArgs) {
  const onTap = (start) => async () => {
    // Each boot has a fresh random MAC: forget the previous guest's.
    await nsRun(ns, "ip", ["neigh", "flush", "dev", "tap0"]);
    return start();
  };
  return [
    { key: "hvt", start: onTap(() => nsSpawn(ns, tender("hvt"), ["--net:service=tap0", "--", images.hvt, ...GUEST, ...guestArgs])) },
    { key: "spt", start: onTap(() => nsSpawn(ns, tender("spt"), ["--net:service=tap0", "--", images.spt, ...GUEST, ...guestArgs])) },
    { key: "direct", start: onTap(() => nsSpawn(ns, unix.direct, [...GUEST, ...guestArgs])) },
    { key: "socket", start: async () => nsSpawn(ns, unix.socket, socketArgs) },
  ].filter((s) => (s.key === "hvt" || s.key === "spt" ? images[s.key] : unix[s.key]));
}

/** Starts each server, waits until it answers, warms it up, measures it with its CPU share, stops it. */
async function measureEach(list, ready, load, warm, say, what) {
  const out = {};
  for (const t of list) {
    say(`${what}: ${t.key}`);
    const server = await t.start();
    try {
      await ready(t.key);
      await warm(t.key);
      const cpu0 = treeCpuSeconds(server.child.pid);
      const t0 = Date.now();
      const r = await load(t.key);
      r.serverCpu = (treeCpuSeconds(server.child.pid) - cpu0) / ((Date.now() - t0) / 1000);
      out[t.key] = r;
    } catch (e) {
      out[t.key] = { error: String(e.message ?? e).split("\n").slice(0, 3).join(" "), output: server.output().slice(-500) };
      say(`${what}: ${t.key} failed: ${out[t.key].error}`);
    } finally {
      await server.stop();
    }
  }
  return out;
}

/** wrk against static-website's GET / on each server; ready means the page comes back byte for byte. */
export function measureHttp(ns, images, unix, { page, seconds, warmup, connections, say }) {
  const url = (key) => (key === "socket" ? "http://127.0.0.1:8082/" : "http://10.77.0.2:8080/");
  return measureEach(
    servers(ns, images, unix, ["--port=8080"], ["--port=8082"]),
    (key) => until(ns, `${key} web server`, "curl", ["-s", "--max-time", "2", url(key)], (out) => out === page),
    (key) => wrk(ns, url(key), seconds, connections),
    (key) => (warmup > 0 ? wrk(ns, url(key), warmup, connections) : undefined),
    say,
    `HTTP wrk -c${connections} ${seconds} s`,
  );
}

/** dnsperf against dns-server on each server; ready means dig gets the zone's SOA. */
export function measureDns(ns, images, unix, { zone, queries, seconds, warmup, outstanding, say }) {
  const host = (key) => (key === "socket" ? "127.0.0.1" : "10.77.0.2");
  const port = (key) => (key === "socket" ? 5303 : 53);
  const soa = /^\S+\.\s+\S+\.\s+\d+\s/; // dig +short prints ";; no servers could be reached" on stdout too
  return measureEach(
    servers(ns, images, unix, ["--port=53"], ["--port=5303"]),
    (key) => until(ns, `${key} DNS server`, "dig", ["+short", "+norec", "+time=1", "+tries=1", "-p", String(port(key)), `@${host(key)}`, zone, "SOA"], (out) => soa.test(out.trim())),
    (key) => dnsperf(ns, host(key), port(key), queries, seconds, outstanding),
    (key) => (warmup > 0 ? dnsperf(ns, host(key), port(key), queries, warmup, outstanding) : undefined),
    say,
    `DNS dnsperf -q ${outstanding} ${seconds} s`,
  );
}

export const queryCount = (file) => readFileSync(file, "utf8").trim().split("\n").length;
