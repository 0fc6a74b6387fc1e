/**
 * The ambient runtime's host on Node.js (the unix target). `mirage build -t unix` and
 * the repository's vitest config alias `@mirage-ts/host` to this file.
 *
 * Console writes are synchronous (fs.writeSync) so that a line written just before
 * `exit` is never lost and log lines from one call are never interleaved.
 */
import { randomFillSync } from "node:crypto";
import { writeSync } from "node:fs";
import type { CancelTimer, Host } from "@mirage-ts/host";

// Node refuses longer timeouts (it fires them after 1 ms instead), so long delays are chained.
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const waitCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks the thread briefly; used only while a non-blocking stdout pipe is full. */
function pause(ms: number): void {
  Atomics.wait(waitCell, 0, 0, ms);
}

function errorCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String((e as { code: unknown }).code) : undefined;
}

/** fs.writeSync's (fd, buffer, offset, length) form; a parameter so tests can fake short writes. */
export type WriteFn = (fd: number, buffer: Uint8Array, offset: number, length: number) => number;

/**
 * Writes all of `bytes` to `fd`. stdout may be a non-blocking pipe (Node makes pipes
 * non-blocking), so writeSync can write part of the buffer or fail with EAGAIN; both
 * are retried. A closed reader (EPIPE) drops the rest: there is nobody left to tell.
 */
export function writeAll(fd: number, bytes: Uint8Array, write: WriteFn = writeSync): void {
  let off = 0;
  while (off < bytes.length) {
    try {
      off += write(fd, bytes, off, bytes.length - off);
    } catch (e) {
      const code = errorCode(e);
      if (code === "EAGAIN" || code === "EWOULDBLOCK") {
        pause(1);
        continue;
      }
      if (code === "EPIPE") return;
      throw e;
    }
  }
}

function consoleWrite(stream: 1 | 2, text: string): void {
  writeAll(stream, Buffer.from(text, "utf8"));
}

// hrtime's origin is arbitrary (often machine boot); counting from module load keeps
// the value an exact integer of nanoseconds for the first 2^53 ns (~104 days) of the
// process rather than of the machine. Precision is that of CLOCK_MONOTONIC, 1 ns here.
const [originS, originNs] = process.hrtime();

function monotonicNs(): number {
  const [s, ns] = process.hrtime();
  return (s - originS) * 1e9 + (ns - originNs);
}

// performance.timeOrigin + performance.now() has sub-millisecond resolution but follows
// the monotonic clock, so it drifts from the system clock when that is set or slewed.
// Trust it only while it agrees with Date.now() to the millisecond; otherwise re-anchor.
let wallAnchorMs = performance.timeOrigin;

function wallClockMs(): number {
  const elapsed = performance.now();
  const fine = wallAnchorMs + elapsed;
  const coarse = Date.now();
  if (fine >= coarse && fine < coarse + 1) return fine;
  wallAnchorMs = coarse - elapsed;
  return coarse;
}

function setTimer(delayNs: number, fn: () => void): CancelTimer {
  const deadline = monotonicNs() + (delayNs > 0 ? delayNs : 0);
  let handle: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => {
    const remainingNs = deadline - monotonicNs();
    if (remainingNs <= 0) {
      handle = undefined;
      fn();
      return;
    }
    // Node's timers have millisecond granularity and may fire a little early by the
    // monotonic clock, so round up and re-arm until the deadline has really passed.
    handle = setTimeout(arm, Math.min(Math.ceil(remainingNs / 1e6), MAX_TIMEOUT_MS));
  };
  handle = setTimeout(arm, Math.min(Math.ceil((delayNs > 0 ? delayNs : 0) / 1e6), MAX_TIMEOUT_MS));
  return () => {
    if (handle !== undefined) clearTimeout(handle);
    handle = undefined;
  };
}

function entropy(length: number): Uint8Array {
  return randomFillSync(new Uint8Array(length));
}

export const host: Host = {
  target: "unix",
  argv: () => process.argv.slice(2),
  consoleWrite,
  monotonicNs,
  wallClockMs,
  setTimer,
  entropy,
  // Console writes are synchronous, so there is nothing left to flush.
  exit: (code: number): never => process.exit(code),
};

/** The part of `process` the fatal handlers use; a parameter so tests can fake it. */
export interface FatalTarget {
  on(event: "uncaughtException" | "unhandledRejection", listener: (error: unknown) => void): unknown;
}

/**
 * Makes an error nobody handled end the process like a failed `main`: one
 * `fatal error: <stack>` on stderr and exit status 1, instead of Node's default report.
 */
export function installFatalHandlers(
  target: FatalTarget = process,
  write: (stream: 1 | 2, text: string) => void = consoleWrite,
  exit: (code: number) => void = host.exit,
): void {
  const fatal = (error: unknown): void => {
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    write(2, `fatal error: ${text}\n`);
    exit(1);
  };
  target.on("uncaughtException", fatal);
  target.on("unhandledRejection", fatal);
}

// Vitest loads this file in its workers through the alias and reports stray errors
// itself; exiting the worker from here would hide which test failed.
if (process.env["VITEST"] === undefined) installFatalHandlers();
