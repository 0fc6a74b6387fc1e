/**
 * The prelude's fallbacks, forced: polyfills.ts is bundled and run in a fresh
 * `node:vm` context whose ES2022+ built-ins and Web APIs were deleted, as in QuickJS
 * 2021-03-27. Results are compared with Node's native implementations.
 */
import { randomFillSync } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createContext, runInContext, type Context } from "node:vm";
import { buildSync } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";

const source = fileURLToPath(new URL("../src/polyfills.ts", import.meta.url));
let bundle = "";
beforeAll(() => {
  bundle = buildSync({ entryPoints: [source], bundle: true, format: "iife", globalName: "polyfills", target: "es2020", write: false }).outputFiles[0]!.text;
});

const DELETED = [
  "Array.prototype.at",
  "Array.prototype.findLast",
  "Array.prototype.findLastIndex",
  "Object.getPrototypeOf(Uint8Array.prototype).at",
  "Object.getPrototypeOf(Uint8Array.prototype).findLast",
  "Object.getPrototypeOf(Uint8Array.prototype).findLastIndex",
  "String.prototype.at",
  "Object.hasOwn",
];

/** A context without the built-ins, with the polyfills installed; `console` output collected. */
function guestContext(): { ctx: Context; out: string[] } {
  const out: string[] = [];
  const ctx = createContext({ hostRandomFill: (b: Uint8Array) => randomFillSync(b), hostWrite: (s: number, t: string) => out.push(`${s}:${t}`) });
  runInContext([...DELETED, "globalThis.console"].map((d) => `delete ${d};`).join("\n"), ctx);
  for (const d of DELETED) expect(runInContext(`typeof ${d}`, ctx), d).toBe("undefined");
  expect(runInContext("typeof TextEncoder + typeof crypto + typeof queueMicrotask + typeof console", ctx)).toBe("undefinedundefinedundefinedundefined");
  runInContext(bundle, ctx);
  runInContext("polyfills.installPolyfills(globalThis, { randomFill: hostRandomFill, consoleWrite: hostWrite })", ctx);
  return { ctx, out };
}

const run = (ctx: Context, code: string): unknown => JSON.parse(runInContext(`JSON.stringify((() => { ${code} })())`, ctx) as string);

describe("prelude polyfills in a context that lacks the built-ins", () => {
  it("at, findLast, findLastIndex on arrays, typed arrays and strings; Object.hasOwn", () => {
    const { ctx } = guestContext();
    expect(run(ctx, "const a = [1, 2, 3]; return [a.at(0), a.at(-1), a.at(3), a.at(-4), a.at('1'), a.at(1.7)]")).toEqual([1, 3, null, null, 2, 2]);
    expect(run(ctx, "const u = Uint8Array.of(5, 6, 7); return [u.at(-1), u.findLast((x) => x < 7), u.findLastIndex((x) => x > 9)]")).toEqual([7, 6, -1]);
    expect(run(ctx, "return ['héllo'.at(-1), 'abc'.at(5) === undefined]")).toEqual(["o", true]);
    expect(run(ctx, "return [[1, 2, 3, 4].findLast((x) => x % 2 === 1), [1, 2, 3].findLastIndex((x) => x === 1)]")).toEqual([3, 0]);
    expect(run(ctx, "return [Object.hasOwn({ a: 1 }, 'a'), Object.hasOwn({}, 'toString'), Object.hasOwn(Object.create({ b: 1 }), 'b')]")).toEqual([true, false, false]);
    expect(() => runInContext("Object.hasOwn(null, 'a')", ctx)).toThrow(/null/);
    // Installed like built-ins: not enumerable, so for-in over arrays sees only elements.
    expect(run(ctx, "const keys = []; for (const k in [9]) keys.push(k); return keys")).toEqual(["0"]);
  });

  it("TextEncoder/TextDecoder agree with Node's on valid, invalid and split UTF-8", () => {
    const { ctx } = guestContext();
    const texts = ["", "ascii", "héllo wörld", "€ and 𝄞 and 中文", "lone \ud800 surrogate", "\ufeffBOM first"];
    for (const t of texts) {
      const ours = runInContext(`Array.from(new TextEncoder().encode(${JSON.stringify(t)}))`, ctx) as number[];
      expect(Array.from(ours), t).toEqual(Array.from(new TextEncoder().encode(t)));
    }
    const inputs = [
      [0x68, 0x69],
      [0xef, 0xbb, 0xbf, 0x41],
      [0xe2, 0x82],
      [0xc0, 0x80, 0x41],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x9d, 0x84, 0x9e, 0xff, 0xf4, 0x90, 0x80, 0x80],
      [0xe0, 0x80, 0x41, 0xf0, 0x90],
      Array.from({ length: 20000 }, (_, i) => 0x41 + (i % 26)),
    ];
    for (const bytes of inputs) {
      const label = JSON.stringify(bytes.slice(0, 10));
      const native = new TextDecoder().decode(Uint8Array.from(bytes));
      expect(runInContext(`new TextDecoder().decode(Uint8Array.from(${JSON.stringify(bytes)}))`, ctx), label).toBe(native);
      const nativeKeep = new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(bytes));
      expect(runInContext(`new TextDecoder("utf8", { ignoreBOM: true }).decode(Uint8Array.from(${JSON.stringify(bytes)}))`, ctx), label).toBe(nativeKeep);
      let nativeFatal: string;
      try {
        nativeFatal = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(bytes));
      } catch {
        nativeFatal = "TypeError";
      }
      const oursFatal = runInContext(
        `(() => { try { return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(${JSON.stringify(bytes)})); } catch (e) { return e instanceof TypeError ? "TypeError" : String(e); } })()`,
        ctx,
      );
      expect(oursFatal, label).toBe(nativeFatal);
      // Streaming, one byte at a time, gives the same text.
      const streamed = runInContext(
        `(() => { const d = new TextDecoder(); let s = ""; const b = ${JSON.stringify(bytes)}; for (const x of b) s += d.decode(Uint8Array.of(x), { stream: true }); return s + d.decode(); })()`,
        ctx,
      );
      expect(streamed, label).toBe(native);
    }
    expect(() => runInContext("new TextDecoder('latin1')", ctx)).toThrow(/only UTF-8/);
    expect(runInContext("JSON.stringify(new TextEncoder().encodeInto('a€b', new Uint8Array(3)))", ctx)).toBe('{"read":1,"written":1}');
    expect(runInContext("new TextDecoder().decode(new Uint8Array([104, 105]).buffer)", ctx)).toBe("hi");
  });

  it("crypto.getRandomValues fills integer typed arrays from the host, up to 65536 bytes", () => {
    const { ctx } = guestContext();
    expect(run(ctx, "const a = new Uint32Array(64); crypto.getRandomValues(a); return new Set(a).size > 60")).toBe(true);
    expect(run(ctx, "const a = new Uint8Array(10); return crypto.getRandomValues(a) === a")).toBe(true);
    expect(() => runInContext("crypto.getRandomValues(new Float64Array(2))", ctx)).toThrow(/integer typed array/);
    expect(() => runInContext("crypto.getRandomValues(new Uint8Array(65537))", ctx)).toThrow(/at most 65536/);
  });

  it("queueMicrotask runs after the current job; console writes lines to the host console", async () => {
    const { ctx, out } = guestContext();
    runInContext("globalThis.order = []; queueMicrotask(() => order.push('micro')); order.push('sync');", ctx);
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(run(ctx, "return order")).toEqual(["sync", "micro"]);
    expect(() => runInContext("queueMicrotask(1)", ctx)).toThrow(/queueMicrotask: argument is not a function/);
    runInContext("console.log('a', 1, { b: 2 }); console.error('bad')", ctx);
    expect(out).toEqual(['1:a 1 {"b":2}\n', "2:bad\n"]);
  });

  it("leaves existing built-ins alone unless forced", () => {
    const ctx = createContext({});
    runInContext(bundle, ctx);
    const before = runInContext("Array.prototype.at", ctx);
    runInContext("polyfills.installPolyfills(globalThis, { randomFill() {}, consoleWrite() {} })", ctx);
    expect(runInContext("Array.prototype.at", ctx)).toBe(before);
    runInContext("polyfills.installPolyfills(globalThis, { randomFill() {}, consoleWrite() {} }, { force: true })", ctx);
    expect(runInContext("Array.prototype.at === polyfills.at", ctx)).toBe(true);
  });
});
