import { beforeAll, describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/hello-key", () => {
  let bin = "";
  beforeAll(async () => {
    bin = await buildExample("hello-key");
  });

  it("says the default greeting four times", async () => {
    const r = await runUnikernel(bin);
    expect(r.status).toBe(0);
    expect(logMessages(r.stdout)).toEqual(Array(4).fill("Hello World!"));
  });

  it("takes --hello=VALUE and --hello VALUE", async () => {
    for (const args of [["--hello=Bonjour !"], ["--hello", "Hej"]]) {
      const r = await runUnikernel(bin, args);
      expect(r.status).toBe(0);
      expect(logMessages(r.stdout)).toEqual(Array(4).fill(args.length === 1 ? "Bonjour !" : "Hej"));
    }
  });

  it("lists its boot arguments with --help and exits 63", async () => {
    const r = await runUnikernel(bin, ["--help"]);
    expect(r.status).toBe(63);
    expect(r.stdout).toMatch(/--hello[= ]GREETING/);
    expect(r.stdout).toContain("How to say hello.");
    expect(r.stdout).toContain("Hello World!");
    for (const builtin of ["--logs", "--delay", "--name", "--help"]) expect(r.stdout).toContain(builtin);
  });

  it("rejects unknown, malformed and positional boot arguments with one line and exit 64", async () => {
    for (const args of [["--helo=x"], ["--hello"], ["stray"], ["--delay=soon"], ["-l", "*:loud"]]) {
      const r = await runUnikernel(bin, args);
      expect(r.status, args.join(" ")).toBe(64);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stderr).toMatch(/^hello-key: /);
      expect(r.stdout).toBe("");
    }
  });

  it("silences logs with -l quiet, or only the application's with -l application:quiet", async () => {
    for (const spec of ["quiet", "application:quiet"]) {
      const quiet = await runUnikernel(bin, ["-l", spec]);
      expect(quiet.status).toBe(0);
      expect(quiet.stdout).toBe("");
    }
  });
});
