#!/usr/bin/env node
// The `mirage` command. Its TypeScript sources are bundled once into build/cli.js,
// and again whenever one of them is newer than the bundle.
import { existsSync, readdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../build/cli.js", import.meta.url));
const src = fileURLToPath(new URL("../src", import.meta.url));

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(cli) || statSync(cli).mtimeMs < newest(src)) {
  await import("../scripts/build-cli.mjs");
}
process.setSourceMapsEnabled(true);
await import(cli);
