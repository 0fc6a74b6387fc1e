import { describe, expect, it } from "vitest";
import { buildExample, logMessages, runUnikernel } from "../../test/support/example.ts";

describe("examples/heads", () => {
  it("joins two sleeps: Heads, Tails, Finished", async () => {
    const r = await runUnikernel(await buildExample("heads"));
    expect(r.status).toBe(0);
    expect(logMessages(r.stdout)).toEqual(["Heads", "Tails", "Finished"]);
    expect(r.ms).toBeGreaterThanOrEqual(1950); // joined, so as long as the longer sleep
    expect(r.ms).toBeLessThan(2950); // but not one after the other
  });
});
