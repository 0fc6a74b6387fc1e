/**
 * Built-ins and host APIs that QuickJS 2021-03-27 lacks but code in a unikernel
 * bundle may use (DESIGN.md section 6): ES2022's `at`, `Object.hasOwn`, ES2023's
 * `findLast`/`findLastIndex` (its `replaceAll` exists already), and the Web's TextEncoder/TextDecoder,
 * crypto.getRandomValues, queueMicrotask and a minimal console.
 *
 * `installPolyfills` only fills what is missing (unless `force`, which tests use to
 * exercise these fallbacks under Node). prelude.ts calls it first thing in a guest.
 */
import { Utf8Decoder, Utf8Encoder } from "./utf8.ts";

type AnyFn = (...args: never[]) => unknown;

/** Relative index as in ES2022's `at`: negative counts from the end. */
function relativeIndex(length: number, index: unknown): number {
  const n = Math.trunc(Number(index)) || 0;
  return n < 0 ? length + n : n;
}

export function at(this: ArrayLike<unknown>, index: unknown): unknown {
  const k = relativeIndex(this.length, index);
  return k < 0 || k >= this.length ? undefined : this[k];
}

export function stringAt(this: string, index: unknown): string | undefined {
  const s = String(this);
  const k = relativeIndex(s.length, index);
  return k < 0 || k >= s.length ? undefined : s[k];
}

export function findLast(this: ArrayLike<unknown>, predicate: (v: unknown, i: number, o: unknown) => unknown, thisArg?: unknown): unknown {
  if (typeof predicate !== "function") throw new TypeError("findLast: predicate is not a function");
  for (let i = this.length - 1; i >= 0; i--) if (predicate.call(thisArg, this[i], i, this)) return this[i];
  return undefined;
}

export function findLastIndex(this: ArrayLike<unknown>, predicate: (v: unknown, i: number, o: unknown) => unknown, thisArg?: unknown): number {
  if (typeof predicate !== "function") throw new TypeError("findLastIndex: predicate is not a function");
  for (let i = this.length - 1; i >= 0; i--) if (predicate.call(thisArg, this[i], i, this)) return i;
  return -1;
}

export function hasOwn(object: unknown, key: PropertyKey): boolean {
  if (object === null || object === undefined) throw new TypeError("Object.hasOwn: cannot convert undefined or null to object");
  return Object.prototype.hasOwnProperty.call(object, key);
}

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

/** What the fallbacks need from the guest. */
export interface PolyfillHost {
  /** Fills `bytes` with cryptographically secure random bytes. */
  randomFill(bytes: Uint8Array): void;
  consoleWrite(stream: 1 | 2, text: string): void;
}

function define(target: object, name: string, value: unknown, force: boolean): void {
  if (!force && name in target) return;
  Object.defineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
}

/** The largest getRandomValues request, as in the Web Crypto API. */
const MAX_RANDOM_BYTES = 65536;

function getRandomValuesFor(host: PolyfillHost) {
  return function getRandomValues<T extends ArrayBufferView>(array: T): T {
    const ok =
      array instanceof Int8Array || array instanceof Uint8Array || array instanceof Uint8ClampedArray ||
      array instanceof Int16Array || array instanceof Uint16Array || array instanceof Int32Array ||
      array instanceof Uint32Array || (typeof BigInt64Array === "function" && (array instanceof BigInt64Array || array instanceof BigUint64Array));
    if (!ok) throw new TypeError("crypto.getRandomValues: expected an integer typed array");
    if (array.byteLength > MAX_RANDOM_BYTES) {
      throw new RangeError(`crypto.getRandomValues: ${array.byteLength} bytes requested, at most ${MAX_RANDOM_BYTES} allowed`);
    }
    host.randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  };
}

function formatValue(v: unknown): string {
  if (typeof v === "string") return v;
  if (v instanceof Error) return v.stack ? `${v.name}: ${v.message}\n${v.stack}` : `${v.name}: ${v.message}`;
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v);
    } catch {
      return Object.prototype.toString.call(v);
    }
  }
  return String(v);
}

function minimalConsole(host: PolyfillHost): Record<string, AnyFn> {
  const out = (stream: 1 | 2) => (...args: unknown[]) => host.consoleWrite(stream, `${args.map(formatValue).join(" ")}\n`);
  return { log: out(1), info: out(1), debug: out(1), warn: out(2), error: out(2), trace: out(2) };
}

/** Installs what `global` lacks (everything listed when `force`). Idempotent. */
export function installPolyfills(global: object, host: PolyfillHost, options: { force?: boolean } = {}): void {
  const force = options.force === true;
  for (const proto of [Array.prototype, TypedArrayPrototype]) {
    define(proto, "at", at, force);
    define(proto, "findLast", findLast, force);
    define(proto, "findLastIndex", findLastIndex, force);
  }
  define(String.prototype, "at", stringAt, force);
  define(Object, "hasOwn", hasOwn, force);
  define(global, "TextEncoder", Utf8Encoder, force);
  define(global, "TextDecoder", Utf8Decoder, force);
  define(global, "queueMicrotask", (fn: () => void) => {
    if (typeof fn !== "function") throw new TypeError("queueMicrotask: argument is not a function");
    // An exception in `fn` becomes an unhandled rejection, which ends the guest like an uncaught error.
    void Promise.resolve().then(fn);
  }, force);
  const g = global as { crypto?: { getRandomValues?: unknown }; console?: Record<string, unknown> };
  if (force || typeof g.crypto !== "object" || g.crypto === null) define(global, "crypto", {}, true);
  define(g.crypto!, "getRandomValues", getRandomValuesFor(host), force);
  if (force || typeof g.console !== "object" || g.console === null) define(global, "console", {}, true);
  for (const [name, fn] of Object.entries(minimalConsole(host))) define(g.console!, name, fn, force);
}
