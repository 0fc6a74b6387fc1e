import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { CliError } from "../cli/errors.ts";

/**
 * The launcher of an hvt or spt image: @mirage-ts/tender's bin/mirage-hvt (or -spt),
 * a wrapper that runs the C tender from its build/ folder and says how to build it
 * when it is missing. Looked up from the unikernel's folder, then from this tool;
 * $MIRAGE_TENDER_BUILD, if set, names a folder of tender binaries to use instead.
 */
export function tenderPath(target: "hvt" | "spt", dir: string): string {
  // For work on the tenders themselves: a folder with freshly built binaries.
  const override = process.env["MIRAGE_TENDER_BUILD"];
  if (override) {
    const bin = join(override, `mirage-${target}`);
    if (!existsSync(bin)) throw new CliError(`MIRAGE_TENDER_BUILD is set but ${bin} does not exist`);
    return bin;
  }
  for (const from of [join(dir, "package.json"), import.meta.url]) {
    try {
      const pkg = createRequire(from).resolve("@mirage-ts/tender/package.json");
      const bin = join(dirname(pkg), "bin", `mirage-${target}`);
      if (existsSync(bin)) return bin;
    } catch {
      // not reachable from there; try the next place
    }
  }
  throw new CliError(`cannot find the ${target} tender (@mirage-ts/tender, bin/mirage-${target}): is it installed next to @mirage-ts/mirage?`);
}

/** Tender options `mirage run` passes through (before `--`); the tender itself checks their values. */
export const TENDER_OPTION = /^--(?:mem=|net:|net-mac:|block:)/;

/**
 * Splits `mirage run`'s arguments for a unikernel target: tender options before
 * `--`, the guest's boot arguments after it. Anything else before `--` is a mistake
 * worth a clear message (most likely a boot argument missing its `--`).
 */
export function splitRunArgs(args: readonly string[]): { tender: string[]; guest: string[] } {
  const dash = args.indexOf("--");
  const before = dash === -1 ? args : args.slice(0, dash);
  const guest = dash === -1 ? [] : args.slice(dash + 1);
  const tender: string[] = [];
  for (const a of before) {
    if (!TENDER_OPTION.test(a)) {
      throw new CliError(
        `unexpected argument '${a}' before --: tender options are --mem=MiB, --net:NAME=TAP, --net-mac:NAME=MAC, --block:NAME=FILE; ` +
          "boot arguments go after --, e.g. mirage run --net:service=tap0 -- --ipv4=10.0.0.2/24",
      );
    }
    tender.push(a);
  }
  return { tender, guest };
}
