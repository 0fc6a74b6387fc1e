// Measures ways to learn that a tap fd has frames, to justify the uv_poll watcher in
// tap.c (see src/net-tap.ts). Needs root; creates and deletes its own namespace.
//   node packages/platform-node/native/bench-readiness.mjs
// For each strategy: idle CPU with a listener active for 2 s, ARP round-trip latency
// (median of 200), and frames/s while Linux blasts 50,000 UDP datagrams at us.
import { execFileSync, spawn } from "node:child_process";
import { readSync, writeSync } from "node:fs";
import { createRequire } from "node:module";

const addon = createRequire(import.meta.url)("./build/Release/mirage_tap.node");
const sh = (...a) => execFileSync("ip", a, { stdio: ["ignore", "ignore", "inherit"] });
const NS = `mbench-${process.pid}`;
const TAP = `mb${process.pid}`.slice(0, 15);
const MAC = [2, 0, 0, 0, 0, 2];
const arp = Buffer.from([...Array(6).fill(255), ...MAC, 8, 6, 0, 1, 8, 0, 6, 4, 0, 1, ...MAC, 10, 77, 0, 2, 0, 0, 0, 0, 0, 0, 10, 77, 0, 1]);
const buf = Buffer.alloc(65536);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Each strategy calls onFrame(n) per frame read, and returns a stop function.
const strategies = {
  "uv_poll watcher (chosen)": (fd, onFrame) => {
    const w = addon.watch(fd, () => {
      for (;;) {
        try { onFrame(readSync(fd, buf, 0, buf.length, null)); } catch (e) { if (e.code === "EAGAIN") return; throw e; }
      }
    });
    return () => addon.unwatch(w);
  },
  "setImmediate spin": (fd, onFrame) => {
    let on = true;
    const spin = () => {
      for (;;) {
        try { onFrame(readSync(fd, buf, 0, buf.length, null)); } catch (e) { if (e.code === "EAGAIN") break; throw e; }
      }
      if (on) setImmediate(spin);
    };
    spin();
    return () => { on = false; };
  },
  "setTimeout(1ms) poll": (fd, onFrame) => {
    let timer;
    const tick = () => {
      for (;;) {
        try { onFrame(readSync(fd, buf, 0, buf.length, null)); } catch (e) { if (e.code === "EAGAIN") break; throw e; }
      }
      timer = setTimeout(tick, 1);
    };
    tick();
    return () => clearTimeout(timer);
  },
};

async function measure(fd, name, make) {
  let frames = 0;
  let arpWaiter = null;
  const stop = make(fd, (n) => {
    frames++;
    if (arpWaiter && n >= 42 && buf[12] === 8 && buf[13] === 6 && buf[21] === 2) { const w = arpWaiter; arpWaiter = null; w(); }
  });
  await sleep(200);
  const c0 = process.cpuUsage();
  await sleep(2000);
  const c = process.cpuUsage(c0);
  const idleCpu = ((c.user + c.system) / 2e6) * 100;
  const rtts = [];
  for (let i = 0; i < 200; i++) {
    const t = process.hrtime.bigint();
    await new Promise((resolve) => { arpWaiter = resolve; writeSync(fd, arp); });
    rtts.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  rtts.sort((a, b) => a - b);
  frames = 0;
  const N = 50000;
  const blast = spawn("ip", ["netns", "exec", NS, "python3", "-c",
    `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nfor i in range(${N}): s.sendto(b'x'*64,('10.77.0.2',9))`]);
  const t0 = process.hrtime.bigint();
  const c1 = process.cpuUsage();
  await new Promise((r) => blast.on("exit", r));
  await sleep(100);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c2 = process.cpuUsage(c1);
  stop();
  console.log(`${name.padEnd(26)} idle CPU ${idleCpu.toFixed(1).padStart(5)}%  ARP rtt median ${rtts[100].toFixed(0).padStart(5)} us p99 ${rtts[198].toFixed(0).padStart(5)} us  blast: ${frames}/${N} frames in ${secs.toFixed(2)} s, CPU ${(((c2.user + c2.system) / 1e6 / secs) * 100).toFixed(0)}%`);
}

try {
  sh("netns", "add", NS);
  sh("tuntap", "add", TAP, "mode", "tap");
  // Opened once, before the move: reopening by name from here would create a new tap.
  const fd = addon.open(TAP);
  sh("link", "set", TAP, "netns", NS);
  sh("-n", NS, "addr", "add", "10.77.0.1/24", "dev", TAP);
  sh("-n", NS, "link", "set", TAP, "up");
  sh("-n", NS, "neigh", "add", "10.77.0.2", "lladdr", "02:00:00:00:00:02", "dev", TAP, "nud", "permanent");
  for (const [name, make] of Object.entries(strategies)) await measure(fd, name, make);
} finally {
  execFileSync("ip", ["netns", "del", NS]);
}
