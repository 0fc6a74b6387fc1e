/**
 * The load generator for bench/net: one Node.js process, run inside the client
 * namespace, that prints one JSON line of results. Every loop is bounded in time and
 * in count.
 *
 *   node load.mjs send --host=H --port=P --seconds=5 --max-mb=20000
 *       one stream, client to server (to the sink): bytes, ms, mbps
 *   node load.mjs recv --host=H --port=P --seconds=5 --max-mb=20000
 *       one stream, server to client (from the source)
 *   node load.mjs rate --host=H --port=P --seconds=3 --max-conns=5000 --concurrency=8
 *       connect, send 32 bytes, read them back, see the server's FIN, close
 *   node load.mjs idle --host=H --port=P --count=1000 --hold-s=120
 *       opens COUNT connections to the sink and holds them; prints {"opened":N} when
 *       all are up, then closes them all on a line on stdin (or after hold-s)
 */
import { connect } from "node:net";

const mode = process.argv[2];
const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const host = arg("host", "127.0.0.1");
const port = Number(arg("port", "5001"));
const seconds = Number(arg("seconds", "5"));
const maxBytes = Number(arg("max-mb", "20000")) * 1024 * 1024;
const now = () => performance.now();
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function send() {
  return new Promise((resolve, reject) => {
    const block = Buffer.alloc(1 << 20, 0xa5);
    let bytes = 0;
    let t0 = 0;
    const s = connect({ host, port, allowHalfOpen: true }, () => {
      t0 = now();
      const pump = () => {
        while (bytes < maxBytes && now() - t0 < seconds * 1000) {
          bytes += block.length;
          if (!s.write(block)) return void s.once("drain", pump);
        }
        s.end(); // the sink closes after reading our FIN: its close is our proof of delivery
      };
      pump();
    });
    s.on("data", () => {});
    s.on("end", () => {
      const ms = now() - t0;
      s.destroy();
      resolve({ mode, bytes, ms, mbps: (bytes * 8) / (ms * 1000) });
    });
    s.on("error", reject);
  });
}

function recv() {
  return new Promise((resolve, reject) => {
    let bytes = 0;
    let t0 = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const ms = now() - t0;
      clearTimeout(timer);
      s.destroy();
      resolve({ mode, bytes, ms, mbps: (bytes * 8) / (ms * 1000) });
    };
    const timer = setTimeout(finish, seconds * 1000);
    const s = connect({ host, port }, () => (t0 = now()));
    s.on("data", (d) => {
      bytes += d.length;
      if (bytes >= maxBytes) finish();
    });
    s.on("end", finish);
    s.on("error", (e) => (done ? undefined : reject(e)));
  });
}

/** One connect / 32-byte exchange / close; resolves true when the echo came back whole. */
function oneExchange(payload) {
  return new Promise((resolve) => {
    let got = 0;
    const s = connect({ host, port, noDelay: true }, () => s.write(payload));
    s.setTimeout(5000, () => s.destroy());
    s.on("data", (d) => (got += d.length));
    s.on("error", () => {});
    s.on("close", () => resolve(got === payload.length));
  });
}

async function rate() {
  const maxConns = Number(arg("max-conns", "5000"));
  const concurrency = Number(arg("concurrency", "8"));
  const payload = Buffer.alloc(32, 0x42);
  let started = 0;
  let ok = 0;
  let failed = 0;
  const t0 = now();
  const worker = async () => {
    while (started < maxConns && now() - t0 < seconds * 1000) {
      started++;
      if (await oneExchange(payload)) ok++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = now() - t0;
  return { mode, ok, failed, ms, cps: (ok * 1000) / ms };
}

async function idle() {
  const count = Number(arg("count", "1000"));
  const holdS = Number(arg("hold-s", "120"));
  const batch = 50;
  const sockets = [];
  let failed = 0;
  const t0 = now();
  for (let i = 0; i < count && now() - t0 < 60_000; i += batch) {
    const n = Math.min(batch, count - i);
    const opened = await Promise.all(
      Array.from({ length: n }, () =>
        new Promise((resolve) => {
          const s = connect({ host, port }, () => resolve(s));
          s.setTimeout(10_000, () => s.destroy());
          s.on("error", () => resolve(null));
          s.on("timeout", () => resolve(null));
        }),
      ),
    );
    for (const s of opened) {
      if (s) {
        s.setTimeout(0);
        sockets.push(s);
      } else failed++;
    }
  }
  out({ mode, opened: sockets.length, failed, ms: now() - t0 });
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, holdS * 1000);
    process.stdin.once("data", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  for (const s of sockets) s.destroy();
  return { mode, closed: sockets.length };
}

// A hard bound on the whole process, whatever the peer does.
const watchdogS = mode === "idle" ? Number(arg("hold-s", "120")) + 90 : seconds * 4 + 30;
setTimeout(() => {
  out({ mode, error: `watchdog: still running after ${watchdogS} s` });
  process.exit(2);
}, watchdogS * 1000).unref();

const modes = { send, recv, rate, idle };
if (!modes[mode]) {
  console.error(`usage: node load.mjs send|recv|rate|idle --host=H --port=P ...`);
  process.exit(64);
}
modes[mode]().then(
  (r) => {
    out(r);
    process.exit(0);
  },
  (e) => {
    out({ mode, error: String(e?.message ?? e) });
    process.exit(1);
  },
);
