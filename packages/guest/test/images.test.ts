// Real guest images run under the tenders: console and argv, the event loop (timers
// through the idle handler, promise jobs), error exits (uncaught exception, unhandled
// rejection, out of memory, stack overflow, nothing left to do), argument checks of
// every binding, libc inside the guest, entropy, a block device. Skips with the
// reason when a tender, its platform file or /dev/kvm (hvt) is missing.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../../../test/support/run.ts";
import { type Target, warmGuestCache } from "../src/index.ts";
import { GUEST_DIR, WORK, build, cannotRun, tenderPath } from "./helpers.ts";

const TIMEOUT = 600_000;

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

/** Runs an image; returns status and stdout+stderr (stream 2 may share stdout). */
async function boot(target: Target, image: string, args: string[] = [], tenderArgs: string[] = []) {
  const r = await run(tenderPath(target), [...tenderArgs, "--", image, ...args], { timeoutMs: 30_000 });
  return { status: r.status, out: r.stdout + r.stderr, stdout: r.stdout, ms: r.ms };
}

const PRELUDE = `const h = mirageHost; const out = (s) => h.consoleWrite(1, s + "\\n");\n`;

const TIMERS = `${PRELUDE}
const timers = [];
function setTimer(ms, fn) { timers.push({ at: h.monotonicNs() + ms * 1e6, fn }); }
h.setIdleHandler((ready) => {
  const now = h.monotonicNs();
  for (const t of timers.filter((t) => t.at <= now)) { timers.splice(timers.indexOf(t), 1); t.fn(); }
  return timers.length ? Math.min(...timers.map((t) => t.at)) : -1;
});
const start = h.monotonicNs();
setTimer(30, () => { out("t30"); Promise.resolve().then(() => setTimer(0, () => out("t0 set by a job"))); });
setTimer(10, () => out("t10"));
setTimer(60, () => { out("waited " + ((h.monotonicNs() - start) / 1e6 >= 60 ? "enough" : "too little")); h.exit(0); });
Promise.resolve(1).then((v) => out("job " + v));
out("sync");
`;

const BAD_ARGS = `${PRELUDE}
const attempts = {
  "consoleWrite(3)": () => h.consoleWrite(3, "x"),
  "entropy(123)": () => h.entropy(123),
  "netAcquire(nope)": () => h.netAcquire("nope"),
  "netAcquire(storage)": () => h.netAcquire("storage"),
  "blockAcquire(42)": () => h.blockAcquire(42),
  "netWrite(99)": () => h.netWrite(99, new Uint8Array(60)),
  "netRead(1.5)": () => h.netRead(1.5, new Uint8Array(60)),
  "blockRead(ok)": () => h.blockRead(0, 0, new Uint8Array(512)),
  "blockRead(handle 1)": () => h.blockRead(1, 0, new Uint8Array(512)),
  "blockRead(odd offset)": () => h.blockRead(0, 100, new Uint8Array(512)),
  "blockRead(odd length)": () => h.blockRead(0, 0, new Uint8Array(100)),
  "blockRead(past end)": () => h.blockRead(0, 4096, new Uint8Array(512)),
  "blockWrite(not bytes)": () => h.blockWrite(0, 0, "hello"),
  "setIdleHandler(1)": () => h.setIdleHandler(1),
  "exit(300)": () => h.exit(300),
  "exit(-1)": () => h.exit(-1),
  "Atomics.wait": () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10),
};
for (const [name, f] of Object.entries(attempts)) {
  try { f(); out(name + ": no error"); } catch (e) { out(name + ": " + e.name); }
}
h.exit(0);
`;

const BLOCK = `${PRELUDE}
const d = h.blockAcquire("storage");
out("capacity " + d.capacity + " block " + d.blockSize);
const data = new Uint8Array(1024);
for (let i = 0; i < data.length; i++) data[i] = i & 255;
h.blockWrite(d.handle, 512, data);
const back = new Uint8Array(1536);
h.blockRead(d.handle, 0, back);
out("first block zero " + back.subarray(0, 512).every((b) => b === 0));
out("round trip " + back.subarray(512).every((b, i) => b === (i & 255)));
h.exit(0);
`;

const LIBC_JS = `${PRELUDE}
out([0.1 + 0.2, 1e21, (123.456).toFixed(2), (1 / 3).toPrecision(5), parseFloat("3.14159e2"), Math.atan2(1, 1) * 4,
  new Date(Date.UTC(2024, 1, 29, 12)).toISOString(), new Date(0).getTimezoneOffset(), /a(b+)c/.exec("xabbbc")[1],
  "ß".toUpperCase(), JSON.stringify({ a: [1, 2.5] })].join(" "));
const a = new Uint8Array(32), b = new Uint8Array(32);
h.entropy(a); h.entropy(b);
out("entropy " + Array.from(a, (x) => x.toString(16).padStart(2, "0")).join(""));
out("entropy differs " + (a.join() !== b.join()));
out("clock " + (h.wallClockMs() > 1.6e12) + " " + (h.monotonicNs() >= 0));
h.exit(0);
`;

for (const target of ["spt", "hvt"] as const) {
  const reason = await cannotRun(target);
  if (reason) console.log(`skipping ${target} image tests: ${reason}`);

  describe.skipIf(reason !== undefined)(`${target} images`, () => {
    beforeAll(() => warmGuestCache([target]), TIMEOUT);

    it("writes to the console, sees its argv and exits with the app's code", async () => {
      const image = await build(target, `${PRELUDE}out("argv " + JSON.stringify(h.argv)); h.consoleWrite(2, "to stderr\\n"); out(h.target + " abi " + h.abiVersion); h.exit(7);`);
      const r = await boot(target, image, ["--ipv4=10.0.0.2/24", "two words"]);
      expect(r.status).toBe(7);
      expect(r.stdout).toContain(`argv ["--ipv4=10.0.0.2/24","two words"]\n`);
      expect(r.stdout).toContain(`${target} abi 1\n`);
      expect(r.out).toContain("to stderr\n");
    }, TIMEOUT);

    it("runs promise jobs and timers through the idle handler, in order", async () => {
      const r = await boot(target, await build(target, TIMERS));
      expect(r.out).toBe("sync\njob 1\nt10\nt30\nt0 set by a job\nwaited enough\n");
      expect(r.status).toBe(0);
    }, TIMEOUT);

    it("prints an uncaught exception with its stack and exits 1", async () => {
      const image = await build(target, `function inner() { throw new TypeError("boom"); }\nfunction outer() {\n  inner();\n}\nouter();\n`);
      const r = await boot(target, image);
      expect(r.status).toBe(1);
      expect(r.out).toContain("Uncaught TypeError: boom\n    at inner (app.js)\n    at outer (app.js:3)\n");
    }, TIMEOUT);

    it("an exception thrown by the idle handler or a job is uncaught too", async () => {
      const image = await build(target, `mirageHost.setIdleHandler(() => { throw new RangeError("from the idle handler"); });`);
      const r = await boot(target, image);
      expect(r.status).toBe(1);
      expect(r.out).toContain("Uncaught RangeError: from the idle handler");
      const job = await boot(target, await build(target, `Promise.resolve().then(() => { null.x; });`));
      expect(job.status).toBe(1);
      expect(job.out).toContain("Uncaught (in promise) TypeError");
    }, TIMEOUT);

    it("reports a rejection still unhandled once jobs drain, not one handled later", async () => {
      const image = await build(target, `${PRELUDE}
const late = Promise.reject(new Error("handled later"));
Promise.resolve().then(() => late.catch(() => out("late handled")));
Promise.reject(new Error("nobody catches me"));
`);
      const r = await boot(target, image);
      expect(r.status).toBe(1);
      expect(r.out).toContain("late handled\n");
      expect(r.out).toContain("Uncaught (in promise) Error: nobody catches me\n");
      expect(r.out).not.toContain("handled later");
    }, TIMEOUT);

    it("turns runaway allocation into a clean out-of-memory error", async () => {
      const image = await build(target, `const keep = []; for (;;) keep.push(new Array(100000).fill(1.5));`);
      const r = await boot(target, image, [], ["--mem=32"]);
      expect(r.status).toBe(1);
      expect(r.out).toContain("Uncaught InternalError: out of memory");
      expect(r.out).toMatch(/mirage guest: out of memory \(\d+ KiB for JS\); raise --mem\n/);
    }, TIMEOUT);

    it("says out of memory, not a bare null, when even the error cannot be allocated", async () => {
      // Fill the heap with small objects so that nothing, not even an InternalError, fits.
      const image = await build(target, `const keep = []; for (;;) keep.push({ a: 1 });`);
      const r = await boot(target, image, [], ["--mem=8"]);
      expect(r.status).toBe(1);
      expect(r.out).not.toMatch(/Uncaught null/);
      expect(r.out).toMatch(/InternalError: out of memory/);
      expect(r.out).toContain("raise --mem");
    }, TIMEOUT);

    it("turns deep recursion into a clean stack-overflow error with an elided stack", async () => {
      const r = await boot(target, await build(target, `function f(n) { return f(n + 1) + 1; }\nf(0);\n`));
      expect(r.status).toBe(1);
      expect(r.out).toContain("Uncaught InternalError: stack overflow");
      expect(r.out).toMatch(/\.\.\. \d+ more frames \.\.\./);
      expect(r.out.split("\n").length).toBeLessThan(40);
    }, TIMEOUT);

    it("says so and exits 1 when nothing can happen any more", async () => {
      const r = await boot(target, await build(target, `mirageHost.consoleWrite(1, "done\\n");`));
      expect(r.status).toBe(1);
      expect(r.out).toContain("done\n");
      expect(r.out).toContain("nothing left to do");
    }, TIMEOUT);

    it("answers bad binding arguments with JS errors, never a crash", async () => {
      const disk = join(WORK, `args-${target}.img`);
      mkdirSync(WORK, { recursive: true });
      writeFileSync(disk, Buffer.alloc(4096));
      const image = await build(target, BAD_ARGS, {
        devices: [{ name: "storage", kind: "block" }],
      });
      // handle 0 = storage; the tender refuses to start with a manifest device unattached
      const r = await boot(target, image, [], [`--block:storage=${disk}`]);
      expect(r.status).toBe(0);
      expect(r.out).toContain("consoleWrite(3): RangeError\n");
      expect(r.out).toContain("entropy(123): TypeError\n");
      expect(r.out).toContain("netAcquire(nope): ReferenceError\n");
      expect(r.out).toContain("netAcquire(storage): TypeError\n");
      expect(r.out).toContain("blockAcquire(42): ReferenceError\n");
      expect(r.out).toContain("netWrite(99): RangeError\n");
      expect(r.out).toContain("netRead(1.5): RangeError\n");
      expect(r.out).toContain("blockRead(ok): no error\n");
      expect(r.out).toContain("blockRead(handle 1): RangeError\n");
      expect(r.out).toContain("blockRead(odd offset): RangeError\n");
      expect(r.out).toContain("blockRead(odd length): RangeError\n");
      expect(r.out).toContain("blockRead(past end): RangeError\n");
      expect(r.out).toContain("blockWrite(not bytes): TypeError\n");
      expect(r.out).toContain("setIdleHandler(1): TypeError\n");
      expect(r.out).toContain("exit(300): RangeError\n");
      expect(r.out).toContain("exit(-1): RangeError\n");
      expect(r.out).toContain("Atomics.wait: TypeError\n"); // one thread: it may not block
    }, TIMEOUT);

    it("reads and writes whole blocks of an attached file", async () => {
      const disk = join(WORK, `disk-${target}.img`);
      mkdirSync(WORK, { recursive: true });
      writeFileSync(disk, Buffer.alloc(8192));
      const image = await build(target, BLOCK, { devices: [{ name: "storage", kind: "block" }] });
      const r = await boot(target, image, [], [`--block:storage=${disk}`]);
      expect(r.out).toBe("capacity 8192 block 512\nfirst block zero true\nround trip true\n");
      expect(r.status).toBe(0);
      const written = readFileSync(disk);
      expect(written.subarray(512, 1536).every((b, i) => b === (i & 255))).toBe(true);
      expect(written.subarray(1536).every((b) => b === 0)).toBe(true);
    }, TIMEOUT);

    it("has a working libc inside (formatting, parsing, sorting, setjmp, math, UTC time)", async () => {
      const selftest = join(GUEST_DIR, "test", "fixtures", "libc-selftest.c");
      const image = await build(target, LIBC_JS, { extraCSources: [selftest] });
      const r = await boot(target, image);
      expect(r.status).toBe(0);
      const lines = r.out.split("\n");
      expect(lines[0]).toBe("selftest ok");
      expect(lines[1]).toBe("0.30000000000000004 1e+21 123.46 0.33333 314.159 3.141592653589793 2024-02-29T12:00:00.000Z 0 bbb SS {\"a\":[1,2.5]}");
      expect(lines[3]).toBe("entropy differs true");
      expect(lines[4]).toBe("clock true true");
      const again = await boot(target, image);
      expect(again.out.split("\n")[2]).toMatch(/^entropy [0-9a-f]{64}$/);
      expect(again.out.split("\n")[2]).not.toBe(lines[2]); // a new boot, new bytes
    }, TIMEOUT);
  });
}
