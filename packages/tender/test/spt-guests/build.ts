/**
 * Builds what the spt tests run: the tender from src/spt + src/common (or reuses
 * packages/tender/build/mirage-spt when it is newer than those sources) and the C test guests in this folder, linked
 * with the real guest platform layer packages/guest/src/platform-spt.c.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../../../../test/support/run.ts";

export const TENDER = fileURLToPath(new URL("../..", import.meta.url));
const GUESTS = fileURLToPath(new URL(".", import.meta.url));
export const PLATFORM_SPT = fileURLToPath(new URL("../../../guest/src/platform-spt.c", import.meta.url));
const INCLUDE = join(TENDER, "include");

/** The flags build.mjs should use too: PIE, so the guest's fixed addresses stay free. */
export const TENDER_CFLAGS = ["-O2", "-g", "-Wall", "-Wextra", "-Werror", "-fPIE", "-pie", `-I${INCLUDE}`, `-I${join(TENDER, "src/common")}`];

const GUEST_CFLAGS = [
  "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-fno-builtin", "-fno-pic", "-fno-stack-protector",
  "-nostdlib", "-static", "-no-pie", `-I${INCLUDE}`, `-I${join(TENDER, "../guest/src")}`,
  `-Wl,-T,${join(GUESTS, "guest.ld")}`, "-Wl,--build-id=none", "-Wl,-z,noexecstack", "-Wl,-z,max-page-size=4096",
];

function newestMtime(files: string[]): number {
  return Math.max(...files.map((f) => statSync(f).mtimeMs));
}

async function gcc(args: string[]): Promise<void> {
  const r = await run("gcc", args, { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`gcc ${args.join(" ")} failed:\n${r.stderr}`);
}

/** Path of a mirage-spt built from the current sources. */
export async function sptTender(outDir: string): Promise<string> {
  const srcDir = join(TENDER, "src/spt");
  const sources = readdirSync(srcDir).filter((f) => f.endsWith(".c")).map((f) => join(srcDir, f));
  const installed = join(TENDER, "build/mirage-spt");
  const common = join(TENDER, "src/common");
  const commonSources = readdirSync(common).filter((f) => f.endsWith(".c")).map((f) => join(common, f));
  const inputs = [srcDir, common].flatMap((d) => readdirSync(d).map((f) => join(d, f))).concat(join(INCLUDE, "mirage_abi.h"));
  if (existsSync(installed) && statSync(installed).mtimeMs >= newestMtime(inputs)) return installed;
  const out = join(outDir, "mirage-spt");
  await gcc([...TENDER_CFLAGS, ...sources, ...commonSources, "-o", out]);
  return out;
}

/** Builds test guest NAME (NAME.c + crt.c + platform-spt.c) with extra -D defines. */
export async function sptGuest(outDir: string, name: string, defines: string[] = [], outName = `${name}.spt`): Promise<string> {
  const out = join(outDir, outName);
  await gcc([...GUEST_CFLAGS, ...defines.map((d) => `-D${d}`), join(GUESTS, "crt.c"), join(GUESTS, `${name}.c`), PLATFORM_SPT, "-o", out]);
  return out;
}
