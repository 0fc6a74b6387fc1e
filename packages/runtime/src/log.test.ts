import { describe, expect, it } from "vitest";
import {
  DEFAULT_LOG_SPEC,
  formatLogLine,
  formatRfc3339,
  levelEnabled,
  makeLog,
  parseLogSpec,
  thresholdFor,
  type LogEnv,
  type LogLevel,
  type LogSpec,
  type LogThreshold,
} from "./log.ts";

function spec(text: string): LogSpec {
  const r = parseLogSpec(text);
  if (!r.ok) throw new Error(r.message);
  return r.spec;
}

describe("parseLogSpec", () => {
  it("defaults to info for every source", () => {
    expect(thresholdFor(DEFAULT_LOG_SPEC, "tcp")).toBe("info");
  });

  it("reads bare levels, *:LEVEL and SRC:LEVEL", () => {
    expect(thresholdFor(spec("debug"), "x")).toBe("debug");
    const s = spec("*:info,tcp:debug");
    expect(thresholdFor(s, "tcp")).toBe("debug");
    expect(thresholdFor(s, "udp")).toBe("info");
    expect(thresholdFor(spec("quiet,dns:warning"), "dns")).toBe("warning");
    expect(thresholdFor(spec("quiet,dns:warning"), "application")).toBe("quiet");
    expect(thresholdFor(spec(" tcp.pcb : DEBUG "), "tcp.pcb")).toBe("debug");
  });

  it("applies entries left to right, * resetting earlier sources", () => {
    expect(thresholdFor(spec("tcp:debug,*:error"), "tcp")).toBe("error");
    expect(thresholdFor(spec("tcp:debug,tcp:app"), "tcp")).toBe("app");
  });

  it("rejects malformed specs with a message quoting the culprit", () => {
    const bad = (text: string) => {
      const r = parseLogSpec(text);
      expect(r.ok).toBe(false);
      return r.ok ? "" : r.message;
    };
    expect(bad("")).toBe("empty log spec");
    expect(bad("verbose")).toBe("unknown log level 'verbose' in 'verbose' (expected quiet, app, error, warning, info or debug)");
    expect(bad("tcp:verbose")).toMatch(/^unknown log level 'verbose' in 'tcp:verbose'/);
    expect(bad("tcp:")).toMatch(/^unknown log level '' in 'tcp:'/);
    expect(bad(":debug")).toBe("missing source name in ':debug'");
    expect(bad("info,,debug")).toBe("empty entry in log spec 'info,,debug'");
    expect(bad("a:b:c")).toMatch(/unknown log level 'b:c'/);
  });
});

describe("levels", () => {
  it("orders quiet < app < error < warning < info < debug", () => {
    const levels: LogLevel[] = ["app", "error", "warning", "info", "debug"];
    const thresholds: LogThreshold[] = ["quiet", ...levels];
    thresholds.forEach((t, ti) => {
      levels.forEach((l, li) => expect(levelEnabled(t, l)).toBe(li + 1 <= ti));
    });
  });
});

describe("formatLogLine", () => {
  const t = Date.UTC(2026, 10, 25, 18, 50, 41, 789);

  it("uses MirageOS's reporter format", () => {
    expect(formatLogLine(t, "info", "application", "hello")).toBe("2026-11-25T18:50:41-00:00: [INFO] [application] hello\n");
    expect(formatLogLine(t, "warning", "tcp", "w")).toBe("2026-11-25T18:50:41-00:00: [WARNING] [tcp] w\n");
    expect(formatLogLine(t, "error", "a", "e")).toContain(" [ERROR] [a] e");
    expect(formatLogLine(t, "debug", "a", "d")).toContain(" [DEBUG] [a] d");
    expect(formatLogLine(t, "app", "a", "x")).toContain(" [APP] [a] x");
  });

  it("formats dates with padding at second precision", () => {
    expect(formatRfc3339(Date.UTC(2001, 0, 2, 3, 4, 5, 999))).toBe("2001-01-02T03:04:05-00:00");
    expect(formatRfc3339(0)).toBe("1970-01-01T00:00:00-00:00");
    expect(formatRfc3339(999.9)).toBe("1970-01-01T00:00:00-00:00");
  });

  it("cannot be made to forge a second line", () => {
    const line = formatLogLine(t, "info", "application", "a\nb\r\n2026-11-25T18:50:41-00:00: [ERROR] [x] y\x1b[31m\x00\x7f\x9b\tz\n");
    expect(line.split("\n")).toHaveLength(2);
    expect(line).toBe(
      "2026-11-25T18:50:41-00:00: [INFO] [application] a\\nb\\r\\n2026-11-25T18:50:41-00:00: [ERROR] [x] y\\x1b[31m\\x00\\x7f\\x9b\tz\n",
    );
    expect(formatLogLine(t, "info", "a", "x\r\n")).toBe("2026-11-25T18:50:41-00:00: [INFO] [a] x\n");
    expect(formatLogLine(t, "info", "a", "x\n\n")).toBe("2026-11-25T18:50:41-00:00: [INFO] [a] x\\n\n");
    expect(formatLogLine(t, "info", "evil\nsrc", "x")).toContain("[evil\\nsrc]");
  });
});

describe("makeLog", () => {
  const capture = (text: string) => {
    const lines: string[] = [];
    const s = spec(text);
    const env: LogEnv = {
      threshold: (source) => thresholdFor(s, source),
      report: (level, source, msg) => lines.push(formatLogLine(0, level, source, msg)),
    };
    return { lines, env };
  };

  it("filters per source", () => {
    const { lines, env } = capture("*:warning,tcp:debug");
    const app = makeLog("application", env);
    const tcp = makeLog("tcp", env);
    expect(app.source).toBe("application");
    app.debug("no");
    app.info("no");
    app.warn("yes1");
    app.error("yes2");
    app.app("yes3");
    tcp.debug("yes4");
    expect(lines.map((l) => l.slice(27))).toEqual([
      "[WARNING] [application] yes1\n",
      "[ERROR] [application] yes2\n",
      "[APP] [application] yes3\n",
      "[DEBUG] [tcp] yes4\n",
    ]);
    expect(app.enabled("info")).toBe(false);
    expect(app.enabled("warning")).toBe(true);
    expect(tcp.enabled("debug")).toBe(true);
  });

  it("reports nothing when quiet", () => {
    const { lines, env } = capture("quiet");
    const l = makeLog("x", env);
    l.app("a");
    l.error("e");
    expect(lines).toEqual([]);
    expect(l.enabled("app")).toBe(false);
  });
});
