/**
 * Start time, measured from the parent: process.hrtime just before spawn() to the
 * first stdout byte, and to the child's exit. The same parent (this Node process,
 * idle otherwise) times every program, so its own spawn overhead is in every row,
 * the static C floor's included; differences between rows are the programs'.
 */
import { spawn } from "node:child_process";
import { childEnv } from "../net/netns.mjs";

const ms = (from, to) => Number(to - from) / 1e6;

/**
 * Runs cmd once. With `stopAtFirstByte` the child is killed as soon as its first
 * stdout byte arrives (hello sleeps a second between lines; only its first is timed).
 */
export function timeOnce(cmd, args, { stopAtFirstByte = false, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let first;
    let exited;
    let status = null;
    let signal = null;
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: "/", env: childEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (d) => {
      if (first === undefined) {
        first = process.hrtime.bigint();
        if (stopAtFirstByte) child.kill("SIGKILL");
      }
      stdout += d;
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code, sig) => {
      exited = process.hrtime.bigint();
      status = code;
      signal = sig;
    });
    child.on("close", () => {
      clearTimeout(timer);
      resolve({
        firstMs: first === undefined ? NaN : ms(t0, first),
        exitMs: ms(t0, exited),
        status,
        signal,
        stdout,
        stderr,
      });
    });
  });
}

export const median = (xs) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/**
 * Times every row `runs` times, rows interleaved round by round (so a busy moment
 * on the machine hits all rows alike). A row has `first: [cmd, args]` (timed to its
 * first output, which must match `firstOutput`) and `exit: [cmd, args]` (timed to
 * its exit, which must be status 0); either may be missing. One untimed run of each
 * first warms the page cache. Returns, per row key, medians and every sample.
 */
export async function measureStart(rows, runs, say) {
  const samples = Object.fromEntries(rows.map((r) => [r.key, { first: [], exit: [], failures: [] }]));
  const once = async (row, kind) => {
    const [cmd, args] = row[kind];
    const r = await timeOnce(cmd, args, { stopAtFirstByte: kind === "first" });
    const ok = kind === "first" ? row.firstOutput.test(r.stdout) : r.status === 0;
    if (!ok) {
      const why = `${kind}: status ${r.status ?? r.signal}, stdout ${JSON.stringify(r.stdout.slice(0, 200))}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`;
      samples[row.key].failures.push(why);
      return NaN;
    }
    return kind === "first" ? r.firstMs : r.exitMs;
  };
  for (const row of rows) for (const kind of ["first", "exit"]) if (row[kind]) await once(row, kind);
  for (let i = 0; i < runs; i++) {
    if (say && (i === 0 || (i + 1) % 10 === 0)) say(`start time: round ${i + 1}/${runs}`);
    for (const row of rows) {
      for (const kind of ["first", "exit"]) {
        if (row[kind]) samples[row.key][kind].push(await once(row, kind));
      }
    }
  }
  return Object.fromEntries(
    rows.map((r) => {
      const s = samples[r.key];
      return [r.key, { firstMs: median(s.first), exitMs: median(s.exit), firstMinMs: Math.min(...s.first.filter(Number.isFinite)), exitMinMs: Math.min(...s.exit.filter(Number.isFinite)), samples: s }];
    }),
  );
}
