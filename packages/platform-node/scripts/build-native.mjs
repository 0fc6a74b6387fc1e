// Builds the tap addon (native/tap.c -> native/build/Release/mirage_tap.node) with the
// node-gyp that ships inside npm, against the headers of the Node.js that runs this
// script, so nothing is downloaded. Run by the repository's `prepare` script (npm ci,
// npm install); skipped with a note off Linux, since tap devices are Linux-only here.
// A failed build does not fail the install: tapNetwork then explains what is missing.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const native = fileURLToPath(new URL("../native/", import.meta.url));
const output = join(native, "build/Release/mirage_tap.node");
const note = (msg) => process.stderr.write(`build-native: ${msg}\n`);

if (process.platform !== "linux") {
  note(`skipped on ${process.platform}: the tap device is Linux-only`);
  process.exit(0);
}
const source = join(native, "tap.c");
if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs && !process.argv.includes("--force")) {
  process.exit(0);
}

// Headers: Node's own install (prefix/include/node) when it has them, else whatever
// npm is configured with (npm_config_nodedir), else node-gyp's cache.
const prefix = dirname(dirname(process.execPath));
const nodedir = existsSync(join(prefix, "include/node/node_api.h")) ? prefix : process.env.npm_config_nodedir;

function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  const npmCli = process.env.npm_execpath; // set when run by npm: .../npm/bin/npm-cli.js
  if (npmCli) candidates.push(join(dirname(dirname(npmCli)), "node_modules/node-gyp/bin/node-gyp.js"));
  candidates.push(join(prefix, "lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"));
  return candidates.find((c) => c && existsSync(c));
}

const gyp = findNodeGyp();
if (gyp === undefined) {
  note("node-gyp not found (it ships with npm); the tap device will be unavailable");
  process.exit(0);
}
const args = [gyp, "rebuild", "--directory", native, ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
if (r.status !== 0) {
  process.stderr.write(r.stdout + r.stderr);
  note("building the tap addon failed (needs python3, make and a C compiler); the tap device will be unavailable");
  process.exit(process.argv.includes("--strict") ? 1 : 0);
}
note(`built ${output}`);
