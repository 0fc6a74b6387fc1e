import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { REPO } from "./support/run.ts";

// DESIGN.md section 1: only platform packages and build-time tooling may touch the host.
const HOST_SIDE = new Set(["platform-node", "mirage", "guest", "tender"]);
const PURE_INSIDE_TOOL = "packages/mirage/src/dsl";

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" || e.name === "mirage" || e.name === "dist" ? [] : tsFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

function pureFiles(): string[] {
  const packages = readdirSync(join(REPO, "packages")).filter((p) => !HOST_SIDE.has(p));
  return [
    ...packages.flatMap((p) => tsFiles(join(REPO, "packages", p, "src"))),
    ...tsFiles(join(REPO, PURE_INSIDE_TOOL)),
    ...readdirSync(join(REPO, "examples")).flatMap((e) => tsFiles(join(REPO, "examples", e))),
  ];
}

// Host globals that are not ECMAScript; the compiler check below catches uses, this names them.
const HOST_GLOBAL = /\b(Buffer|process|setTimeout|setInterval|setImmediate|clearTimeout|queueMicrotask|TextEncoder|TextDecoder|crypto|console|require|__dirname|__filename|atob|btoa|fetch|performance)\b\s*[.(]/;

/** Source with comments and string contents blanked, so prose cannot trip the scan. */
function codeOnly(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "").replace(/(["'`])(?:\\.|(?!\1)[^\\\n])*\1/g, '""');
}

describe("purity (DESIGN.md section 1)", () => {
  it("finds the pure sources to check", () => {
    const files = pureFiles().map((f) => relative(REPO, f));
    expect(files).toContain("packages/runtime/src/index.ts");
    expect(files).toContain("packages/storage/src/index.ts");
    expect(files).toContain("examples/hello/unikernel.ts");
  });

  it("no pure package, DSL file or example imports node:* or uses a host global", () => {
    const offences: string[] = [];
    for (const file of pureFiles()) {
      const text = readFileSync(file, "utf8");
      text.split("\n").forEach((line, i) => {
        if (/\bfrom\s+["']node:|import\(\s*["']node:|require\(/.test(line)) offences.push(`${relative(REPO, file)}:${i + 1}: imports a Node module`);
      });
      codeOnly(text).split("\n").forEach((line, i) => {
        const m = HOST_GLOBAL.exec(line);
        if (m) offences.push(`${relative(REPO, file)}:${i + 1}: uses host global ${m[1]}`);
      });
    }
    expect(offences).toEqual([]);
  });

  it("the pure sources compile under tsconfig.pure.json (lib ES2022, no types)", () => {
    const configPath = join(REPO, "tsconfig.pure.json");
    const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    expect(parsed?.options.types).toEqual([]);
    expect(parsed?.options.lib).toEqual(["lib.es2022.d.ts"]);
    const program = ts.createProgram({ rootNames: parsed!.fileNames, options: parsed!.options });
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file && d.start !== undefined ? `${relative(REPO, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
    });
    expect(problems).toEqual([]);
  });
});
