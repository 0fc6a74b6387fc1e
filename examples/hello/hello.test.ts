import { describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/hello", () => {
  it("prints hello four times, a second apart, then exits 0, from any directory", async () => {
    const r = await runUnikernel(await buildExample("hello"), [], "/tmp");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(logMessages(r.stdout)).toEqual(["hello", "hello", "hello", "hello"]);
    expect(r.ms).toBeGreaterThanOrEqual(3900); // four sleeps of one second
  });
});
