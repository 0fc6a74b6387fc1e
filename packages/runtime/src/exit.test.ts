import { describe, expect, it } from "vitest";
import { EXIT, exit } from "./exit.ts";

describe("exit", () => {
  it("uses MirageOS's codes", () => {
    expect(EXIT).toEqual({ OK: 0, FAILURE: 1, DEVICE: 2, HELP: 63, BAD_ARGUMENT: 64 });
  });

  it("refuses codes a process cannot return, before touching the host", () => {
    for (const bad of [-1, 256, 1.5, Number.NaN]) expect(() => exit(bad)).toThrow(RangeError);
    expect(() => exit(300)).toThrow("exit: code must be an integer in 0..255, got 300");
  });
});
