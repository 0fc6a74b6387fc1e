import { describe, expect, it } from "vitest";
import { buildExample, runUnikernel } from "../../test/support/example.ts";

describe("examples/noop", () => {
  it("starts, prints nothing and exits 0", async () => {
    const r = await runUnikernel(await buildExample("noop"));
    expect(r).toMatchObject({ status: 0, stdout: "", stderr: "" });
  });

  it("waits --delay seconds before starting", async () => {
    const r = await runUnikernel(await buildExample("noop"), ["--delay=1"]);
    expect(r.status).toBe(0);
    expect(r.ms).toBeGreaterThanOrEqual(950);
  });
});
