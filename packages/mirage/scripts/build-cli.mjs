// Bundles the mirage command (src/cli) into build/cli.js; run by `npm install`
// (the root's prepare script) and again by bin/mirage.js whenever a source is newer.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: ["src/cli/main.ts"],
  outfile: "build/cli.js",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
