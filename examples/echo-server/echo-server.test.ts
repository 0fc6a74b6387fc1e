import { describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/echo-server", () => {
  it("echoes --count random strings, different on every boot", async () => {
    const bin = await buildExample("echo-server");
    const runs = await Promise.all([runUnikernel(bin, ["--count=6"]), runUnikernel(bin, ["--count=6"])]);
    const echoed = runs.map((r) => {
      expect(r.status).toBe(0);
      const msgs = logMessages(r.stdout);
      expect(msgs).toHaveLength(6);
      for (const m of msgs) expect(m).toMatch(/^echo: [0-9a-f]{16}$/);
      return msgs;
    });
    expect(new Set(echoed.flat()).size).toBe(12); // 64-bit strings from a seeded CSPRNG do not repeat
  });

  it("refuses a --count out of range", async () => {
    const r = await runUnikernel(await buildExample("echo-server"), ["--count=0"]);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("--count");
  });
});
