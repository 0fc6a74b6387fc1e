import { CliError } from "../cli/errors.ts";

interface EsbuildFailure {
  errors?: { text: string; location?: { file: string; line: number; column: number } | null }[];
}

/** Turns an esbuild failure into a CliError with one "file:line:col: error: text" line per message. */
export function esbuildFailure(what: string): (e: EsbuildFailure) => never {
  return (e) => {
    const lines = (e.errors ?? []).map((m) =>
      m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: error: ${m.text}` : `error: ${m.text}`,
    );
    throw new CliError(`${what}:\n${lines.join("\n") || String(e)}`);
  };
}
