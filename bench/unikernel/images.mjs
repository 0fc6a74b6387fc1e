/**
 * What bench/unikernel runs: the examples built for hvt, spt and unix (each in its
 * own copy inside the repository, where "@mirage-ts/..." imports resolve, so a test
 * building examples/* meanwhile cannot clash), the static C hello that is the floor
 * for start time and size, and a C guest per tender that is the tenders' own floor.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "../net/netns.mjs";
import { buildExample } from "../services/servers.mjs";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));
const TENDER = join(REPO, "packages", "tender");

/** The tender binaries themselves (bin/mirage-hvt is a sh wrapper that execs them, as npx does). */
export const tender = (target) => join(process.env.MIRAGE_TENDER_BUILD ?? join(TENDER, "build"), `mirage-${target}`);
/** What `npx mirage-hvt` runs: the sh wrapper in packages/tender/bin. */
export const launcher = (target) => join(TENDER, "bin", `mirage-${target}`);

/** Builds examples/NAME for `target` under `work`; returns dist/NAME or dist/NAME.TARGET. */
export function buildFor(work, name, target, configureArgs = [], data = undefined) {
  return buildExample(REPO, work, name, configureArgs, data, target);
}

async function gcc(args) {
  const r = await run("gcc", args, { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(`gcc ${args.join(" ")} failed:\n${r.stderr}`);
}

/** The floor: printf("hello\n") in a static, -O2 C program (glibc), nothing else. */
export async function buildStaticC(work) {
  const src = join(work, "hello.c");
  writeFileSync(src, '#include <stdio.h>\nint main(void) { printf("hello\\n"); return 0; }\n');
  const out = join(work, "hello-static");
  await gcc(["-static", "-O2", "-o", out, src]);
  return out;
}

/** The C guest of c-guest.c for `target`, linked as the tender tests link theirs. */
export async function buildCGuest(work, target) {
  const out = join(work, `c-guest.${target}`);
  const include = ["-I", join(TENDER, "include"), "-I", join(REPO, "packages", "guest", "src")];
  const common = ["-O2", "-ffreestanding", "-nostdlib", "-static", "-fno-pic", "-no-pie", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
    "-Wall", "-Wextra", "-Werror", "-Wl,--build-id=none", ...include];
  if (target === "hvt") {
    const dir = join(TENDER, "test", "guests");
    await gcc([...common, "-I", dir, "-T", join(dir, "guest.ld"), "-o", out, join(dir, "guest.c"), join(HERE, "c-guest.c")]);
  } else {
    const dir = join(TENDER, "test", "spt-guests");
    await gcc([...common, "-fno-builtin", "-DBENCH_SPT", "-I", dir, `-Wl,-T,${join(dir, "guest.ld")}`, "-Wl,-z,noexecstack", "-Wl,-z,max-page-size=4096",
      "-o", out, join(dir, "crt.c"), join(HERE, "c-guest.c"), join(REPO, "packages", "guest", "src", "platform-spt.c")]);
  }
  return out;
}

export const fileBytes = (path) => statSync(path).size;

/** Bytes of QuickJS bytecode linked into an image (mirage_app_bytecode_len's symbol span), or NaN. */
export function bytecodeBytes(image) {
  try {
    const syms = execFileSync("nm", [image], { encoding: "utf8" });
    const at = (name) => parseInt(new RegExp(`^([0-9a-f]+) \\w ${name}$`, "m").exec(syms)?.[1] ?? "", 16);
    return at("mirage_app_bytecode_end") - at("mirage_app_bytecode");
  } catch {
    return NaN;
  }
}

/** Bytes of a unix bundle's JavaScript without the inline source map esbuild appends to it. */
export function bundleCodeBytes(bundle) {
  const text = readFileSync(bundle);
  const at = text.lastIndexOf("\n//# sourceMappingURL=data:");
  return at < 0 ? text.length : at + 1;
}
