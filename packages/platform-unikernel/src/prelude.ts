/**
 * The first module of every hvt/spt bundle (`mirage build` imports it before the
 * generated main.ts): fills in the built-ins and host APIs QuickJS 2021-03-27 lacks
 * (polyfills.ts).
 *
 * It imports nothing but the bindings and the polyfills: ES modules evaluate their
 * imports first, and libraries use the missing built-ins while loading (@noble/hashes
 * calls Object.hasOwn at module level), so importing the runtime here would run them
 * too early. test/unikernel/bundle.test.ts runs real bundles in a context without
 * those built-ins to keep it so. For the same reason `crypto.getRandomValues` reads
 * the platform's entropy source (RDRAND/RDSEED, or the tender's seed) directly, as
 * Web Crypto reads the operating system's CSPRNG, rather than the runtime's Fortuna.
 */
import { bindings } from "./bindings.ts";
import { installPolyfills } from "./polyfills.ts";

installPolyfills(globalThis, {
  randomFill: (bytes) => bindings().entropy(bytes),
  consoleWrite: (stream, text) => bindings().consoleWrite(stream, text),
});
