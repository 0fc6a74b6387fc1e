/**
 * `mirage run`'s arguments as typed, `--` included, -f FILE left out. Commander drops
 * a `--` that comes first, but on hvt/spt it separates tender options from boot
 * arguments, so the raw command line is read instead.
 */
export function runArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  let i = argv.indexOf("run") + 1;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") return [...out, ...argv.slice(i)];
    if (a === "-f" || a === "--file") i++;
    else if (!a.startsWith("--file=")) out.push(a);
  }
  return out;
}
