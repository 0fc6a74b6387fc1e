/**
 * Boot arguments: declared by the application at module top level with `bootArg.*`,
 * parsed once by `boot` from the platform's command line, read inside `start`.
 *
 * Parsing (`parseBootArgs`) and help (`formatHelp`) are pure functions of the
 * declarations and argv, so every error path tests without exiting a process.
 */
import { escapeControl, quote } from "./escape.ts";
import { DEFAULT_LOG_SPEC, parseLogSpec, type LogSpec } from "./log.ts";

/** A parsed value: strings, numbers and booleans, or whatever a `custom` argument's parser makes. */
export type BootArgValue = unknown;

/** One declared application argument. */
export type BootArgSpec =
  | { readonly kind: "string"; readonly name: string; readonly doc: string; readonly docv: string; readonly default: string }
  | {
      readonly kind: "int";
      readonly name: string;
      readonly doc: string;
      readonly docv: string;
      readonly default: number;
      readonly min: number | undefined;
      readonly max: number | undefined;
    }
  | { readonly kind: "bool"; readonly name: string; readonly doc: string; readonly default: false }
  | {
      readonly kind: "custom";
      readonly name: string;
      readonly doc: string;
      readonly docv: string;
      readonly default: unknown;
      readonly defaultText: string | undefined;
      readonly parse: (text: string) => { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };
    };

/** What the unikernel is called and what it does, for messages and `--help`. */
export interface HelpInfo {
  readonly name: string;
  readonly description?: string;
}

export type BootArgsResult =
  | {
      readonly kind: "ok";
      /** Every declared argument, given or defaulted. */
      readonly values: ReadonlyMap<string, BootArgValue>;
      readonly logs: LogSpec;
      readonly delaySeconds: number;
      /** `--name`, if given. */
      readonly name: string | undefined;
    }
  | { readonly kind: "help" }
  /** `message` is one line without the unikernel-name prefix or newline. */
  | { readonly kind: "error"; readonly message: string };

type Converted = { readonly ok: true; readonly value: BootArgValue | LogSpec } | { readonly ok: false; readonly message: string };

/** How the parser sees any argument, declared or builtin. */
interface ArgDef {
  readonly name: string;
  readonly short?: string;
  /** Flags take no separate value: `--flag` or `--flag=true|false`. */
  readonly flag: boolean;
  readonly docv: string;
  readonly doc: string;
  readonly defaultText: string | undefined;
  convert(text: string): Converted;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const INTEGER = /^[+-]?[0-9]+$/;
const SECONDS = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;

const ok = (value: BootArgValue | LogSpec): Converted => ({ ok: true, value });
const fail = (message: string): Converted => ({ ok: false, message });

function convertBool(text: string): Converted {
  if (text === "true") return ok(true);
  if (text === "false") return ok(false);
  return fail(`expected true or false, got ${quote(text)}`);
}

function convertInt(text: string, min: number | undefined, max: number | undefined): Converted {
  const n = INTEGER.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n)) return fail(`expected an integer, got ${quote(text)}`);
  if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
    const range =
      min !== undefined && max !== undefined ? `between ${min} and ${max}` : min !== undefined ? `of at least ${min}` : `of at most ${max}`;
    return fail(`expected an integer ${range}, got ${quote(text)}`);
  }
  return ok(n);
}

const BUILTINS: readonly ArgDef[] = [
  {
    name: "delay",
    flag: false,
    docv: "SECONDS",
    doc: "Wait this many seconds before connecting devices and starting the unikernel.",
    defaultText: "0",
    convert: (text) => {
      const n = SECONDS.test(text) ? Number(text) : NaN;
      return Number.isFinite(n) ? ok(n) : fail(`expected a non-negative number of seconds, got ${quote(text)}`);
    },
  },
  {
    name: "help",
    flag: true,
    docv: "",
    doc: "Show this help and exit.",
    defaultText: undefined,
    convert: convertBool,
  },
  {
    name: "logs",
    short: "l",
    flag: false,
    docv: "SPEC",
    doc:
      "Log levels, as comma-separated LEVEL or SRC:LEVEL entries where SRC is a log source or * for all " +
      "and LEVEL is one of quiet, app, error, warning, info, debug; e.g. *:info,tcp:debug.",
    defaultText: "*:info",
    convert: (text) => {
      const parsed = parseLogSpec(text);
      return parsed.ok ? ok(parsed.spec) : fail(parsed.message);
    },
  },
  {
    name: "name",
    flag: false,
    docv: "NAME",
    doc: "The unikernel's name in messages.",
    defaultText: undefined,
    convert: (text) => (text === "" ? fail("expected a non-empty name") : ok(text)),
  },
];

const BUILTIN_NAMES: ReadonlySet<string> = new Set(BUILTINS.map((d) => d.name));

function defOf(spec: BootArgSpec): ArgDef {
  switch (spec.kind) {
    case "string":
      return { name: spec.name, flag: false, docv: spec.docv, doc: spec.doc, defaultText: quote(spec.default), convert: ok };
    case "int":
      return {
        name: spec.name,
        flag: false,
        docv: spec.docv,
        doc: spec.doc,
        defaultText: String(spec.default),
        convert: (text) => convertInt(text, spec.min, spec.max),
      };
    case "bool":
      return { name: spec.name, flag: true, docv: "", doc: spec.doc, defaultText: undefined, convert: convertBool };
    case "custom":
      return { name: spec.name, flag: false, docv: spec.docv, doc: spec.doc, defaultText: spec.defaultText, convert: spec.parse };
  }
}

/**
 * Parses `argv` against the declared arguments and the builtins (`--help`, `-l`/`--logs`,
 * `--delay`, `--name`). Accepts `--key=value`, `--key value`, `-l SPEC`, `-lSPEC` and, for
 * flags, `--flag` / `--flag=true|false`. `--help` anywhere wins over any error.
 */
export function parseBootArgs(specs: readonly BootArgSpec[], argv: readonly string[]): BootArgsResult {
  if (argv.some((a) => a === "--help" || a.startsWith("--help="))) return { kind: "help" };
  const defs = new Map<string, ArgDef>();
  const shorts = new Map<string, ArgDef>();
  for (const d of BUILTINS) {
    defs.set(d.name, d);
    if (d.short !== undefined) shorts.set(d.short, d);
  }
  for (const s of specs) defs.set(s.name, defOf(s));

  const given = new Map<string, BootArgValue | LogSpec>();
  const error = (message: string): BootArgsResult => ({ kind: "error", message });
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    let def: ArgDef | undefined;
    let inline: string | undefined;
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      def = defs.get(eq < 0 ? token.slice(2) : token.slice(2, eq));
      if (def === undefined) return error(`unknown boot argument ${quote(eq < 0 ? token : token.slice(0, eq))} (try --help)`);
      if (eq >= 0) inline = token.slice(eq + 1);
    } else if (token.startsWith("-") && token.length > 1) {
      def = shorts.get(token[1]!);
      if (def === undefined) return error(`unknown boot argument ${quote(token)} (try --help)`);
      if (token.length > 2) inline = token.slice(2);
    } else {
      return error(`unexpected positional argument ${quote(token)} (try --help)`);
    }
    const option = `--${def.name}`;
    if (given.has(def.name)) return error(`${option}: given more than once`);
    let text: string;
    if (def.flag) {
      text = inline ?? "true";
    } else if (inline !== undefined) {
      text = inline;
    } else {
      const next = argv[i + 1];
      // A following option is not taken as the value: `--hello --port=80` means the value was forgotten.
      if (next === undefined || next.startsWith("--")) return error(`${option}: missing value (${option}=${def.docv})`);
      text = next;
      i++;
    }
    const converted = def.convert(text);
    if (!converted.ok) return error(`${option}: ${converted.message}`);
    given.set(def.name, converted.value);
  }

  const values = new Map<string, BootArgValue>();
  for (const s of specs) values.set(s.name, given.has(s.name) ? given.get(s.name) : s.default);
  return {
    kind: "ok",
    values,
    logs: (given.get("logs") as LogSpec | undefined) ?? DEFAULT_LOG_SPEC,
    delaySeconds: (given.get("delay") as number | undefined) ?? 0,
    name: given.get("name") as string | undefined,
  };
}

function usage(def: ArgDef): string {
  const long = def.flag ? `--${def.name}` : `--${def.name}=${def.docv}`;
  const short = def.short === undefined ? "" : `-${def.short} ${def.docv}, `;
  const dflt = def.defaultText === undefined ? "" : ` (default: ${def.defaultText})`;
  return `       ${short}${long}${dflt}\n           ${def.doc}\n`;
}

/** The `--help` text: name, description, every argument (declared, then builtin) with docv, doc and default. */
export function formatHelp(info: HelpInfo, specs: readonly BootArgSpec[]): string {
  const name = escapeControl(info.name);
  let text = `NAME\n       ${name}${info.description ? ` - ${escapeControl(info.description)}` : ""}\n\n`;
  text += `SYNOPSIS\n       ${name} [ARGUMENT]...\n\n`;
  if (specs.length > 0) text += `APPLICATION ARGUMENTS\n${specs.map((s) => usage(defOf(s))).join("")}\n`;
  const builtins = BUILTINS.map((d) => (d.name === "name" ? { ...d, defaultText: quote(info.name) } : d));
  text += `RUNTIME ARGUMENTS\n${builtins.map(usage).join("")}`;
  return text;
}

// --- declarations -----------------------------------------------------------------

const declared = new Map<string, BootArgSpec>();
let parsedValues: ReadonlyMap<string, BootArgValue> | undefined;

/** The arguments declared so far, in declaration order. */
export function declaredBootArgs(): readonly BootArgSpec[] {
  return [...declared.values()];
}

/** Makes parsed values readable through the getters. Called by `boot`. */
export function setBootArgValues(values: ReadonlyMap<string, BootArgValue>): void {
  parsedValues = values;
}

function checkName(name: string): void {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new TypeError(
      `boot argument name must be lowercase letters, digits and '-', starting with a letter or digit, got ${
        typeof name === "string" ? quote(name) : String(name)
      }`,
    );
  }
  if (BUILTIN_NAMES.has(name)) throw new TypeError(`boot argument name ${quote(name)} clashes with the builtin --${name}`);
  if (declared.has(name)) throw new TypeError(`boot argument ${quote(name)} is declared twice`);
}

function checkText(name: string, field: string, value: unknown, optional: boolean): void {
  if (optional && value === undefined) return;
  if (typeof value !== "string") throw new TypeError(`boot argument ${quote(name)}: ${field} must be a string`);
}

function declare<T extends BootArgValue>(spec: BootArgSpec): () => T {
  declared.set(spec.name, spec);
  const name = spec.name;
  return () => {
    if (parsedValues === undefined) {
      throw new Error(`boot argument --${name} read before boot parsed the command line; read it inside start(), not at module top level`);
    }
    if (!parsedValues.has(name)) throw new Error(`boot argument --${name} was declared after boot parsed the command line`);
    return parsedValues.get(name) as T;
  };
}

function checkInt(name: string, field: string, value: unknown): void {
  if (value !== undefined && !Number.isSafeInteger(value)) {
    throw new RangeError(`boot argument ${quote(name)}: ${field} must be an integer, got ${String(value)}`);
  }
}

/** Typed boot argument declarations. Each returns a getter to call once `boot` has parsed argv. */
export const bootArg = {
  string(name: string, opts: { default: string; doc: string; docv?: string }): () => string {
    checkName(name);
    checkText(name, "default", opts?.default, false);
    checkText(name, "doc", opts.doc, false);
    checkText(name, "docv", opts.docv, true);
    return declare<string>({ kind: "string", name, doc: opts.doc, docv: opts.docv ?? "STRING", default: opts.default });
  },

  int(name: string, opts: { default: number; doc: string; docv?: string; min?: number; max?: number }): () => number {
    checkName(name);
    checkText(name, "doc", opts?.doc, false);
    checkText(name, "docv", opts.docv, true);
    checkInt(name, "default", opts.default);
    if (opts.default === undefined) throw new RangeError(`boot argument ${quote(name)}: default must be an integer, got undefined`);
    checkInt(name, "min", opts.min);
    checkInt(name, "max", opts.max);
    const { min, max } = opts;
    if (min !== undefined && max !== undefined && min > max) {
      throw new RangeError(`boot argument ${quote(name)}: min ${min} is greater than max ${max}`);
    }
    if ((min !== undefined && opts.default < min) || (max !== undefined && opts.default > max)) {
      throw new RangeError(`boot argument ${quote(name)}: default ${opts.default} is outside min..max`);
    }
    return declare<number>({ kind: "int", name, doc: opts.doc, docv: opts.docv ?? "INT", default: opts.default, min, max });
  },

  bool(name: string, opts: { doc: string }): () => boolean {
    checkName(name);
    checkText(name, "doc", opts?.doc, false);
    return declare<boolean>({ kind: "bool", name, doc: opts.doc, default: false });
  },

  /**
   * An argument with its own parser, e.g. an address: `parse` returns the value or a
   * message (the boot fails with exit 64 quoting it). Without a given value the getter
   * returns `default`, which may be undefined for an optional argument.
   */
  custom<T>(
    name: string,
    opts: {
      doc: string;
      docv: string;
      default: T;
      defaultText?: string;
      parse(text: string): { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };
    },
  ): () => T {
    checkName(name);
    checkText(name, "doc", opts?.doc, false);
    checkText(name, "docv", opts.docv, false);
    if (typeof opts.parse !== "function") throw new TypeError(`boot argument ${quote(name)}: parse must be a function`);
    const parse = opts.parse.bind(opts);
    return declare<T>({ kind: "custom", name, doc: opts.doc, docv: opts.docv, default: opts.default, defaultText: opts.defaultText, parse });
  },
};
