/** The tables bench/unikernel prints, from the results object run.mjs collects (also its --json). */

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const bytes = (x) => (Number.isFinite(x) ? x.toLocaleString("en-US") : "n/a");
const ratio = (x, base) => {
  if (!Number.isFinite(x) || !Number.isFinite(base) || base <= 0) return "n/a";
  const q = x / base;
  return `${q >= 0.1 ? q.toFixed(2) : q.toPrecision(2)}x`;
};
const pct = (x) => (Number.isFinite(x) ? `${Math.round(x * 100)}%` : "n/a");
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

function startTable(r, lines) {
  const s = r.start;
  const c = s.c;
  const node = s.node;
  lines.push("");
  lines.push(`Start time, ms from spawn() in this Node process to hello's first stdout byte and to noop's exit: median (and min) of ${r.runs} runs`);
  lines.push(`${pad("program", 50)}${lpad("first output", 15)}${lpad("vs C", 8)}${lpad("vs Node", 9)}${lpad("exit", 15)}${lpad("vs C", 8)}${lpad("vs Node", 9)}`);
  const rows = [
    ["c", "static C hello (gcc -static -O2), the floor"],
    ["hvtGuest", "C guest, no QuickJS, under mirage-hvt"],
    ["hvt", "hello.hvt / noop.hvt under mirage-hvt"],
    ["hvtWrapper", "the same via npx mirage-hvt (its sh wrapper)"],
    ["sptGuest", "C guest, no QuickJS, under mirage-spt"],
    ["spt", "hello.spt / noop.spt under mirage-spt"],
    ["node", "dist/hello / dist/noop on Node (unix target)"],
  ];
  for (const [key, label] of rows) {
    const x = s[key];
    if (!x) continue;
    lines.push(
      `${pad(label, 50)}${lpad(`${f(x.firstMs, 2)} (${f(x.firstMinMs, 2)})`, 15)}${lpad(ratio(x.firstMs, c?.firstMs), 8)}${lpad(ratio(x.firstMs, node?.firstMs), 9)}` +
        `${lpad(`${f(x.exitMs, 2)} (${f(x.exitMinMs, 2)})`, 15)}${lpad(ratio(x.exitMs, c?.exitMs), 8)}${lpad(ratio(x.exitMs, node?.exitMs), 9)}`,
    );
  }
  for (const [key, label] of rows) {
    const fails = s[key]?.samples.failures ?? [];
    if (fails.length) lines.push(`WARNING: ${label}: ${fails.length} failed run(s), not counted; first: ${fails[0]}`);
  }
}

function sizeTable(r, lines) {
  const z = r.sizes;
  lines.push("");
  lines.push("Size, bytes (an .hvt/.spt image is QuickJS, the C runtime and musl, plus the app's QuickJS bytecode)");
  lines.push(`${pad("file", 50)}${lpad("bytes", 13)}${lpad("vs C", 9)}${lpad("vs Node", 11)}${lpad("app code", 10)}`);
  const nodeTotal = z.nodeBundle + z.nodeBinary;
  const rows = [
    ["static C hello (gcc -static -O2, glibc)", z.c],
    ["hello.hvt", z.hvt],
    ["hello.spt", z.spt],
    ["dist/hello, the unix target's JS bundle", z.nodeBundle],
    [`node binary (${r.node}), which it needs`, z.nodeBinary],
    ["dist/hello + node, the Node deployment", nodeTotal],
    ["mirage-hvt, the tender it needs", z.hvtTender],
    ["hello.hvt + mirage-hvt, the hvt deployment", z.hvt + z.hvtTender],
    ["mirage-spt, the tender it needs", z.sptTender],
    ["C guest for mirage-hvt (no QuickJS)", z.hvtGuest],
  ];
  for (const [name, x] of Object.entries(z.apps ?? {})) rows.push([name, x.bytes, x.bytecode]);
  const bc = { "hello.hvt": z.hvtBytecode, "hello.spt": z.sptBytecode, "dist/hello, the unix target's JS bundle": z.nodeBundleCode };
  for (const [label, x, code] of rows) {
    if (!Number.isFinite(x)) continue;
    const b = code ?? bc[label];
    lines.push(`${pad(label, 50)}${lpad(bytes(x), 13)}${lpad(ratio(x, z.c), 9)}${lpad(ratio(x, nodeTotal), 11)}${lpad(Number.isFinite(b) ? bytes(b) : "", 10)}`);
  }
  lines.push("app code: the QuickJS bytecode in an image; a unix bundle's JavaScript without its inline source map.");
}

function memTable(r, lines) {
  const m = r.mem;
  lines.push("");
  lines.push("Smallest --mem, MiB, that runs correctly (binary search; the tender's default is 128)");
  lines.push(`${pad("", 50)}${lpad("hvt", 12)}${lpad("spt", 12)}`);
  const cell = (x, target) => {
    if (!x) return "n/a";
    if (!Number.isFinite(x.minMib)) return "fails";
    // mirage-hvt maps memory with 2 MiB pages and rounds --mem up to them.
    const real = target === "hvt" ? Math.ceil(x.minMib / 2) * 2 : x.minMib;
    return real === x.minMib ? String(x.minMib) : `${x.minMib} (=${real})`;
  };
  const row = (label, key, field) => lines.push(`${pad(label, 50)}${lpad(m[key]?.hvt ? String(m[key].hvt[field]) : "n/a", 12)}${lpad(m[key]?.spt ? String(m[key].spt[field]) : "n/a", 12)}`);
  if (m.hello) {
    row("tender's lower limit for hello (image + 1 MiB)", "hello", "lowerMib");
    lines.push(`${pad("hello: exit 0 and its four lines", 50)}${lpad(cell(m.hello.hvt, "hvt"), 12)}${lpad(cell(m.hello.spt, "spt"), 12)}`);
  }
  if (m.website) {
    row("tender's lower limit for static-website", "website", "lowerMib");
    lines.push(`${pad("static-website: boots on a tap, curl GET / is 200", 50)}${lpad(cell(m.website.hvt, "hvt"), 12)}${lpad(cell(m.website.spt, "spt"), 12)}`);
  }
  lines.push("(=N): mirage-hvt rounds --mem up to whole 2 MiB pages, so the guest got N MiB.");
}

function errorRow(label, x) {
  return x?.error ? `${label}: FAILED: ${x.error}` : undefined;
}

function httpTable(r, lines) {
  const h = r.http;
  const base = h.direct?.rps;
  lines.push("");
  lines.push(`HTTP: wrk -t1 -c${r.connections} --latency, ${r.httpSeconds} s after ${r.warmup} s warm-up, GET / (index.html, ${r.pageBytes} bytes), keep-alive`);
  lines.push(`${pad("static-website", 50)}${lpad("requests/s", 11)}${lpad("vs unix", 9)}${lpad("p50 ms", 8)}${lpad("p99 ms", 8)}${lpad("non-2xx", 9)}${lpad("server CPU", 12)}  socket errors`);
  for (const [key, label] of THROUGHPUT_ROWS) {
    const x = h[key];
    if (!x) continue;
    if (x.error) {
      lines.push(errorRow(`${pad(label, 50)}`, x));
      continue;
    }
    lines.push(`${pad(label, 50)}${lpad(f(x.rps), 11)}${lpad(ratio(x.rps, base), 9)}${lpad(f(x.p50Ms, 2), 8)}${lpad(f(x.p99Ms, 2), 8)}${lpad(x.non2xx, 9)}${lpad(pct(x.serverCpu), 12)}  ${x.socketErrors}`);
  }
}

function dnsTable(r, lines) {
  const d = r.dns;
  const base = d.direct?.qps;
  lines.push("");
  lines.push(`DNS over UDP: dnsperf -c 1 -q ${r.outstanding}, ${r.dnsSeconds} s after ${r.warmup} s warm-up, bench/services/queries.txt (${r.queryCount} queries, looped)`);
  lines.push(`${pad("dns-server", 50)}${lpad("queries/s", 11)}${lpad("vs unix", 9)}${lpad("lost", 8)}${lpad("avg ms", 8)}${lpad("server CPU", 12)}`);
  for (const [key, label] of THROUGHPUT_ROWS) {
    const x = d[key];
    if (!x) continue;
    if (x.error) {
      lines.push(errorRow(`${pad(label, 50)}`, x));
      continue;
    }
    lines.push(`${pad(label, 50)}${lpad(f(x.qps), 11)}${lpad(ratio(x.qps, base), 9)}${lpad(x.lost, 8)}${lpad(f(x.avgLatencyMs, 3), 8)}${lpad(pct(x.serverCpu), 12)}`);
  }
  lines.push("response codes:");
  for (const [key, label] of THROUGHPUT_ROWS) if (d[key] && !d[key].error) lines.push(`  ${pad(label, 48)}${d[key].rcodes}`);
}

const THROUGHPUT_ROWS = [
  ["hvt", "hvt image under mirage-hvt, tap"],
  ["spt", "spt image under mirage-spt, tap"],
  ["direct", "unix target on Node, --net=direct, tap"],
  ["socket", "unix target on Node, socket stack, loopback"],
];

export function report(r) {
  const lines = [`bench/unikernel, ${r.date}, node ${r.node}, ${r.cpus} CPUs (${r.cpuModel}), Linux ${r.kernel}${r.kvm ? `, KVM: ${r.kvm}` : ""}`];
  if (r.start) startTable(r, lines);
  if (r.sizes) sizeTable(r, lines);
  if (r.mem) memTable(r, lines);
  if (r.http) httpTable(r, lines);
  if (r.dns) dnsTable(r, lines);
  if (r.http || r.dns) {
    lines.push("");
    lines.push("vs unix: against the unix target with the direct stack on the same kind of tap (same TypeScript stack, Node instead of QuickJS).");
    lines.push("Server CPU: share of one core the server process used during the timed run (for hvt, the tender and its vCPU).");
  }
  return lines.join("\n");
}
