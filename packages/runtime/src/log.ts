/**
 * Logs with sources and levels, after OCaml's Logs as MirageOS uses it: each library
 * logs through its own source ("tcp", "dns", "application"), the `-l` boot argument
 * sets a level per source (`*:info,tcp:debug`), and the reporter prints one line per
 * message in MirageOS's format: `2026-11-25T18:50:41-00:00: [INFO] [tcp] message`.
 *
 * The pure parts (spec parsing, filtering, formatting) take their inputs explicitly so
 * they test without a host; `createLog` binds them to the host console and clock.
 */
import { host } from "@mirage-ts/host";
import { escapeControl, quote } from "./escape.ts";

/** The level of a message, most to least important. */
export type LogLevel = "app" | "error" | "warning" | "info" | "debug";
/** The level a source reports at: every message at that level or more important. `quiet` reports nothing. */
export type LogThreshold = LogLevel | "quiet";

/** A source's logger. Messages below the source's threshold cost one comparison. */
export interface Log {
  /** Messages the application always wants shown (Logs' `App` level, shown unless quiet). */
  app(msg: string): void;
  error(msg: string): void;
  warn(msg: string): void;
  info(msg: string): void;
  debug(msg: string): void;
  /** Whether a message at `level` would be reported; use it to skip building costly messages. */
  enabled(level: LogLevel): boolean;
  readonly source: string;
}

/** Per-source thresholds parsed from a `-l` spec. */
export interface LogSpec {
  readonly defaultThreshold: LogThreshold;
  readonly sources: ReadonlyMap<string, LogThreshold>;
}

export const DEFAULT_LOG_SPEC: LogSpec = { defaultThreshold: "info", sources: new Map() };

const RANK: Readonly<Record<LogThreshold, number>> = { quiet: 0, app: 1, error: 2, warning: 3, info: 4, debug: 5 };
const HEADER: Readonly<Record<LogLevel, string>> = {
  app: "APP",
  error: "ERROR",
  warning: "WARNING",
  info: "INFO",
  debug: "DEBUG",
};

function isThreshold(text: string): text is LogThreshold {
  return Object.prototype.hasOwnProperty.call(RANK, text);
}

export type LogSpecResult = { readonly ok: true; readonly spec: LogSpec } | { readonly ok: false; readonly message: string };

/**
 * Parses a Logs-style spec: comma-separated `LEVEL` or `SRC:LEVEL` entries, where a
 * bare `LEVEL` or `*:LEVEL` sets every source. Entries apply left to right, so
 * `tcp:debug,*:info` ends with tcp at info, as Mirage_runtime does.
 */
export function parseLogSpec(text: string): LogSpecResult {
  if (text.trim() === "") return { ok: false, message: "empty log spec" };
  let defaultThreshold: LogThreshold = DEFAULT_LOG_SPEC.defaultThreshold;
  const sources = new Map<string, LogThreshold>();
  for (const raw of text.split(",")) {
    const entry = raw.trim();
    if (entry === "") return { ok: false, message: `empty entry in log spec ${quote(text)}` };
    const colon = entry.indexOf(":");
    const source = colon < 0 ? "*" : entry.slice(0, colon).trim();
    const levelText = (colon < 0 ? entry : entry.slice(colon + 1)).trim().toLowerCase();
    if (source === "") return { ok: false, message: `missing source name in ${quote(entry)}` };
    if (!isThreshold(levelText)) {
      return {
        ok: false,
        message: `unknown log level ${quote(levelText)} in ${quote(entry)} (expected quiet, app, error, warning, info or debug)`,
      };
    }
    if (source === "*") {
      defaultThreshold = levelText;
      sources.clear();
    } else {
      sources.set(source, levelText);
    }
  }
  return { ok: true, spec: { defaultThreshold, sources } };
}

/** The threshold `source` reports at under `spec`. */
export function thresholdFor(spec: LogSpec, source: string): LogThreshold {
  return spec.sources.get(source) ?? spec.defaultThreshold;
}

/** Whether a message at `level` passes `threshold`. */
export function levelEnabled(threshold: LogThreshold, level: LogLevel): boolean {
  return RANK[level] <= RANK[threshold];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** RFC 3339 at second precision with the "unknown local offset" `-00:00`, like Ptime.pp_rfc3339. */
export function formatRfc3339(wallMs: number): string {
  const d = new Date(Math.floor(wallMs));
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}-00:00`
  );
}

/**
 * One reporter line, newline included. A single trailing newline in `msg` is dropped
 * (callers often add one); any other control character is escaped so a message can
 * never forge a second log line.
 */
export function formatLogLine(wallMs: number, level: LogLevel, source: string, msg: string): string {
  const body = msg.endsWith("\r\n") ? msg.slice(0, -2) : msg.endsWith("\n") ? msg.slice(0, -1) : msg;
  return `${formatRfc3339(wallMs)}: [${HEADER[level]}] [${escapeControl(source)}] ${escapeControl(body)}\n`;
}

/** Where a logger gets its threshold and sends its lines; injected in tests. */
export interface LogEnv {
  threshold(source: string): LogThreshold;
  report(level: LogLevel, source: string, msg: string): void;
}

/** A logger for `source` over an explicit environment. */
export function makeLog(source: string, env: LogEnv): Log {
  const emit = (level: LogLevel, msg: string): void => {
    if (levelEnabled(env.threshold(source), level)) env.report(level, source, msg);
  };
  return {
    source,
    app: (msg) => emit("app", msg),
    error: (msg) => emit("error", msg),
    warn: (msg) => emit("warning", msg),
    info: (msg) => emit("info", msg),
    debug: (msg) => emit("debug", msg),
    enabled: (level) => levelEnabled(env.threshold(source), level),
  };
}

// The spec is process-wide, like Logs' levels: `boot` installs the one from `-l`.
let currentSpec: LogSpec = DEFAULT_LOG_SPEC;

/** Installs the thresholds every logger made by `createLog` follows. Called by `boot`. */
export function setLogSpec(spec: LogSpec): void {
  currentSpec = spec;
}

const hostEnv: LogEnv = {
  threshold: (source) => thresholdFor(currentSpec, source),
  // The host is only touched when a line is actually reported, so loggers can be
  // created at module top level before anything is bound or booted.
  report: (level, source, msg) => host.consoleWrite(1, formatLogLine(host.wallClockMs(), level, source, msg)),
};

/** A logger for `source`, reporting to standard output at the levels `-l` selects. */
export function createLog(source: string): Log {
  if (typeof source !== "string" || source === "") {
    throw new TypeError(`log source must be a non-empty string, got ${typeof source === "string" ? quote(source) : String(source)}`);
  }
  return makeLog(source, hostEnv);
}

/** The application's own logger (source "application"). */
export const log: Log = createLog("application");
