/**
 * The ambient runtime's host on hvt and spt. `mirage build -t hvt|spt` aliases
 * `@mirage-ts/host` to this file, so the runtime's sleep, clocks, entropy, console
 * and exit go through the C runtime's bindings (`globalThis.mirageHost`).
 *
 * Timers live here, in JS (loop.ts), and are driven by the idle handler the C loop
 * calls once per turn; the C side only sleeps until the deadline it is handed.
 */
import type { CancelTimer, Host } from "@mirage-ts/host";
import { bindings, type HostBindings } from "./bindings.ts";
import { EventLoop } from "./loop.ts";

/** What a guest has once its bindings are wired: the Host and the loop that devices register with. */
export interface Platform {
  readonly host: Host;
  readonly loop: EventLoop;
  readonly bindings: HostBindings;
}

/** Builds the host over `b` and installs the idle handler. Exported for tests with fake bindings. */
export function createPlatform(b: HostBindings): Platform {
  let scratch: Uint8Array | undefined;
  const discard = (handle: number, budget: number): boolean => {
    scratch ??= new Uint8Array(65536);
    for (let i = 0; i < budget; i++) {
      let n: number;
      try {
        n = b.netRead(handle, scratch);
      } catch {
        return false; // not a net device we may read: nothing to drain
      }
      if (n === 0) return false;
    }
    return true;
  };
  const loop = new EventLoop(() => b.monotonicNs(), discard);
  b.setIdleHandler((readySet) => loop.idle(readySet));
  const host: Host = {
    target: b.target,
    argv: () => b.argv,
    consoleWrite: (stream, text) => b.consoleWrite(stream, text),
    monotonicNs: () => b.monotonicNs(),
    wallClockMs: () => b.wallClockMs(),
    setTimer: (delayNs: number, fn: () => void): CancelTimer => loop.setTimer(delayNs, fn),
    entropy(length: number): Uint8Array {
      const buf = new Uint8Array(length);
      if (length > 0) b.entropy(buf);
      return buf;
    },
    exit: (code: number): never => b.exit(code),
  };
  return { host, loop, bindings: b };
}

let current: Platform | undefined;

/**
 * The guest's platform, created on first use. In a guest the bindings exist before
 * the bundle runs, so the first use is the runtime's `boot` reading argv; outside a
 * guest this throws bindings()'s clear message instead of failing at import.
 */
export function platform(): Platform {
  current ??= createPlatform(bindings());
  return current;
}

/** For tests: forget the platform so the next use wires fresh bindings. */
export function resetPlatformForTests(): void {
  current = undefined;
}

const lazy = <K extends keyof Host>(key: K): Host[K] => ((...args: unknown[]) => (platform().host[key] as (...a: unknown[]) => unknown)(...args)) as Host[K];

export const host: Host = {
  get target(): string {
    return platform().host.target;
  },
  argv: lazy("argv"),
  consoleWrite: lazy("consoleWrite"),
  monotonicNs: lazy("monotonicNs"),
  wallClockMs: lazy("wallClockMs"),
  setTimer: lazy("setTimer"),
  entropy: lazy("entropy"),
  exit: lazy("exit"),
};

// In a guest, install the idle handler as the bundle loads, before the C loop's first turn.
if ((globalThis as { mirageHost?: unknown }).mirageHost !== undefined) platform();
