import type { ChildProcess } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildExample } from "./example.ts";

/** Builds examples/NAME with configure options and copies the artefact aside, so variants can coexist. */
export async function buildVariant(name: string, configureArgs: readonly string[]): Promise<string> {
  const built = await buildExample(name, configureArgs);
  const copy = join(mkdtempSync(join(tmpdir(), `${name}-`)), name);
  copyFileSync(built, copy);
  return copy;
}

/** A running unikernel: its output so far, a way to wait for a line, and to stop it. */
export interface Running {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in stdout+stderr, or rejects after `timeoutMs` or on exit. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends SIGTERM (then SIGKILL) and resolves with the exit status or signal. */
  stop(): Promise<number | string | null>;
  /** Resident memory in KiB, from /proc. */
  rssKiB(): number;
}

export function watch(child: ChildProcess): Running {
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString("utf8");
    for (const w of waiters) w();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let exited: number | string | null | undefined;
  const exit = new Promise<number | string | null>((resolve) =>
    child.on("exit", (code, signal) => {
      exited = code ?? signal;
      for (const w of waiters) w();
      resolve(exited);
    }),
  );
  return {
    child,
    output: () => out,
    waitFor(re, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = re.exec(out);
          if (m) return done(() => resolve(m));
          if (exited !== undefined) return done(() => reject(new Error(`exited (${exited}) before ${re}; output:\n${out}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${re}; output:\n${out}`))), timeoutMs);
        const done = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      });
    },
    async stop() {
      if (exited !== undefined) return exited;
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), 3000);
      const r = await exit;
      clearTimeout(kill);
      return r;
    },
    rssKiB() {
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    },
  };
}
