/**
 * The network benchmark (issue 3 part 10): TCP throughput, connection rate and
 * memory per idle connection of the direct stack over a tap and of the socket stack,
 * against Linux-to-Linux over a veth pair, in one run, reported as ratios.
 *
 *   sudo node bench/net/run.mjs [--seconds=5] [--rate-seconds=3] [--max-conns=5000]
 *        [--idle=1000] [--rounds=3] [--profile] [--json=FILE]
 *
 * Layout (two private namespaces, created here and deleted in `finally`):
 *
 *   client ns  ──veth 10.78.0.1 ↔ 10.78.0.2──  server ns
 *     load.mjs, iperf3 -c                         node-server.mjs (Linux reference, ports 5001-5003)
 *     tap0 10.77.0.1 ↔ direct stack 10.77.0.2     bench-tcp socket stack (ports 6001-6003)
 *                                                 iperf3 -s
 *
 * All three TCP servers run the same sink / source / request-response logic
 * (examples/bench-tcp and its node:net twin) and are driven by the same Node.js load
 * generator over MTU 1500 links, so they differ only in the stack underneath.
 * iperf3 on the same veth gives the kernel's own ceiling.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { addTap, addVeth, cleanup, createNetns, must, nsRun, nsSpawn, run } from "./netns.mjs";
import { topSelf } from "./profile.mjs";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = join(HERE, "..", "..");
const NODE = process.execPath;
const LOAD = join(HERE, "load.mjs");

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x === `--${name}` || x.startsWith(`--${name}=`));
  if (a === undefined) return dflt;
  return a.includes("=") ? a.slice(name.length + 3) : "true";
};
const SECONDS = Number(arg("seconds", "5"));
const RATE_SECONDS = Number(arg("rate-seconds", "3"));
const MAX_CONNS = Number(arg("max-conns", "5000"));
const IDLE = Number(arg("idle", "1000"));
const MAX_MB = 20000;
const PROFILE = arg("profile", "false") === "true";
const JSON_OUT = arg("json", "");
const ROUNDS = Number(arg("rounds", "3"));

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (msg) => process.stderr.write(`bench: ${msg}\n`);

function preflight() {
  if (process.platform !== "linux") throw new Error("bench/net needs Linux (network namespaces and a tap)");
  if (process.getuid?.() !== 0) throw new Error("bench/net needs root: it creates network namespaces and a tap");
  if (!existsSync("/dev/net/tun")) throw new Error("/dev/net/tun is missing");
}

/** Builds examples/bench-tcp with `configure` options and copies the artefact aside. */
async function buildVariant(dir, configureArgs) {
  const ex = join(REPO, "examples", "bench-tcp");
  const mirage = join(REPO, "packages", "mirage", "bin", "mirage.js");
  const c = await run(NODE, [mirage, "configure", "-t", "unix", ...configureArgs], { timeoutMs: 120_000, cwd: ex });
  if (c.status !== 0) throw new Error(`mirage configure ${configureArgs.join(" ")} failed:\n${c.stdout}${c.stderr}`);
  const b = await run(NODE, [mirage, "build"], { timeoutMs: 300_000, cwd: ex });
  if (b.status !== 0) throw new Error(`mirage build failed:\n${b.stdout}${b.stderr}`);
  const out = join(dir, `bench-tcp-${configureArgs.length ? "direct" : "socket"}`);
  copyFileSync(join(ex, "dist", "bench-tcp"), out);
  return out;
}

/** Runs load.mjs in the client namespace and returns its last JSON line. */
async function load(ns, mode, host, port, extra = []) {
  const r = await nsRun(ns, NODE, [LOAD, mode, `--host=${host}`, `--port=${port}`, ...extra], { timeoutMs: 180_000 });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let parsed;
  try {
    parsed = JSON.parse(last);
  } catch {
    throw new Error(`load ${mode} ${host}:${port} printed no result (${r.status ?? r.signal}):\n${r.stdout}${r.stderr}`);
  }
  if (parsed.error) throw new Error(`load ${mode} ${host}:${port}: ${parsed.error}`);
  return parsed;
}

async function iperf(nsC, nsS) {
  const server = nsSpawn(nsS, "iperf3", ["-s", "-p", "5201", "--forceflush"]);
  try {
    await server.waitFor(/Server listening/);
    const one = async (reverse) => {
      const r = await nsRun(nsC, "iperf3", ["-c", "10.78.0.2", "-p", "5201", "-t", String(SECONDS), "-J", ...(reverse ? ["-R"] : [])], {
        timeoutMs: (SECONDS + 30) * 1000,
      });
      if (r.status !== 0) throw new Error(`iperf3 failed: ${r.stdout}${r.stderr}`);
      return JSON.parse(r.stdout).end.sum_received.bits_per_second / 1e6;
    };
    return { send: await one(false), recv: await one(true) };
  } finally {
    await server.stop();
  }
}

/** Throughput both ways and connection rate against one running server, after a warm-up. */
async function measure(nsC, server, host, base) {
  await load(nsC, "send", host, base, ["--seconds=1", `--max-mb=${MAX_MB}`]);
  await load(nsC, "recv", host, base + 1, ["--seconds=1", `--max-mb=${MAX_MB}`]);
  await load(nsC, "rate", host, base + 2, ["--seconds=1", "--max-conns=500"]);
  const cpu0 = server.cpuSeconds();
  const send = await load(nsC, "send", host, base, [`--seconds=${SECONDS}`, `--max-mb=${MAX_MB}`]);
  const recv = await load(nsC, "recv", host, base + 1, [`--seconds=${SECONDS}`, `--max-mb=${MAX_MB}`]);
  const cpu1 = server.cpuSeconds();
  // The server's share of one core while streaming: near 100% means it, not the link, is the bottleneck.
  const wall = (send.ms + recv.ms) / 1000;
  const cpuUser = (cpu1.user - cpu0.user) / wall;
  const cpuSys = (cpu1.sys - cpu0.sys) / wall;
  await sleep(500);
  const rate = await load(nsC, "rate", host, base + 2, [`--seconds=${RATE_SECONDS}`, `--max-conns=${MAX_CONNS}`]);
  return { send: send.mbps, recv: recv.mbps, cpuUser, cpuSys, cps: rate.cps, rateFailed: rate.failed, conns: rate.ok };
}

/** Asks a server started with gc-probe.mjs to collect garbage; returns its memory then (bytes). */
async function gcProbe(server) {
  const seen = (server.output().match(/gc-probe /g) ?? []).length;
  server.child.kill("SIGUSR2");
  const deadline = Date.now() + 10_000;
  while ((server.output().match(/gc-probe /g) ?? []).length === seen) {
    if (Date.now() > deadline) throw new Error(`no gc-probe answer:\n${server.output()}`);
    await sleep(50);
  }
  const all = [...server.output().matchAll(/gc-probe (\{.*\})/g)];
  return JSON.parse(all[all.length - 1][1]);
}

/**
 * Memory per idle connection: N connections held open to the sink of a fresh server,
 * memory compared after a full GC before and after. Reports the RSS growth and the
 * growth of V8's heap plus external memory (buffers), both per connection.
 */
async function idleMemory(nsC, server, host, base) {
  // Warm the accept and teardown paths so their JIT code is not billed to the connections.
  await load(nsC, "rate", host, base + 2, ["--seconds=2", "--max-conns=300"]);
  await sleep(1000);
  const before = await gcProbe(server);
  const holder = nsSpawn(nsC, NODE, [LOAD, "idle", `--host=${host}`, `--port=${base}`, `--count=${IDLE}`, "--hold-s=120"]);
  try {
    const m = await holder.waitFor(/\{"mode":"idle","opened":(\d+),"failed":(\d+)/, 90_000);
    await sleep(1500);
    const after = await gcProbe(server);
    const opened = Number(m[1]);
    const heap = (x) => x.heapUsed + x.external;
    return {
      opened,
      failed: Number(m[2]),
      beforeKiB: before.rss / 1024,
      afterKiB: after.rss / 1024,
      perConnKiB: (after.rss - before.rss) / 1024 / opened,
      heapPerConnKiB: (heap(after) - heap(before)) / 1024 / opened,
    };
  } finally {
    holder.child.stdin.end("close\n");
    await holder.stop();
  }
}

async function main() {
  preflight();
  const started = new Date();
  const work = mkdtempSync(join(tmpdir(), "bench-net-"));
  const results = { date: started.toISOString(), node: process.version, cpus: cpus().length, seconds: SECONDS, rounds: ROUNDS };
  try {
    say("building examples/bench-tcp (socket and direct stacks)");
    const socketBin = await buildVariant(work, []);
    const directBin = await buildVariant(work, ["--net=direct"]);

    const nsC = await createNetns("bnc");
    const nsS = await createNetns("bns");
    await addVeth(nsC, "10.78.0.1/24", nsS, "10.78.0.2/24");
    await addTap(nsC, "tap0", "10.77.0.1/24");
    await must("ip", ["netns", "exec", nsC, "ping", "-c", "1", "-W", "2", "10.78.0.2"]);

    // `probe` runs the server under node explicitly with gc-probe.mjs preloaded (memory test only).
    const under = (ns, script, args, probe) =>
      probe
        ? nsSpawn(ns, NODE, ["--expose-gc", "--import", join(HERE, "gc-probe.mjs"), ...(script === NODE ? [] : [script]), ...args])
        : nsSpawn(ns, script, args);
    const targets = [
      { key: "linux", host: "10.78.0.2", base: 5001, ready: /node-server: sink/, start: (probe) => under(nsS, NODE, [join(HERE, "node-server.mjs"), "--base-port=5001"], probe) },
      { key: "socket", host: "10.78.0.2", base: 6001, ready: /bench-tcp: sink/, start: (probe) => under(nsS, socketBin, ["--base-port=6001"], probe) },
      { key: "direct", host: "10.77.0.2", base: 5001, ready: /bench-tcp: sink/, start: (probe) => under(nsC, directBin, ["--ipv4=10.77.0.2/24"], probe) },
    ];

    // Rounds interleave the targets so that drift in the machine's speed (a nested
    // VM's neighbours) hits them alike; the report takes each metric's median.
    const runs = { iperf3: [], linux: [], socket: [], direct: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      say(`round ${round}/${ROUNDS}: iperf3 over the veth, ${SECONDS} s each way`);
      runs.iperf3.push(await iperf(nsC, nsS));
      for (const t of targets) {
        say(`round ${round}/${ROUNDS}: ${t.key}: throughput (${SECONDS} s each way), connection rate (${RATE_SECONDS} s or ${MAX_CONNS} connections)`);
        const server = t.start();
        try {
          await server.waitFor(t.ready);
          runs[t.key].push(await measure(nsC, server, t.host, t.base));
        } finally {
          await server.stop();
        }
      }
    }
    for (const [key, list] of Object.entries(runs)) results[key] = medians(list);
    results.runs = runs;
    // Memory on fresh servers: after the streams, a grown heap would absorb new connections.
    const idle = { linux: [], socket: [], direct: [] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const t of targets) {
        say(`round ${round}/${ROUNDS}: ${t.key}: memory of ${IDLE} idle connections (fresh server)`);
        const server = t.start(true);
        try {
          await server.waitFor(t.ready);
          idle[t.key].push(await idleMemory(nsC, server, t.host, t.base));
        } finally {
          await server.stop();
        }
      }
    }
    for (const [key, list] of Object.entries(idle)) {
      results[key].idle = medians(list);
      runs[key].forEach((x, i) => (x.idle = list[i]));
    }
    if (PROFILE) results.profile = await profileDirect(nsC, directBin, work);
  } finally {
    await cleanup();
    rmSync(work, { recursive: true, force: true });
  }
  report(results);
  if (JSON_OUT) writeFileSync(JSON_OUT, `${JSON.stringify(results, null, 2)}\n`);
}

/** The median of each numeric field over a list of like objects. */
function medians(list) {
  const out = {};
  for (const k of Object.keys(list[0])) {
    const xs = list.map((x) => x[k]).sort((a, b) => a - b);
    const m = xs.length >> 1;
    out[k] = xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
  }
  return out;
}

/**
 * Reruns the direct stack's two streams and its connection-rate test, each on a fresh
 * unikernel under --cpu-prof; returns the top self-time functions of each. V8 bills
 * inlined callees to their caller, so a small function high in the list stands for
 * what was inlined into it.
 */
async function profileDirect(nsC, directBin, work) {
  const out = {};
  const runs = [
    ["send", 5001, [`--seconds=${SECONDS}`, `--max-mb=${MAX_MB}`]],
    ["recv", 5002, [`--seconds=${SECONDS}`, `--max-mb=${MAX_MB}`]],
    ["rate", 5003, [`--seconds=${RATE_SECONDS}`, `--max-conns=${MAX_CONNS}`]],
  ];
  for (const [mode, port, extra] of runs) {
    say(`direct: profiling the ${mode} test with --cpu-prof`);
    const profDir = join(work, `prof-${mode}`);
    const args = ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--import", join(HERE, "exit-on-sigterm.mjs"), directBin, "--ipv4=10.77.0.2/24"];
    const server = nsSpawn(nsC, NODE, args);
    try {
      await server.waitFor(/bench-tcp: sink/);
      await load(nsC, mode, "10.77.0.2", port, extra);
    } finally {
      await server.stop();
    }
    const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith(".cpuprofile")) : undefined;
    out[mode] = file ? topSelf(join(profDir, file), 8) : [];
  }
  return out;
}

function report(r) {
  const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
  const ratio = (x, base) => (Number.isFinite(x) && base > 0 ? `${(x / base).toFixed(2)}x` : "n/a");
  const pad = (s, n) => String(s).padEnd(n);
  const lpad = (s, n) => String(s).padStart(n);
  const rows = [
    ["Linux <-> Linux, veth, node:net server", r.linux],
    ["socket stack unikernel, veth", r.socket],
    ["direct stack unikernel, tap", r.direct],
  ];
  const L = 40;
  const lines = [];
  lines.push(`bench/net, ${r.date}, node ${r.node}, ${r.cpus} CPUs; medians of ${r.rounds} rounds; one stream, ${r.seconds} s, MTU 1500`);
  lines.push("");
  const pct = (x) => `${Math.round(x * 100)}%`;
  lines.push(`${pad("TCP throughput (Mbit/s)", L)}${lpad("client->server", 15)}${lpad("ratio", 8)}${lpad("server->client", 16)}${lpad("ratio", 8)}${lpad("server CPU usr+sys", 20)}`);
  lines.push(`${pad("Linux <-> Linux, veth, iperf3 (ceiling)", L)}${lpad(f(r.iperf3.send), 15)}${lpad(ratio(r.iperf3.send, r.linux.send), 8)}${lpad(f(r.iperf3.recv), 16)}${lpad(ratio(r.iperf3.recv, r.linux.recv), 8)}`);
  for (const [label, x] of rows) {
    lines.push(`${pad(label, L)}${lpad(f(x.send), 15)}${lpad(ratio(x.send, r.linux.send), 8)}${lpad(f(x.recv), 16)}${lpad(ratio(x.recv, r.linux.recv), 8)}${lpad(`${pct(x.cpuUser)}+${pct(x.cpuSys)}`, 20)}`);
  }
  lines.push("");
  lines.push(`${pad("TCP connection rate", L)}${lpad("conn/s", 15)}${lpad("ratio", 8)}${lpad("connections", 16)}${lpad("failed", 8)}`);
  for (const [label, x] of rows) {
    lines.push(`${pad(label, L)}${lpad(f(x.cps), 15)}${lpad(ratio(x.cps, r.linux.cps), 8)}${lpad(x.conns, 16)}${lpad(x.rateFailed, 8)}`);
  }
  lines.push("");
  lines.push(`${pad(`Memory per idle connection, after GC`, L)}${lpad("RSS KiB/conn", 15)}${lpad("ratio", 8)}${lpad("heap+ext KiB/conn", 18)}${lpad("ratio", 8)}${lpad("RSS before->after", 20)}${lpad("opened", 8)}`);
  for (const [label, x] of rows) {
    const i = x.idle;
    lines.push(
      `${pad(label, L)}${lpad(f(i.perConnKiB, 2), 15)}${lpad(ratio(i.perConnKiB, r.linux.idle.perConnKiB), 8)}` +
        `${lpad(f(i.heapPerConnKiB, 2), 18)}${lpad(ratio(i.heapPerConnKiB, r.linux.idle.heapPerConnKiB), 8)}` +
        `${lpad(`${(i.beforeKiB / 1024).toFixed(1)} -> ${(i.afterKiB / 1024).toFixed(1)} MiB`, 20)}${lpad(i.opened, 8)}`,
    );
  }
  lines.push("");
  lines.push("Ratios are against the Linux <-> Linux row with the same node:net server (iperf3's against it too).");
  lines.push("Server CPU: share of one core used by the server process over both streams (user + kernel).");
  lines.push("Memory is the server process's only: the kernel's own socket memory (Linux and socket-stack rows) is not in it.");
  for (const [dir, label] of [["send", "client->server stream"], ["recv", "server->client stream"], ["rate", "connection rate"]]) {
    if (!r.profile?.[dir]?.length) continue;
    lines.push("");
    lines.push(`direct stack, ${label}: share of --cpu-prof samples by function (self time, inlined callees included)`);
    for (const p of r.profile[dir]) lines.push(`  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}`);
  }
  console.log(lines.join("\n"));
}

main().catch((e) => {
  console.error(`bench: ${e?.stack ?? e}`);
  process.exit(1);
});
