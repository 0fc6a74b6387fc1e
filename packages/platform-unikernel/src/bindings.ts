/**
 * The object the C guest runtime (packages/guest) installs as `globalThis.mirageHost`
 * before the app's bytecode runs. It is the whole interface between TypeScript and C
 * on hvt and spt: it moves bytes, reads clocks and entropy, and sleeps. No protocol
 * logic lives on the C side.
 *
 * Errors: a call with a bad handle, size or offset throws an `Error` whose message says
 * what was wrong; the C side never crashes on bad arguments.
 */
export interface HostBindings {
  /** MIRAGE_ABI_VERSION of the runtime (packages/tender/include/mirage_abi.h). */
  readonly abiVersion: number;
  readonly target: "hvt" | "spt";
  /** Guest arguments (after the tender's `--`), already split, without a program name. */
  readonly argv: readonly string[];
  /** Writes `text` as UTF-8 to the console (1 = stdout, 2 = stderr); synchronous. */
  consoleWrite(stream: 1 | 2, text: string): void;
  /** Nanoseconds since boot, monotonic; exit-free (TSC on hvt, clock_gettime on spt). */
  monotonicNs(): number;
  /** Milliseconds since the Unix epoch, fractional. */
  wallClockMs(): number;
  /** Fills `buf` from RDRAND/RDSEED when CPUID has them, otherwise from the tender's boot seed. */
  entropy(buf: Uint8Array): void;

  /** Looks `name` up in the image's manifest; throws if absent, of another kind, or not attached. */
  netAcquire(name: string): { readonly handle: number; readonly mac: Uint8Array; readonly mtu: number };
  /** Sends one Ethernet frame (length ≤ mtu + 14). */
  netWrite(handle: number, frame: Uint8Array): void;
  /** Copies one queued frame into `buf` and returns its length, or 0 when nothing is queued. */
  netRead(handle: number, buf: Uint8Array): number;

  blockAcquire(name: string): { readonly handle: number; readonly capacity: number; readonly blockSize: number };
  /** Reads/writes whole blocks: `offset` and the buffer length are multiples of blockSize. */
  blockRead(handle: number, offset: number, buf: Uint8Array): void;
  blockWrite(handle: number, offset: number, data: Uint8Array): void;

  /**
   * Registers the event loop's JS half. The C loop: run pending jobs until none; call
   * `fn(readySet)` (bit i = net handle i has input) which delivers frames and runs due
   * timers and returns the next timer deadline in monotonic ns, or -1 for none; run jobs
   * again; then sleep until that deadline or network input. With no deadline, no acquired
   * net device and no pending job, nothing can happen any more: the runtime says so on
   * stderr and exits 1.
   */
  setIdleHandler(fn: (readySet: number) => number): void;
  /** Flushes the console and halts with `code` (0..255). */
  exit(code: number): never;
}

/** The bindings, or a clear error when this code runs outside a guest. */
export function bindings(): HostBindings {
  const b = (globalThis as { mirageHost?: HostBindings }).mirageHost;
  if (b === undefined) throw new Error("platform-unikernel: globalThis.mirageHost is missing (not running in a mirage-ts guest)");
  return b;
}
