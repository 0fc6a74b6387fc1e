/**
 * Summarises a V8 .cpuprofile (from node --cpu-prof) as the functions with the most
 * self time: enough for a one-line hint of where a unikernel's time goes.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

/** [{ name, share }] for the `top` functions by self samples, share in 0..1. */
export function topSelf(file, top = 8) {
  const profile = JSON.parse(readFileSync(file, "utf8"));
  const byName = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const f = node.callFrame;
    const where = f.url ? ` ${basename(f.url)}:${f.lineNumber + 1}` : "";
    const name = `${f.functionName || "(anonymous)"}${where}`;
    byName.set(name, (byName.get(name) ?? 0) + (node.hitCount ?? 0));
    total += node.hitCount ?? 0;
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, hits]) => ({ name, share: total ? hits / total : 0 }));
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  for (const { name, share } of topSelf(process.argv[2], Number(process.argv[3] ?? 15))) {
    console.log(`${(share * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
}
