import { describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/timeout", () => {
  it("lets the quick task finish and times the slow one out, then exits without waiting for it", async () => {
    const r = await runUnikernel(await buildExample("timeout"));
    expect(r.status).toBe(0);
    expect(logMessages(r.stdout)).toEqual(["quick: quick done after 300 ms", "slow: timed out after 1000 ms"]);
    expect(r.ms).toBeLessThan(2900); // the slow task's 3 s sleep does not hold the exit
  });
});
