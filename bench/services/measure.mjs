/**
 * The two load generators of bench/services, run inside the bench's namespace, and
 * parsers for what they print: dnsperf (queries/s, lost, response codes, latency) and
 * wrk --latency (requests/s, p50/p99, errors, non-2xx).
 */
import { nsRun } from "../net/netns.mjs";

/** dnsperf over UDP for `seconds` against host:port, `outstanding` queries in flight. */
export async function dnsperf(ns, host, port, queries, seconds, outstanding) {
  const args = ["-s", host, "-p", String(port), "-d", queries, "-l", String(seconds), "-c", "1", "-T", "1", "-q", String(outstanding), "-t", "2"];
  const r = await nsRun(ns, "dnsperf", args, { timeoutMs: (seconds + 30) * 1000 });
  const out = r.stdout + r.stderr;
  const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
  const result = {
    qps: num(/Queries per second:\s+([\d.]+)/),
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    rcodes: /Response codes:\s+([^\n]*)/.exec(out)?.[1]?.replace(/ \([\d.]+%\)/g, "") ?? "",
  };
  if (!Number.isFinite(result.qps)) throw new Error(`dnsperf ${args.join(" ")} printed no result (${r.status ?? r.signal}):\n${out}`);
  return result;
}

const UNIT_MS = { us: 1e-3, ms: 1, s: 1000, m: 60_000 };

/** "1.23ms" → 1.23 (milliseconds). */
function durationMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

/** wrk -t1 -cCONNS --latency for `seconds` against url. */
export async function wrk(ns, url, seconds, connections) {
  const args = ["-t1", `-c${connections}`, `-d${seconds}s`, "--timeout", "5s", "--latency", url];
  const r = await nsRun(ns, "wrk", args, { timeoutMs: (seconds + 30) * 1000 });
  const out = r.stdout;
  const result = {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    p50Ms: durationMs(/\n\s+50%\s+(\S+)/.exec(out)?.[1] ?? ""),
    p99Ms: durationMs(/\n\s+99%\s+(\S+)/.exec(out)?.[1] ?? ""),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: /Socket errors: ([^\n]*)/.exec(out)?.[1] ?? "none",
  };
  if (r.status !== 0 || !Number.isFinite(result.rps)) throw new Error(`wrk ${args.join(" ")} failed (${r.status ?? r.signal}):\n${out}${r.stderr}`);
  return result;
}
