/**
 * Issue 5, part 8: every foundation example, unchanged, gives the same output on hvt
 * and spt as on unix. Each example is built for unix and for the unikernel target
 * from scratch copies (examples/*.test.ts build in place), both run with the same
 * boot arguments, and their exit status, stdout and stderr are compared after
 * blanking what differs between any two runs (times, random strings).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUnikernel, runUnikernel, scratchCopy } from "../support/example.ts";
import { buildImage, canRunUnikernel, runImage, type UnikernelTarget } from "../support/tender.ts";
import { normalise } from "./support.ts";

interface Case {
  readonly example: string;
  /** Boot-argument lists to run with; each run is compared. */
  readonly runs: readonly (readonly string[])[];
  /** Needs a 1 MiB disk: disk.img in the working directory on unix, --block:disk=FILE on hvt/spt. */
  readonly disk?: boolean;
}

const CASES: readonly Case[] = [
  { example: "noop", runs: [[], ["--delay=1"]] },
  { example: "hello", runs: [[]] },
  { example: "hello-key", runs: [["--hello=Bonjour !"], ["--help"], ["--helo=x"], ["stray"]] },
  { example: "heads", runs: [[]] },
  { example: "timeout", runs: [[]] },
  { example: "echo-server", runs: [["--count=3"], ["--count=0"]] },
  { example: "clock", runs: [["--ticks=2"]] },
  { example: "kv-ro", runs: [[]] },
  { example: "block", runs: [[]], disk: true },
];

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

/** dist/NAME for unix, built once per example and shared by both targets' comparisons. */
const unixBuilds = new Map<string, Promise<string>>();
function unixBuild(example: string): Promise<string> {
  let p = unixBuilds.get(example);
  if (!p) {
    const copy = scratchCopy(example, "unix");
    cleanups.push(copy.cleanup);
    p = buildUnikernel(copy.dir, example);
    unixBuilds.set(example, p);
  }
  return p;
}

function freshDisk(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "uk-disk-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "disk.img");
  writeFileSync(file, new Uint8Array(1 << 20));
  return { dir, file };
}

for (const target of ["hvt", "spt"] as const satisfies readonly UnikernelTarget[]) {
  const available = canRunUnikernel(target);
  if (!available.ok) console.warn(`skipping the examples on ${target}: ${available.reason}`);

  describe.skipIf(!available.ok)(`the foundation examples on ${target} give the same output as on unix`, () => {
    const images = new Map<string, string>();
    beforeAll(async () => {
      // One at a time: the first build compiles the guest runtime, the others reuse it.
      for (const c of CASES) {
        const copy = scratchCopy(c.example, target);
        cleanups.push(copy.cleanup);
        images.set(c.example, await buildImage(copy.dir, target));
      }
    }, 1_800_000);

    for (const c of CASES) {
      it(`${c.example}`, async () => {
        const unix = await unixBuild(c.example);
        const image = images.get(c.example)!;
        for (const args of c.runs) {
          const label = `${c.example} ${args.join(" ")}`;
          const unixDisk = c.disk ? freshDisk() : undefined;
          const ukDisk = c.disk ? freshDisk() : undefined;
          const [want, got] = await Promise.all([
            runUnikernel(unix, args, unixDisk?.dir ?? "/"),
            runImage(target, image, { args, tender: ukDisk ? [`--block:disk=${ukDisk.file}`] : [] }),
          ]);
          expect({ status: got.status, stdout: normalise(got.stdout), stderr: normalise(got.stderr) }, label).toEqual({
            status: want.status,
            stdout: normalise(want.stdout),
            stderr: normalise(want.stderr),
          });
          // Timing is behaviour too: sleeps last as long on both. The margin covers Node's
          // start-up (the unix run's) and scheduling noise on a loaded machine.
          expect(Math.abs(got.ms - want.ms), `${label}: ${got.ms} ms on ${target}, ${want.ms} ms on unix`).toBeLessThan(1500);
        }
      }, 120_000);
    }

    it("the tender refuses to start without an attached device the image declares", async () => {
      const r = await runImage(target, images.get("block")!);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/disk/);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    });
  });
}
