// Builds the tenders from C at `npm install` time:
//   src/hvt/*.c + src/common/*.c -> build/mirage-hvt
//   src/spt/*.c + src/common/*.c -> build/mirage-spt (skipped while src/spt has no C yet)
// Only Linux/x86_64 can run them; elsewhere (or without gcc) this prints why and
// exits 0 so `npm install` still succeeds. Run by hand: node scripts/build.mjs
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const strict = process.argv.includes("--strict"); // tests: fail loudly instead of skipping
const cc = process.env.CC ?? "gcc";
const flags = ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-g"];

function skip(reason) {
  console.error(`@mirage-ts/tender: not building the tenders: ${reason}`);
  process.exit(strict ? 1 : 0);
}

if (process.platform !== "linux" || process.arch !== "x64") skip(`they need Linux on x86_64 (this is ${process.platform}/${process.arch})`);
const probe = spawnSync(cc, ["--version"], { encoding: "utf8" });
if (probe.error || probe.status !== 0) skip(`no C compiler (${cc}); install gcc (apt-get install gcc) and run: node ${join(root, "scripts/build.mjs")}`);

const cFiles = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".c")).sort().map((f) => join(dir, f)) : []);
const headers = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".h")).map((f) => join(dir, f)) : []);
const mtime = (f) => statSync(f).mtimeMs;

const buildDir = join(root, "build");
mkdirSync(buildDir, { recursive: true });
const common = join(root, "src/common");
let failed = false;

for (const tender of ["hvt", "spt"]) {
  const dir = join(root, "src", tender);
  const sources = [...cFiles(dir), ...cFiles(common)];
  if (cFiles(dir).length === 0) {
    console.error(`@mirage-ts/tender: src/${tender} has no C sources yet; skipping mirage-${tender}`);
    continue;
  }
  const out = join(buildDir, `mirage-${tender}`);
  const inputs = [...sources, ...headers(dir), ...headers(common), ...headers(join(root, "include"))];
  if (existsSync(out) && inputs.every((f) => mtime(f) <= mtime(out))) continue; // up to date
  const args = [...flags, "-I", join(root, "include"), "-I", common, "-I", dir, "-o", out, ...sources];
  const r = spawnSync(cc, args, { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`@mirage-ts/tender: building mirage-${tender} failed (${cc} exit ${r.status ?? r.signal})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
