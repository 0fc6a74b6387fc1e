// Runs the whole suite with vitest and ends with one plain summary line,
// "N passed, N failed, N skipped", that CI and people can read at a glance.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const results = `${root}.vitest-results.json`;
rmSync(results, { force: true });
const vitest = spawnSync(
  process.execPath,
  [`${root}node_modules/vitest/vitest.mjs`, "run", "--reporter=default", "--reporter=json", `--outputFile.json=${results}`, ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);
let summary = "no test results were written";
try {
  const r = JSON.parse(readFileSync(results, "utf8"));
  summary = `tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`;
} catch {}
console.log(`\n${summary}`);
process.exit(vitest.status ?? 1);
