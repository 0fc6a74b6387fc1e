/**
 * A stand-in for the C guest runtime, in Node: runs an hvt/spt bundle in a fresh
 * `node:vm` context whose ES2022+ built-ins and host APIs are deleted (as QuickJS
 * 2021-03-27 lacks them), installs a `mirageHost` with the bindings' shape, and
 * drives the idle handler the way the C loop does (jobs, idle, jobs, sleep until the
 * deadline). It checks the JS half of a unikernel — bundle, prelude, host, timers —
 * without KVM or a C toolchain; the real guest is tested in examples.test.ts.
 */
import { randomFillSync } from "node:crypto";
import { createContext, runInContext } from "node:vm";

/** What QuickJS 2021-03-27 does not have, deleted from the context before the bundle runs. */
export const MISSING_IN_QUICKJS = [
  "Array.prototype.at",
  "Array.prototype.findLast",
  "Array.prototype.findLastIndex",
  "Object.getPrototypeOf(Uint8Array.prototype).at",
  "Object.getPrototypeOf(Uint8Array.prototype).findLast",
  "Object.getPrototypeOf(Uint8Array.prototype).findLastIndex",
  "String.prototype.at",
  "Object.hasOwn",
  "Array.prototype.toSorted",
  "Array.prototype.toReversed",
  "Array.prototype.with",
  "Object.groupBy",
  "globalThis.structuredClone",
  "globalThis.WeakRef",
  "globalThis.FinalizationRegistry",
];

export interface FakeGuestResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The code given to exit(), or undefined if the guest stopped for another reason. */
  readonly exitCode: number | undefined;
  /** Why it stopped without exit(), if it did. */
  readonly stopped?: string;
  readonly ms: number;
}

const drainJobs = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFakeGuest(script: string, opts: { argv?: readonly string[]; target?: "hvt" | "spt"; timeoutMs?: number } = {}): Promise<FakeGuestResult> {
  const started = performance.now();
  const origin = process.hrtime.bigint();
  let stdout = "";
  let stderr = "";
  let exitCode: number | undefined;
  let idle: ((readySet: number) => number) | undefined;
  const fatal: unknown[] = [];
  const mirageHost = {
    abiVersion: 1,
    target: opts.target ?? "hvt",
    argv: Object.freeze([...(opts.argv ?? [])]),
    consoleWrite(stream: 1 | 2, text: string) {
      if (exitCode !== undefined) return;
      if (stream === 1) stdout += text;
      else stderr += text;
    },
    monotonicNs: () => Number(process.hrtime.bigint() - origin),
    wallClockMs: () => Date.now(),
    entropy: (buf: Uint8Array) => randomFillSync(buf),
    netAcquire(name: string): never {
      throw new Error(`no device named ${JSON.stringify(name)} in the manifest`);
    },
    netWrite(): never {
      throw new Error("bad handle");
    },
    netRead(): never {
      throw new Error("bad handle");
    },
    blockAcquire(name: string): never {
      throw new Error(`no device named ${JSON.stringify(name)} in the manifest`);
    },
    blockRead(): never {
      throw new Error("bad handle");
    },
    blockWrite(): never {
      throw new Error("bad handle");
    },
    setIdleHandler(fn: (readySet: number) => number) {
      idle = fn;
    },
    // The C runtime halts here; this stand-in records the code and stops driving the loop.
    exit(code: number) {
      if (exitCode === undefined) exitCode = code;
      return undefined as never;
    },
  };
  const context = createContext({ mirageHost });
  runInContext(MISSING_IN_QUICKJS.map((p) => `delete ${p};`).join("\n"), context);
  for (const name of ["TextEncoder", "TextDecoder", "crypto", "queueMicrotask", "console", "setTimeout", "process", "Buffer"]) {
    if (runInContext(`typeof globalThis.${name}`, context) !== "undefined") runInContext(`delete globalThis.${name};`, context);
  }
  const onRejection = (reason: unknown) => fatal.push(reason);
  process.on("unhandledRejection", onRejection);
  try {
    runInContext(script, context, { filename: "bundle.js" });
    const deadlineMs = started + (opts.timeoutMs ?? 20_000);
    for (;;) {
      await drainJobs();
      if (exitCode !== undefined) break;
      if (fatal.length) return { stdout, stderr, exitCode, stopped: `unhandled rejection: ${String((fatal[0] as Error)?.stack ?? fatal[0])}`, ms: performance.now() - started };
      if (idle === undefined) return { stdout, stderr, exitCode, stopped: "no idle handler was registered", ms: performance.now() - started };
      // The C loop asks the handler again when jobs ran after it (they may have set a
      // timer); jobs cannot be counted from here, so ask until the deadline settles.
      let next = idle(0);
      for (let i = 0; i < 100; i++) {
        await drainJobs();
        if (exitCode !== undefined) break;
        const again = idle(0);
        if (again === next) break;
        next = again;
      }
      if (exitCode !== undefined) break;
      if (next < 0) return { stdout, stderr, exitCode, stopped: "nothing can happen any more (no timer, no device)", ms: performance.now() - started };
      if (performance.now() > deadlineMs) return { stdout, stderr, exitCode, stopped: "timed out", ms: performance.now() - started };
      const waitNs = next - mirageHost.monotonicNs();
      if (waitNs > 0) await sleepMs(Math.ceil(waitNs / 1e6));
    }
  } finally {
    process.off("unhandledRejection", onRejection);
  }
  return { stdout, stderr, exitCode, ms: performance.now() - started };
}
