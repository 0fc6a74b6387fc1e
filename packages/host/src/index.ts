/**
 * @module @mirage-ts/host
 *
 * The contract between the ambient runtime (`@mirage-ts/runtime`) and a platform.
 * This package only declares the `Host` shape; `mirage build` binds the import
 * `@mirage-ts/host` to the chosen target's implementation with a bundler alias
 * (`@mirage-ts/platform-node/host` for unix), so nothing sniffs its environment at
 * run time. Importing it unbound (outside a mirage build or the test runner) fails
 * on first use with a message that says so.
 *
 * Pure ECMAScript 2022.
 */

/** Cancels a pending timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/** The few primitives a platform gives the ambient runtime. Everything else is pure. */
export interface Host {
  /** Target name: "unix", "hvt", "spt", ... */
  readonly target: string;
  /** Boot arguments, without a program name (argv on unix, the tender's command line on hvt). */
  argv(): readonly string[];
  /** Writes text to the console: 1 is standard output, 2 standard error. Synchronous, never drops. */
  consoleWrite(stream: 1 | 2, text: string): void;
  /** Monotonic clock in nanoseconds since an arbitrary origin (exact below 2^53 ns, about 104 days). */
  monotonicNs(): number;
  /** Wall clock in milliseconds since the Unix epoch (UTC), fractional where the platform allows. */
  wallClockMs(): number;
  /** Calls `fn` once, no earlier than `delayNs` from now. */
  setTimer(delayNs: number, fn: () => void): CancelTimer;
  /** `length` bytes of seed material from the platform's entropy source (not for direct use by apps). */
  entropy(length: number): Uint8Array;
  /** Ends the unikernel with a status code after flushing the console. */
  exit(code: number): never;
}

function unbound(): Host {
  const fail = (): never => {
    throw new Error(
      "@mirage-ts/host is not bound to a platform: build the unikernel with `mirage build`, " +
        "or run tests through the repository's vitest config, which binds it to platform-node",
    );
  };
  return new Proxy({} as Host, { get: fail });
}

/** The platform's host object. Replaced wholesale by the build's alias. */
export const host: Host = unbound();
