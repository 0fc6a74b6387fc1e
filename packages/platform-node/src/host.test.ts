import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { host, installFatalHandlers, writeAll, type WriteFn } from "./host.ts";

const sysError = (code: string): Error => Object.assign(new Error(code), { code });

describe("writeAll", () => {
  it("retries short writes and EAGAIN until every byte is out", () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    const got: number[] = [];
    let calls = 0;
    const write: WriteFn = (_fd, buf, off, len) => {
      calls++;
      if (calls % 3 === 0) throw sysError("EAGAIN");
      const n = Math.min(len, 7);
      got.push(...buf.subarray(off, off + n));
      return n;
    };
    writeAll(1, bytes, write);
    expect(Uint8Array.from(got)).toEqual(bytes);
  });

  it("gives up quietly on EPIPE and rethrows anything else", () => {
    expect(() => writeAll(1, new Uint8Array(4), () => { throw sysError("EPIPE"); })).not.toThrow();
    expect(() => writeAll(1, new Uint8Array(4), () => { throw sysError("EBADF"); })).toThrow("EBADF");
  });
});

describe("host", () => {
  it("is the unix target with argv after the script", () => {
    expect(host.target).toBe("unix");
    expect(host.argv()).toEqual(process.argv.slice(2));
  });

  it("has a monotonic nanosecond clock", async () => {
    const a = host.monotonicNs();
    await new Promise((r) => setTimeout(r, 5));
    const b = host.monotonicNs();
    expect(Number.isInteger(a)).toBe(true);
    expect(b - a).toBeGreaterThanOrEqual(4e6);
    expect(b - a).toBeLessThan(5e9);
  });

  it("has a wall clock that agrees with Date.now to the millisecond", () => {
    for (let i = 0; i < 100; i++) {
      const before = Date.now();
      const t = host.wallClockMs();
      const after = Date.now();
      expect(t).toBeGreaterThanOrEqual(before);
      expect(t).toBeLessThan(after + 1);
    }
  });

  it("fires timers no earlier than asked, and cancels them", async () => {
    const start = host.monotonicNs();
    const fired = await new Promise<number>((resolve) => host.setTimer(3_300_000, () => resolve(host.monotonicNs())));
    expect(fired - start).toBeGreaterThanOrEqual(3_300_000);
    let ran = false;
    const cancel = host.setTimer(1_000_000, () => (ran = true));
    cancel();
    cancel();
    // Longer than Node's 2^31-1 ms limit: must not fire at once (Node would after 1 ms).
    let far = false;
    const cancelFar = host.setTimer(2 ** 45 * 1e6, () => (far = true));
    await new Promise((r) => setTimeout(r, 20));
    cancelFar();
    expect(ran).toBe(false);
    expect(far).toBe(false);
    const zero = await new Promise<boolean>((resolve) => host.setTimer(0, () => resolve(true)));
    expect(zero).toBe(true);
  });

  it("returns entropy as a plain Uint8Array", () => {
    const e = host.entropy(32);
    expect(e.constructor).toBe(Uint8Array);
    expect(e.length).toBe(32);
    expect(host.entropy(32)).not.toEqual(e);
  });
});

describe("installFatalHandlers", () => {
  it("prints the stack of anything unhandled and exits 1", () => {
    const listeners = new Map<string, (e: unknown) => void>();
    const out: string[] = [];
    const codes: number[] = [];
    installFatalHandlers({ on: (ev, l) => listeners.set(ev, l) }, (s, t) => out.push(`${s}:${t}`), (c) => codes.push(c));
    listeners.get("uncaughtException")!(new Error("oops"));
    listeners.get("unhandledRejection")!("plain");
    expect(out[0]).toMatch(/^2:fatal error: Error: oops\n {4}at /);
    expect(out[1]).toBe("2:fatal error: plain\n");
    expect(codes).toEqual([1, 1]);
  });
});

// End to end: bundle a small unikernel the way `mirage build -t unix` does (an esbuild
// alias binds @mirage-ts/host to this file) and run it as a real process.
describe("a bundled unikernel on the Node host", async () => {
  const esbuild = await import("esbuild").catch(() => undefined);
  const dir = mkdtempSync(join(tmpdir(), "mirage-host-test-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const app = `
    import { boot, bootArg, connectDevice, log, createLog, sleep, randomBytes } from "@mirage-ts/runtime";
    const mode = bootArg.string("mode", { default: "ok", doc: "What to do." });
    const lines = bootArg.int("lines", { default: 0, doc: "Lines to print.", min: 0 });
    boot({ name: "probe", target: "unix", description: "Exercises the runtime." }, async () => {
      await connectDevice("disk", async () => { if (mode() === "device") throw new Error("no disk.img"); return 1; });
      await sleep(1);
      if (mode() === "fail") throw new Error("main failed");
      if (mode() === "uncaught") { setTimeout(() => { throw new Error("from a timer"); }, 0); await new Promise(() => {}); }
      for (let i = 0; i < lines(); i++) log.info("line " + i + " " + "x".repeat(100));
      createLog("tcp").debug("tcp detail");
      log.info("random " + randomBytes(4).length);
    });
  `;
  const bundle = join(dir, "probe.mjs");
  if (esbuild !== undefined) {
    const hostPath = fileURLToPath(new URL("./host.ts", import.meta.url));
    const runtimeDir = fileURLToPath(new URL("../../runtime/src", import.meta.url));
    const built = await esbuild.build({
      stdin: { contents: app, resolveDir: runtimeDir, loader: "ts", sourcefile: "probe.ts" },
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      alias: { "@mirage-ts/host": hostPath },
      write: false,
      logLevel: "silent",
    });
    writeFileSync(bundle, built.outputFiles[0]!.contents);
  }
  const run = (...args: string[]) => {
    const env = { ...process.env };
    delete env["VITEST"];
    const r = spawnSync(process.execPath, [bundle, ...args], { env, encoding: "utf8", maxBuffer: 64 << 20 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it.skipIf(esbuild === undefined)("exits 0 after logging in MirageOS's format", () => {
    const r = run("-l", "*:info,tcp:debug");
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-00:00: \[DEBUG\] \[tcp\] tcp detail\n/);
    expect(r.out).toMatch(/: \[INFO\] \[application\] random 4\n$/);
  });

  it.skipIf(esbuild === undefined)("writes everything through a pipe before exiting", () => {
    const r = run("--lines=20000");
    expect(r.code).toBe(0);
    expect(r.out.split("\n").filter((l) => l.includes("[INFO] [application] line ")).length).toBe(20000);
  });

  it.skipIf(esbuild === undefined)("uses MirageOS's exit codes", () => {
    expect(run("--help")).toMatchObject({ code: 63, err: "" });
    expect(run("--help").out).toContain("probe - Exercises the runtime.");
    expect(run("--bogus")).toMatchObject({ code: 64, out: "", err: "probe: unknown boot argument '--bogus' (try --help)\n" });
    expect(run("--lines=-1")).toMatchObject({ code: 64, err: "probe: --lines: expected an integer of at least 0, got '-1'\n" });
    expect(run("--mode=device")).toMatchObject({ code: 2, err: "probe: cannot connect device disk: no disk.img\n" });
    const fail = run("--mode=fail", "--name=renamed");
    expect(fail.code).toBe(1);
    expect(fail.err).toMatch(/^renamed: fatal error: Error: main failed\n {4}at /);
    const uncaught = run("--mode=uncaught");
    expect(uncaught.code).toBe(1);
    expect(uncaught.err).toMatch(/^fatal error: Error: from a timer\n {4}at /);
  });
});
