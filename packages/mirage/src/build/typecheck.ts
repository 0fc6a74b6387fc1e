import { dirname, relative } from "node:path";
import ts from "typescript";

/** How a path reads in messages: relative to where the user ran mirage, if that is shorter. */
export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  if (rel === "") return ".";
  return rel.startsWith("../../") ? file : rel;
}

/**
 * Type-checks `roots` and what they import under the repository's strict options, and
 * returns one "file:line:col: error TSnnnn: message" line per problem (empty if none).
 * `types: []` is the pure environment of DESIGN.md section 1; ["node"] adds Node's.
 */
export function typecheck(roots: readonly string[], types: readonly string[]): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts"],
    types: [...types],
    strict: true,
    noEmit: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    allowImportingTsExtensions: true,
    noFallthroughCasesInSwitch: true,
    skipLibCheck: true,
  };
  const host = ts.createCompilerHost(options);
  // @types are looked up from the unikernel's folder upwards, as tsc would from there.
  host.getCurrentDirectory = () => dirname(roots[0]!);
  const program = ts.createProgram({ rootNames: [...roots], options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) return `error TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${displayPath(d.file.fileName)}:${line + 1}:${character + 1}: error TS${d.code}: ${text}`;
  });
}
