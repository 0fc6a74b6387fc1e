/**
 * The unikernel benchmark (issue 5, part 10): the same apps as hvt and spt images
 * and as the unix target on Node, side by side in one run, reported as ratios:
 *
 * - start time: spawn to hello's first output and to noop's exit, against a static
 *   C hello (the floor) and Node; C guests under each tender give the tenders' floor;
 * - image sizes;
 * - the smallest --mem that runs hello, and static-website on a tap;
 * - HTTP requests/s (wrk, static-website) and DNS queries/s (dnsperf, dns-server)
 *   of hvt and spt against the unix target's direct stack on the same kind of tap.
 *
 *   sudo node bench/unikernel/run.mjs [--runs=20] [--http-seconds=10] [--dns-seconds=10]
 *        [--warmup=2] [--connections=32] [--outstanding=100]
 *        [--only=start,size,mem,http,dns] [--json=FILE]
 *
 * Builds go into a temporary folder under the repository's .bench-tmp/ (so the
 * examples' "@mirage-ts/..." imports resolve); the network parts run in a private
 * namespace with one tap (Linux 10.77.0.1, the guest 10.77.0.2). Both are removed in
 * `finally`.
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release } from "node:os";
import { join } from "node:path";
import { addTap, cleanup, createNetns, run } from "../net/netns.mjs";
import { zoneFiles } from "../services/servers.mjs";
import { buildCGuest, buildFor, buildStaticC, bundleCodeBytes, bytecodeBytes, fileBytes, launcher, REPO, tender } from "./images.mjs";
import { helloWorks, smallestMem, tenderLowerLimit, websiteWorks } from "./memory.mjs";
import { report } from "./report.mjs";
import { measureStart } from "./startup.mjs";
import { measureDns, measureHttp, queryCount } from "./throughput.mjs";

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return dflt;
  return a.includes("=") ? a.slice(name.length + 3) : "true";
};
const PARTS = ["start", "size", "mem", "http", "dns"];
const ONLY = arg("only", PARTS.join(",")).split(",");
const RUNS = Number(arg("runs", "20"));
const HTTP_SECONDS = Number(arg("http-seconds", "10"));
const DNS_SECONDS = Number(arg("dns-seconds", "10"));
const WARMUP = Number(arg("warmup", "2"));
const CONNECTIONS = Number(arg("connections", "32"));
const OUTSTANDING = Number(arg("outstanding", "100"));
const JSON_OUT = arg("json", "");
const QUERIES = join(REPO, "bench", "services", "queries.txt");
const does = (part) => ONLY.includes(part);
const say = (msg) => process.stderr.write(`bench: ${msg}\n`);

/** Everything missing, at once, so one read of the message says what to install. */
async function preflight() {
  const unknown = ONLY.filter((p) => !PARTS.includes(p));
  if (unknown.length) throw new Error(`--only takes ${PARTS.join(",")}; got ${unknown.join(",")}`);
  if (process.platform !== "linux" || process.arch !== "x64") throw new Error("bench/unikernel needs Linux on x86_64");
  const missing = [];
  const network = does("mem") || does("http") || does("dns");
  if (network && process.getuid?.() !== 0) missing.push("root (the mem, http and dns parts create a network namespace and a tap; or --only=start,size)");
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
  } catch {
    missing.push("/dev/kvm, readable and writable (hvt)");
  }
  if (network && !existsSync("/dev/net/tun")) missing.push("/dev/net/tun");
  for (const t of ["hvt", "spt"]) if (!existsSync(tender(t))) missing.push(`${tender(t)} (build it: node packages/tender/scripts/build.mjs)`);
  if (!existsSync("/usr/lib/x86_64-linux-musl/libc.a")) missing.push("musl's libc.a (apt-get install musl-dev)");
  if (!existsSync("/usr/lib/x86_64-linux-gnu/libc.a")) missing.push("glibc's libc.a for the static C floor (apt-get install libc6-dev)");
  const tools = [["gcc", ["--version"]], ["nm", ["--version"]]];
  if (network) tools.push(["ip", ["-V"]], ["curl", ["-V"]]);
  if (does("http")) tools.push(["wrk", ["-v"]]);
  if (does("dns")) tools.push(["dnsperf", ["-h"]], ["dig", ["-v"]]);
  for (const [tool, args] of tools) if ((await run(tool, args).catch(() => undefined)) === undefined) missing.push(tool);
  if (missing.length) throw new Error(`missing: ${missing.join("; ")} (see bench/README.md)`);
}

/** Builds what the selected parts need; every image in its own copy under `work`. */
async function buildAll(work) {
  const b = {};
  const t0 = Date.now();
  if (does("start") || does("size")) {
    say("building the static C hello and the C guests");
    b.c = await buildStaticC(work);
    for (const t of ["hvt", "spt"]) b[`${t}Guest`] = await buildCGuest(work, t).catch((e) => say(`no C guest for ${t} (its row is left out): ${e.message}`));
  }
  const apps = [];
  if (does("start") || does("size") || does("mem")) apps.push("hello");
  if (does("start")) apps.push("noop");
  if (does("http") || does("mem") || does("size")) apps.push("static-website");
  if (does("dns") || does("size")) apps.push("dns-server");
  const data = { "static-website": "htdocs", "dns-server": "zone" };
  for (const app of apps) {
    say(`building ${app} for hvt, spt and unix`);
    for (const t of ["hvt", "spt", "unix"]) b[`${app}.${t}`] = await buildFor(work, app, t, [], data[app]);
    if (data[app] && (does("http") || does("dns"))) b[`${app}.direct`] = await buildFor(work, app, "unix", ["--net=direct"], data[app]);
  }
  say(`built in ${Math.round((Date.now() - t0) / 1000)} s`);
  return b;
}

async function startPart(b) {
  const H = /hello/;
  const both = (cmd, args) => ({ first: [cmd, args], exit: [cmd, args] });
  const rows = [
    { key: "c", ...both(b.c, []), firstOutput: H },
    b.hvtGuest && { key: "hvtGuest", ...both(tender("hvt"), ["--", b.hvtGuest]), firstOutput: H },
    { key: "hvt", first: [tender("hvt"), ["--", b["hello.hvt"]]], exit: [tender("hvt"), ["--", b["noop.hvt"]]], firstOutput: H },
    { key: "hvtWrapper", first: [launcher("hvt"), ["--", b["hello.hvt"]]], exit: [launcher("hvt"), ["--", b["noop.hvt"]]], firstOutput: H },
    b.sptGuest && { key: "sptGuest", ...both(tender("spt"), ["--", b.sptGuest]), firstOutput: H },
    { key: "spt", first: [tender("spt"), ["--", b["hello.spt"]]], exit: [tender("spt"), ["--", b["noop.spt"]]], firstOutput: H },
    { key: "node", first: [b["hello.unix"], []], exit: [b["noop.unix"], []], firstOutput: H },
  ].filter(Boolean);
  say(`start time: ${rows.length} programs, ${RUNS} runs each`);
  return measureStart(rows, RUNS, say);
}

function sizePart(b) {
  const z = {
    c: fileBytes(b.c),
    hvt: fileBytes(b["hello.hvt"]),
    spt: fileBytes(b["hello.spt"]),
    hvtBytecode: bytecodeBytes(b["hello.hvt"]),
    sptBytecode: bytecodeBytes(b["hello.spt"]),
    nodeBundle: fileBytes(b["hello.unix"]),
    nodeBundleCode: bundleCodeBytes(b["hello.unix"]),
    nodeBinary: fileBytes(process.execPath),
    hvtGuest: b.hvtGuest ? fileBytes(b.hvtGuest) : NaN,
    hvtTender: fileBytes(tender("hvt")),
    sptTender: fileBytes(tender("spt")),
    apps: {},
  };
  for (const app of ["static-website", "dns-server"]) {
    for (const t of ["hvt", "spt"]) z.apps[`${app}.${t}`] = { bytes: fileBytes(b[`${app}.${t}`]), bytecode: bytecodeBytes(b[`${app}.${t}`]) };
    z.apps[`${app}, the unix JS bundle`] = { bytes: fileBytes(b[`${app}.unix`]), bytecode: bundleCodeBytes(b[`${app}.unix`]) };
  }
  return z;
}

async function memPart(b, ns) {
  const m = {};
  say("smallest --mem for hello (hvt and spt searched at once)");
  const hello = await Promise.all(
    ["hvt", "spt"].map(async (t) => {
      const image = b[`hello.${t}`];
      return smallestMem(await tenderLowerLimit(t, image), helloWorks(t, image), (msg) => say(`hello.${t}${msg}`));
    }),
  );
  m.hello = { hvt: hello[0], spt: hello[1] };
  m.website = {};
  for (const t of ["hvt", "spt"]) {
    say(`smallest --mem for static-website.${t} (one at a time: they share the tap)`);
    const image = b[`static-website.${t}`];
    m.website[t] = await smallestMem(await tenderLowerLimit(t, image, ["--net:service=tap0"]), websiteWorks(ns, t, image), (msg) => say(`static-website.${t}${msg}`));
  }
  return m;
}

function machine() {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "unknown CPU";
  const kvm = existsSync("/sys/module/kvm_pvm") ? "PVM (pagetable-based, nested)" : existsSync("/sys/module/kvm_intel") ? "VMX" : existsSync("/sys/module/kvm_amd") ? "SVM" : "";
  return { node: process.version, cpus: cpus().length, cpuModel, kernel: release(), kvm };
}

async function main() {
  await preflight();
  const scratch = join(REPO, ".bench-tmp");
  mkdirSync(scratch, { recursive: true });
  const work = mkdtempSync(join(scratch, "unikernel-"));
  const results = { date: new Date().toISOString(), ...machine(), runs: RUNS, httpSeconds: HTTP_SECONDS, dnsSeconds: DNS_SECONDS, warmup: WARMUP, connections: CONNECTIONS, outstanding: OUTSTANDING };
  const started = Date.now();
  try {
    const b = await buildAll(work);
    // Start times first, while nothing else of ours runs.
    if (does("start")) results.start = await startPart(b);
    if (does("size")) results.sizes = sizePart(b);
    if (does("mem") || does("http") || does("dns")) {
      const ns = await createNetns("buk");
      await addTap(ns, "tap0", "10.77.0.1/24");
      if (does("mem")) results.mem = await memPart(b, ns);
      const images = (app) => ({ hvt: b[`${app}.hvt`], spt: b[`${app}.spt`] });
      const unix = (app) => ({ direct: b[`${app}.direct`], socket: b[`${app}.unix`] });
      if (does("http")) {
        const page = readFileSync(join(REPO, "examples", "static-website", "htdocs", "index.html"), "utf8");
        results.pageBytes = Buffer.byteLength(page);
        results.http = await measureHttp(ns, images("static-website"), unix("static-website"), { page, seconds: HTTP_SECONDS, warmup: WARMUP, connections: CONNECTIONS, say });
      }
      if (does("dns")) {
        results.queryCount = queryCount(QUERIES);
        const zone = zoneFiles(REPO)[0][0];
        results.dns = await measureDns(ns, images("dns-server"), unix("dns-server"), { zone, queries: QUERIES, seconds: DNS_SECONDS, warmup: WARMUP, outstanding: OUTSTANDING, say });
      }
    }
  } finally {
    await cleanup();
    rmSync(work, { recursive: true, force: true });
    try {
      rmdirSync(scratch); // only if no one else's run is using it
    } catch {}
  }
  say(`done in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(report(results));
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((e) => {
  console.error(`bench: ${e?.stack ?? e}`);
  process.exit(1);
});
