import { describe, expect, it } from "vitest";
import { bootArg, declaredBootArgs, formatHelp, parseBootArgs, setBootArgValues, type BootArgSpec, type BootArgsResult } from "./args.ts";
import { thresholdFor } from "./log.ts";

const specs: BootArgSpec[] = [
  { kind: "string", name: "hello", doc: "How to say hello.", docv: "STRING", default: "Hello World!" },
  { kind: "int", name: "count", doc: "How many times.", docv: "N", default: 4, min: 1, max: 10 },
  { kind: "int", name: "offset", doc: "Any integer.", docv: "INT", default: 0, min: undefined, max: undefined },
  { kind: "int", name: "low", doc: "At least 2.", docv: "INT", default: 2, min: 2, max: undefined },
  { kind: "bool", name: "verbose", doc: "Say more.", default: false },
];

function ok(argv: string[]) {
  const r = parseBootArgs(specs, argv);
  if (r.kind !== "ok") throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r;
}
function err(argv: string[]): string {
  const r: BootArgsResult = parseBootArgs(specs, argv);
  if (r.kind !== "error") throw new Error(`expected an error, got ${r.kind}`);
  return r.message;
}

describe("parseBootArgs", () => {
  it("fills in defaults", () => {
    const r = ok([]);
    expect([...r.values]).toEqual([
      ["hello", "Hello World!"],
      ["count", 4],
      ["offset", 0],
      ["low", 2],
      ["verbose", false],
    ]);
    expect(r.delaySeconds).toBe(0);
    expect(r.name).toBeUndefined();
    expect(thresholdFor(r.logs, "x")).toBe("info");
  });

  it("accepts --key=value, --key value and flags", () => {
    const r = ok(["--hello=hi there", "--count", "7", "--verbose", "--offset", "-5"]);
    expect(r.values.get("hello")).toBe("hi there");
    expect(r.values.get("count")).toBe(7);
    expect(r.values.get("offset")).toBe(-5);
    expect(r.values.get("verbose")).toBe(true);
    expect(ok(["--verbose=false"]).values.get("verbose")).toBe(false);
    expect(ok(["--verbose=true"]).values.get("verbose")).toBe(true);
    expect(ok(["--hello="]).values.get("hello")).toBe("");
    expect(ok(["--hello=a=b"]).values.get("hello")).toBe("a=b");
    expect(ok(["--hello", "-"]).values.get("hello")).toBe("-");
    expect(ok(["--count=+3"]).values.get("count")).toBe(3);
  });

  it("reads the builtins", () => {
    const r = ok(["-l", "*:warning,tcp:debug", "--delay=1.5", "--name", "other"]);
    expect(thresholdFor(r.logs, "tcp")).toBe("debug");
    expect(thresholdFor(r.logs, "udp")).toBe("warning");
    expect(r.delaySeconds).toBe(1.5);
    expect(r.name).toBe("other");
    expect(thresholdFor(ok(["-ldebug"]).logs, "a")).toBe("debug");
    expect(thresholdFor(ok(["--logs=error"]).logs, "a")).toBe("error");
    expect(thresholdFor(ok(["--logs", "quiet"]).logs, "a")).toBe("quiet");
    expect(ok(["--delay", "0"]).delaySeconds).toBe(0);
    expect(ok(["--delay=.5"]).delaySeconds).toBe(0.5);
  });

  it("gives help precedence over everything", () => {
    expect(parseBootArgs(specs, ["--help"]).kind).toBe("help");
    expect(parseBootArgs(specs, ["--bogus", "--help"]).kind).toBe("help");
    expect(parseBootArgs([], ["--help=plain"]).kind).toBe("help");
  });

  it("reports every error in one line", () => {
    expect(err(["--foo"])).toBe("unknown boot argument '--foo' (try --help)");
    expect(err(["--foo=1"])).toBe("unknown boot argument '--foo' (try --help)");
    expect(err(["-x"])).toBe("unknown boot argument '-x' (try --help)");
    expect(err(["--"])).toBe("unknown boot argument '--' (try --help)");
    expect(err(["stray"])).toBe("unexpected positional argument 'stray' (try --help)");
    expect(err(["-"])).toBe("unexpected positional argument '-' (try --help)");
    expect(err(["--verbose", "false"])).toBe("unexpected positional argument 'false' (try --help)");
    expect(err(["--count=abc"])).toBe("--count: expected an integer, got 'abc'");
    expect(err(["--count", "1.5"])).toBe("--count: expected an integer, got '1.5'");
    expect(err(["--count="])).toBe("--count: expected an integer, got ''");
    expect(err(["--offset=99999999999999999999"])).toBe("--offset: expected an integer, got '99999999999999999999'");
    expect(err(["--count=11"])).toBe("--count: expected an integer between 1 and 10, got '11'");
    expect(err(["--count=0"])).toBe("--count: expected an integer between 1 and 10, got '0'");
    expect(err(["--low=1"])).toBe("--low: expected an integer of at least 2, got '1'");
    expect(err(["--count"])).toBe("--count: missing value (--count=N)");
    expect(err(["--hello", "--count=2"])).toBe("--hello: missing value (--hello=STRING)");
    expect(err(["--verbose=yes"])).toBe("--verbose: expected true or false, got 'yes'");
    expect(err(["--count=2", "--count=3"])).toBe("--count: given more than once");
    expect(err(["-l"])).toBe("--logs: missing value (--logs=SPEC)");
    expect(err(["-l", "tcp:loud"])).toMatch(/^--logs: unknown log level 'loud' in 'tcp:loud'/);
    expect(err(["--logs="])).toBe("--logs: empty log spec");
    expect(err(["--delay=-1"])).toBe("--delay: expected a non-negative number of seconds, got '-1'");
    expect(err(["--delay=soon"])).toBe("--delay: expected a non-negative number of seconds, got 'soon'");
    expect(err(["--delay=1e400"])).toBe("--delay: expected a non-negative number of seconds, got '1e400'");
    expect(err(["--name="])).toBe("--name: expected a non-empty name");
    expect(err(["--hello=x", "bad\x1b[2J"])).toBe("unexpected positional argument 'bad\\x1b[2J' (try --help)");
  });
});

describe("formatHelp", () => {
  it("lists the name, description and every argument with docv, doc and default", () => {
    const text = formatHelp({ name: "hello", description: "Prints hello." }, specs);
    expect(text).toContain("hello - Prints hello.");
    expect(text).toContain("hello [ARGUMENT]...");
    expect(text).toContain("--hello=STRING (default: 'Hello World!')\n           How to say hello.");
    expect(text).toContain("--count=N (default: 4)\n           How many times.");
    expect(text).toContain("--verbose\n           Say more.");
    expect(text).toContain("-l SPEC, --logs=SPEC (default: *:info)");
    expect(text).toContain("--delay=SECONDS (default: 0)");
    expect(text).toContain("--name=NAME (default: 'hello')");
    expect(text).toContain("--help\n           Show this help and exit.");
    expect(text.indexOf("APPLICATION ARGUMENTS")).toBeLessThan(text.indexOf("RUNTIME ARGUMENTS"));
  });

  it("omits the application section when there are no arguments", () => {
    const text = formatHelp({ name: "x" }, []);
    expect(text).not.toContain("APPLICATION ARGUMENTS");
    expect(text).toMatch(/^NAME\n {7}x\n/);
  });
});

describe("bootArg", () => {
  it("declares typed getters that work only once boot has parsed argv", () => {
    const greeting = bootArg.string("greeting", { default: "hi", doc: "Greeting." });
    const times = bootArg.int("times", { default: 1, doc: "Times.", min: 0, max: 5, docv: "T" });
    const loud = bootArg.bool("loud", { doc: "Loud." });
    expect(() => greeting()).toThrow(/--greeting read before boot parsed the command line/);
    const declared = declaredBootArgs();
    expect(declared.map((s) => s.name)).toEqual(["greeting", "times", "loud"]);
    const r = parseBootArgs(declared, ["--times=3", "--loud"]);
    if (r.kind !== "ok") throw new Error("parse failed");
    setBootArgValues(r.values);
    expect(greeting()).toBe("hi");
    expect(times()).toBe(3);
    expect(loud()).toBe(true);
    const late = bootArg.string("late", { default: "x", doc: "Too late." });
    expect(() => late()).toThrow(/declared after boot/);
  });

  it("rejects bad names, clashes and duplicates", () => {
    bootArg.string("dup", { default: "", doc: "d" });
    expect(() => bootArg.int("dup", { default: 0, doc: "d" })).toThrow(new TypeError("boot argument 'dup' is declared twice"));
    for (const name of ["help", "logs", "delay", "name"]) {
      expect(() => bootArg.bool(name, { doc: "d" })).toThrow(`boot argument name '${name}' clashes with the builtin --${name}`);
    }
    for (const name of ["Upper", "", "-lead", "under_score", "sp ace", "é"]) {
      expect(() => bootArg.bool(name, { doc: "d" })).toThrow(TypeError);
    }
    expect(() => bootArg.bool("Upper", { doc: "d" })).toThrow(/got 'Upper'/);
    expect(() => bootArg.bool("ipv4-gateway", { doc: "d" })).not.toThrow();
  });

  it("rejects bad option values", () => {
    expect(() => bootArg.int("i1", { default: 1.5, doc: "d" })).toThrow(RangeError);
    expect(() => bootArg.int("i2", { default: 0, doc: "d", min: 1 })).toThrow(/outside min..max/);
    expect(() => bootArg.int("i3", { default: 5, doc: "d", min: 9, max: 1 })).toThrow(/min 9 is greater than max 1/);
    expect(() => bootArg.string("s1", { default: 3 as unknown as string, doc: "d" })).toThrow(TypeError);
    expect(() => bootArg.string("s2", { default: "", doc: undefined as unknown as string })).toThrow(/doc must be a string/);
  });
});

describe("custom boot arguments", () => {
  const cidr: BootArgSpec = {
    kind: "custom",
    name: "net",
    doc: "An address with a prefix.",
    docv: "A.B.C.D/N",
    default: undefined,
    defaultText: undefined,
    parse: (text) => {
      const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(text);
      return m ? { ok: true, value: { address: m[1], prefix: Number(m[2]) } } : { ok: false, message: `expected A.B.C.D/N, got '${text}'` };
    },
  };

  it("runs the argument's own parser and keeps an undefined default", () => {
    const given = parseBootArgs([cidr], ["--net=10.0.0.2/24"]);
    expect(given.kind === "ok" && given.values.get("net")).toEqual({ address: "10.0.0.2", prefix: 24 });
    const absent = parseBootArgs([cidr], []);
    expect(absent.kind === "ok" && absent.values.has("net") && absent.values.get("net")).toBeUndefined();
  });

  it("turns the parser's message into a boot error", () => {
    expect(parseBootArgs([cidr], ["--net", "10.0.0.2"])).toEqual({ kind: "error", message: "--net: expected A.B.C.D/N, got '10.0.0.2'" });
  });

  it("lists it in --help with its docv", () => {
    expect(formatHelp({ name: "u" }, [cidr])).toContain("--net=A.B.C.D/N\n           An address with a prefix.");
  });
});
