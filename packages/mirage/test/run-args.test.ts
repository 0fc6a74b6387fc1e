import { describe, expect, it } from "vitest";
import { splitRunArgs } from "../src/build/tender.ts";
import { runArgs } from "../src/cli/run-args.ts";
import { CliError } from "../src/cli/errors.ts";

describe("mirage run's arguments", () => {
  it("keeps what follows `run` as typed, `--` included, without -f FILE", () => {
    expect(runArgs(["run", "--mem=64", "--net:service=tap0", "--", "--ipv4=10.0.0.2/24"])).toEqual(["--mem=64", "--net:service=tap0", "--", "--ipv4=10.0.0.2/24"]);
    expect(runArgs(["run", "-f", "x/config.ts", "--", "-f", "guest"])).toEqual(["--", "-f", "guest"]);
    expect(runArgs(["run", "--file=x/config.ts", "--mem=8"])).toEqual(["--mem=8"]);
    expect(runArgs(["run"])).toEqual([]);
  });

  it("splits tender options (before --) from boot arguments (after it) on hvt/spt", () => {
    expect(splitRunArgs(["--mem=64", "--net:service=tap0", "--net-mac:service=02:00:00:00:00:01", "--block:disk=d.img", "--", "--ipv4=10.0.0.2/24", "--"])).toEqual({
      tender: ["--mem=64", "--net:service=tap0", "--net-mac:service=02:00:00:00:00:01", "--block:disk=d.img"],
      guest: ["--ipv4=10.0.0.2/24", "--"],
    });
    expect(splitRunArgs([])).toEqual({ tender: [], guest: [] });
    expect(splitRunArgs(["--", "--mem=64"])).toEqual({ tender: [], guest: ["--mem=64"] });
  });

  it("refuses anything else before --, pointing at where boot arguments go", () => {
    for (const bad of [["--ipv4=10.0.0.2/24"], ["image.hvt"], ["--mem", "64"]]) {
      expect(() => splitRunArgs(bad)).toThrow(CliError);
      expect(() => splitRunArgs(bad)).toThrow(/before --: tender options are .* boot arguments go after --/);
    }
  });
});
