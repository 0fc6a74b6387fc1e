/**
 * The smallest `--mem` (MiB) an image runs correctly with, by binary search between
 * the tender's own lower limit (it refuses less than the image's end plus 1 MiB of
 * heap and stack, and says how much it needs) and the default of 128 MiB. The
 * search assumes that an image which works with M MiB also works with more.
 */
import { nsRun, nsSpawn, run } from "../net/netns.mjs";
import { tender } from "./images.mjs";

const TENDER_DEFAULT_MIB = 128;

/**
 * The least --mem the tender accepts for `image`. mirage-hvt refuses --mem=1 with
 * "needs at least N MiB"; mirage-spt says only that a segment does not fit, so
 * step up until it says no more than that (at most 16 tries).
 */
export async function tenderLowerLimit(target, image, tenderArgs = []) {
  for (let m = 1; m <= 16; m++) {
    const r = await run(tender(target), [`--mem=${m}`, ...tenderArgs, "--", image, "--help"], { timeoutMs: 20_000 });
    const needs = /needs at least (\d+) MiB/.exec(r.stderr);
    if (needs) return Number(needs[1]);
    if (!/does not fit in guest memory|too small/.test(r.stderr)) return m;
  }
  return NaN;
}

/**
 * Binary search for the least M in [lower, 128] with `works(M)`. Returns
 * { minMib, lowerMib, tried: [[M, ok, why]] }; minMib is NaN if even 128 fails.
 */
export async function smallestMem(lower, works, say) {
  const tried = [];
  const check = async (m) => {
    const r = await works(m);
    tried.push([m, r.ok, r.why]);
    say?.(`  --mem=${m}: ${r.ok ? "ok" : `fails (${r.why})`}`);
    return r.ok;
  };
  if (!(await check(TENDER_DEFAULT_MIB))) return { minMib: NaN, lowerMib: lower, tried };
  let bad = (Number.isFinite(lower) ? lower : 1) - 1; // below the tender's limit: refused
  let good = TENDER_DEFAULT_MIB;
  while (good - bad > 1) {
    const mid = (bad + good) >> 1;
    if (await check(mid)) good = mid;
    else bad = mid;
  }
  return { minMib: good, lowerMib: lower, tried };
}

/** What went wrong, from a run's output: its first two lines that are neither stack frames nor info logs. */
const oneLine = (s) =>
  s
    .split("\n")
    .filter((l) => l.trim() && !/^\s+at /.test(l) && !/^\d{4}-\d\d-\d\dT\S+ \[INFO\]/.test(l))
    .slice(0, 2)
    .join(" | ")
    .slice(0, 240);

/** hello runs correctly: exit 0 and its four "hello" log lines. */
export function helloWorks(target, image) {
  return async (mib) => {
    const r = await run(tender(target), [`--mem=${mib}`, "--", image], { timeoutMs: 30_000 });
    const lines = r.stdout.split("\n").filter((l) => /\[application\] hello$/.test(l)).length;
    if (r.status === 0 && lines === 4) return { ok: true };
    return { ok: false, why: `status ${r.status ?? r.signal}, ${lines} hello lines; ${oneLine(r.stderr) || oneLine(r.stdout)}` };
  };
}

/**
 * static-website runs correctly: on tap0 of `ns` (Linux 10.77.0.1), with
 * 10.77.0.2, it says it is serving and answers one curl GET / with 200.
 */
export function websiteWorks(ns, target, image) {
  return async (mib) => {
    // A fresh MAC each boot: forget the last guest's, or Linux would send to it for a while.
    await nsRun(ns, "ip", ["neigh", "flush", "dev", "tap0"]);
    const server = nsSpawn(ns, tender(target), [`--mem=${mib}`, "--net:service=tap0", "--", image, "--ipv4=10.77.0.2/24"]);
    try {
      await server.waitFor(/serving on port 8080/, 15_000);
      const r = await nsRun(ns, "curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "http://10.77.0.2:8080/"], { timeoutMs: 10_000 });
      if (r.stdout === "200") return { ok: true };
      return { ok: false, why: `curl got ${JSON.stringify(r.stdout)}; ${oneLine(server.output())}` };
    } catch (e) {
      return { ok: false, why: oneLine(String(e.message ?? e)) };
    } finally {
      await server.stop();
    }
  };
}
