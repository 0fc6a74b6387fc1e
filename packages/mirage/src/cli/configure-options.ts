import { CliError } from "./errors.ts";

/**
 * Reads the config's own options (`--kv-ro=direct` or `--kv-ro direct`) from the
 * arguments the CLI did not recognise. Whether each exists is checked against the
 * graph later, where the config's declared options are known.
 */
export function parseConfigureOptions(args: readonly string[]): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!m) throw new CliError(`unexpected argument '${arg}' (configure options look like --name=value)`);
    const value = m[2] ?? args[++i];
    if (value === undefined || value === "") throw new CliError(`option --${m[1]} needs a value`);
    options[m[1]!] = value;
  }
  return options;
}
