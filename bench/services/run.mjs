/**
 * The services benchmark (issue 4, Benchmarks): DNS queries per second with dnsperf
 * against our dns-server (socket stack and direct stack) and against NSD and Knot
 * serving the same zone; HTTP requests per second and latency with wrk against our
 * static-website (both stacks) and nginx serving the same files. One run, side by
 * side, reported as ratios.
 *
 *   sudo node bench/services/run.mjs [--dns-seconds=10] [--http-seconds=10] [--warmup=2]
 *        [--rounds=1] [--outstanding=100] [--connections=32] [--only=dns|http] [--json=FILE]
 *
 * Everything runs in one private network namespace (created here, deleted in
 * `finally`): the reference servers and our socket-stack unikernels on its loopback,
 * the direct-stack unikernels on a tap (Linux 10.77.0.1, unikernel 10.77.0.2), and the
 * load generators (dnsperf, wrk) beside them. Every server is single-threaded.
 */
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { addTap, cleanup, createNetns, nsRun, nsSpawn, run } from "../net/netns.mjs";
import { dnsperf, wrk } from "./measure.mjs";
import { buildExample, startKnot, startNginx, startNsd, treeCpuSeconds, zoneFiles } from "./servers.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(HERE, "..", "..");
const QUERIES = join(HERE, "queries.txt");

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return dflt;
  return a.includes("=") ? a.slice(name.length + 3) : "true";
};
const DNS_SECONDS = Number(arg("dns-seconds", "10"));
const HTTP_SECONDS = Number(arg("http-seconds", "10"));
const WARMUP = Number(arg("warmup", "2"));
const ROUNDS = Number(arg("rounds", "1"));
const OUTSTANDING = Number(arg("outstanding", "100"));
const CONNECTIONS = Number(arg("connections", "32"));
const ONLY = arg("only", "");
const JSON_OUT = arg("json", "");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (msg) => process.stderr.write(`bench: ${msg}\n`);

async function preflight() {
  if (process.platform !== "linux") throw new Error("bench/services needs Linux (a network namespace and a tap)");
  if (process.getuid?.() !== 0) throw new Error("bench/services needs root: it creates a network namespace and a tap");
  if (!existsSync("/dev/net/tun")) throw new Error("/dev/net/tun is missing");
  for (const [tool, args] of [["dnsperf", ["-h"]], ["wrk", ["-v"]], ["nginx", ["-v"]], ["/usr/sbin/nsd", ["-v"]], ["/usr/sbin/knotd", ["-V"]], ["dig", ["-v"]], ["curl", ["-V"]]]) {
    const r = await run(tool, args).catch(() => undefined);
    if (r === undefined) throw new Error(`${tool} is not installed (see bench/README.md)`);
  }
}

/** Runs a command in the namespace every 200 ms until `ok(stdout)`, for at most 15 s. */
async function until(ns, label, cmd, args, ok) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await nsRun(ns, cmd, args, { timeoutMs: 5000 });
    if (ok(r.stdout)) return r.stdout;
    if (Date.now() > deadline) throw new Error(`${label} is not answering: ${cmd} ${args.join(" ")} printed ${JSON.stringify(r.stdout + r.stderr)}`);
    await sleep(200);
  }
}

/** A digest of a few answers, to check that every DNS server answers alike before timing it. */
async function dnsFingerprint(ns, host, port) {
  const out = [];
  for (const q of [["www.example.org", "A"], ["example.org", "MX"], ["foo.wild.example.org", "TXT"], ["missing.example.org", "A"]]) {
    // Additional sections differ by policy (NSD's minimal-responses leaves out MX targets' addresses).
    const r = await nsRun(ns, "dig", ["+norec", "+noadditional", "+time=2", "+tries=2", "-p", String(port), `@${host}`, ...q], { timeoutMs: 10_000 });
    const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? `no answer (${r.stdout.trim().split("\n").pop()})`;
    const answers = r.stdout
      .split("\n")
      .filter((l) => l && !l.startsWith(";") && /\sIN\s/.test(l))
      .map((l) => l.split(/\s+/).filter((_, i) => i !== 1).join(" ")) // drop the TTL column
      .sort();
    out.push(`${q.join(" ")}: ${status} ${answers.join(" | ")}`);
  }
  return out.join("\n");
}

/** Starts a server, waits until it answers, warms it up, measures it, stops it. */
async function measureOne(t, load, warm) {
  const server = t.start();
  try {
    await t.ready(server);
    const check = t.check ? await t.check() : undefined;
    if (WARMUP > 0) await warm();
    const cpu0 = treeCpuSeconds(server.child.pid);
    const t0 = Date.now();
    const r = await load();
    r.serverCpu = (treeCpuSeconds(server.child.pid) - cpu0) / ((Date.now() - t0) / 1000);
    r.check = check;
    return r;
  } finally {
    await server.stop();
  }
}

async function main() {
  await preflight();
  const started = new Date();
  const work = mkdtempSync(join(tmpdir(), "bench-services-"));
  chmodSync(work, 0o755);
  const results = { date: started.toISOString(), node: process.version, cpus: cpus().length, rounds: ROUNDS, dnsSeconds: DNS_SECONDS, httpSeconds: HTTP_SECONDS, outstanding: OUTSTANDING, connections: CONNECTIONS };
  const doDns = ONLY !== "http";
  const doHttp = ONLY !== "dns";
  try {
    const bins = {};
    if (doHttp) {
      say("building examples/static-website (socket and direct stacks)");
      bins.webSocket = await buildExample(REPO, work, "static-website", [], "htdocs");
      bins.webDirect = await buildExample(REPO, work, "static-website", ["--net=direct"], "htdocs");
    }
    if (doDns) {
      say("building examples/dns-server (socket and direct stacks)");
      bins.dnsSocket = await buildExample(REPO, work, "dns-server", [], "zone");
      bins.dnsDirect = await buildExample(REPO, work, "dns-server", ["--net=direct"], "zone");
    }
    const ns = await createNetns("bsv");
    await addTap(ns, "tap0", "10.77.0.1/24");

    if (doDns) {
      const zones = zoneFiles(REPO);
      const dig = (host, port) => ["+short", "+norec", "+time=1", "+tries=1", "-p", String(port), `@${host}`, zones[0][0], "SOA"];
      // dig +short prints ";; no servers could be reached" on stdout too: wait for the SOA's fields.
      const answers = (out) => /^\S+\.\s+\S+\.\s+\d+\s/.test(out.trim());
      const targets = [
        { key: "nsd", host: "127.0.0.1", port: 5301, start: () => startNsd(ns, mkdtempSync(join(work, "r-")), zones, 5301) },
        { key: "knot", host: "127.0.0.1", port: 5302, start: () => startKnot(ns, mkdtempSync(join(work, "r-")), zones, 5302) },
        { key: "socket", host: "127.0.0.1", port: 5303, start: () => nsSpawn(ns, bins.dnsSocket, ["--port=5303"]) },
        { key: "direct", host: "10.77.0.2", port: 53, start: () => nsSpawn(ns, bins.dnsDirect, ["--ipv4=10.77.0.2/24"]) },
      ];
      const runs = Object.fromEntries(targets.map((t) => [t.key, []]));
      for (let round = 1; round <= ROUNDS; round++) {
        for (const t of targets) {
          say(`round ${round}/${ROUNDS}: DNS ${t.key}: dnsperf ${DNS_SECONDS} s, ${OUTSTANDING} queries in flight`);
          t.ready = () => until(ns, `${t.key} DNS server`, "dig", dig(t.host, t.port), answers);
          t.check = () => dnsFingerprint(ns, t.host, t.port);
          const r = await measureOne(
            t,
            () => dnsperf(ns, t.host, t.port, QUERIES, DNS_SECONDS, OUTSTANDING),
            () => dnsperf(ns, t.host, t.port, QUERIES, WARMUP, OUTSTANDING),
          );
          runs[t.key].push(r);
        }
      }
      results.dns = Object.fromEntries(Object.entries(runs).map(([k, list]) => [k, median(list, "qps")]));
      results.dnsRuns = runs;
    }

    if (doHttp) {
      const htdocs = join(work, "htdocs");
      cpSync(join(REPO, "examples", "static-website", "htdocs"), htdocs, { recursive: true });
      const page = readFileSync(join(htdocs, "index.html"), "utf8");
      const targets = [
        { key: "nginx", url: "http://127.0.0.1:8081/", start: () => startNginx(ns, mkdtempSync(join(work, "r-")), htdocs, 8081) },
        { key: "socket", url: "http://127.0.0.1:8082/", start: () => nsSpawn(ns, bins.webSocket, ["--port=8082"]) },
        { key: "direct", url: "http://10.77.0.2:8080/", start: () => nsSpawn(ns, bins.webDirect, ["--ipv4=10.77.0.2/24"]) },
      ];
      const runs = Object.fromEntries(targets.map((t) => [t.key, []]));
      for (let round = 1; round <= ROUNDS; round++) {
        for (const t of targets) {
          say(`round ${round}/${ROUNDS}: HTTP ${t.key}: wrk -t1 -c${CONNECTIONS} ${HTTP_SECONDS} s`);
          // Ready means GET / returns index.html byte for byte.
          t.ready = () => until(ns, `${t.key} web server`, "curl", ["-s", "--max-time", "2", t.url], (out) => out === page);
          const r = await measureOne(
            t,
            () => wrk(ns, t.url, HTTP_SECONDS, CONNECTIONS),
            () => wrk(ns, t.url, WARMUP, CONNECTIONS),
          );
          runs[t.key].push(r);
        }
      }
      results.http = Object.fromEntries(Object.entries(runs).map(([k, list]) => [k, median(list, "rps")]));
      results.httpRuns = runs;
      results.pageBytes = Buffer.byteLength(page);
    }
  } finally {
    await cleanup();
    rmSync(work, { recursive: true, force: true });
  }
  report(results);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(results, null, 2)}\n`);
}

/** The run whose `key` is the median (whole runs, so each row's numbers belong together). */
function median(list, key) {
  const sorted = [...list].sort((a, b) => a[key] - b[key]);
  return sorted[(sorted.length - 1) >> 1];
}

function report(r) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
  const ratio = (x, base) => (Number.isFinite(x) && base > 0 ? `${(x / base).toFixed(2)}x` : "n/a");
  const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "n/a");
  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);
  const L = 46;
  // Work per CPU-second of the server: comparable even when a server is not saturated.
  const perCpu = (rate, x) => (x.serverCpu > 0 ? rate / x.serverCpu : NaN);
  const lines = [`bench/services, ${r.date}, node ${r.node}, ${r.cpus} CPUs; ${r.rounds} round(s), medians; every server single-threaded`];
  if (r.dns) {
    const d = r.dns;
    lines.push("");
    lines.push(`DNS over UDP: dnsperf -c 1 -q ${r.outstanding}, ${r.dnsSeconds} s, bench/services/queries.txt (${readFileSync(QUERIES, "utf8").trim().split("\n").length} queries, looped)`);
    lines.push(`${pad("server", L)}${lpad("queries/s", 11)}${lpad("vs NSD", 8)}${lpad("vs Knot", 9)}${lpad("lost", 8)}${lpad("avg ms", 8)}${lpad("server CPU", 12)}${lpad("q/CPU-s", 10)}${lpad("vs NSD", 8)}`);
    const rows = [
      ["NSD, 1 server process, loopback", d.nsd],
      ["Knot, 1 UDP worker, loopback", d.knot],
      ["dns-server unikernel, socket stack, loopback", d.socket],
      ["dns-server unikernel, direct stack, tap", d.direct],
    ];
    for (const [label, x] of rows) {
      const eff = perCpu(x.qps, x);
      lines.push(
        `${pad(label, L)}${lpad(f(x.qps), 11)}${lpad(ratio(x.qps, d.nsd.qps), 8)}${lpad(ratio(x.qps, d.knot.qps), 9)}${lpad(x.lost, 8)}${lpad(f(x.avgLatencyMs, 3), 8)}` +
          `${lpad(pct(x.serverCpu), 12)}${lpad(f(eff), 10)}${lpad(ratio(eff, perCpu(d.nsd.qps, d.nsd)), 8)}`,
      );
    }
    lines.push("response codes:");
    for (const [label, x] of rows) lines.push(`  ${pad(label, L)}${x.rcodes}`);
    const odd = rows.filter(([, x]) => x.check !== d.nsd.check);
    for (const [label, x] of odd) lines.push(`WARNING: ${label} answers differently from NSD:\n${x.check}\n--- NSD:\n${d.nsd.check}`);
  }
  if (r.http) {
    const h = r.http;
    lines.push("");
    lines.push(`HTTP: wrk -t1 -c${r.connections} --latency, ${r.httpSeconds} s, GET / (index.html, ${r.pageBytes} bytes), keep-alive`);
    lines.push(`${pad("server", L)}${lpad("requests/s", 11)}${lpad("vs nginx", 9)}${lpad("p50 ms", 8)}${lpad("p99 ms", 8)}${lpad("non-2xx", 9)}${lpad("server CPU", 12)}${lpad("req/CPU-s", 11)}${lpad("vs nginx", 9)}  socket errors`);
    const rows = [
      ["nginx, 1 process, loopback", h.nginx],
      ["static-website, socket stack, loopback", h.socket],
      ["static-website, direct stack, tap", h.direct],
    ];
    for (const [label, x] of rows) {
      const eff = perCpu(x.rps, x);
      lines.push(
        `${pad(label, L)}${lpad(f(x.rps), 11)}${lpad(ratio(x.rps, h.nginx.rps), 9)}${lpad(f(x.p50Ms, 2), 8)}${lpad(f(x.p99Ms, 2), 8)}${lpad(x.non2xx, 9)}` +
          `${lpad(pct(x.serverCpu), 12)}${lpad(f(eff), 11)}${lpad(ratio(eff, perCpu(h.nginx.rps, h.nginx)), 9)}  ${x.socketErrors}`,
      );
    }
  }
  lines.push("");
  lines.push("Server CPU: share of one core used by the server (and its child processes) during the timed run;");
  lines.push("a server well below 100% was not saturated: the load generator (one thread on the other core) was the limit.");
  lines.push("q/CPU-s, req/CPU-s: the rate divided by that share, the work done per second of server CPU.");
  console.log(lines.join("\n"));
}

main().catch((e) => {
  console.error(`bench: ${e?.stack ?? e}`);
  process.exit(1);
});
