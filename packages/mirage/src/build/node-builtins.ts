import type { Plugin } from "esbuild";

/**
 * Makes a bundle that works whether Node loads it as CommonJS or as an ES module.
 *
 * `dist/NAME` has no extension, so Node picks the module system from the nearest
 * package.json: ESM inside this repository, CommonJS once copied elsewhere. An IIFE
 * with neither `require` nor `import` runs under both; this plugin turns each
 * `node:*` import into `process.getBuiltinModule(...)` (Node >= 20.16) with the
 * builtin's export names listed at build time.
 */
export function nodeBuiltinsPlugin(): Plugin {
  return {
    name: "mirage-node-builtins",
    setup(build) {
      build.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: "mirage-node-builtin" }));
      build.onLoad({ filter: /.*/, namespace: "mirage-node-builtin" }, async (args) => {
        const mod = (await import(args.path)) as Record<string, unknown>;
        const names = Object.keys(mod).filter((n) => n !== "default" && /^[A-Za-z_$][\w$]*$/.test(n));
        const contents = [
          `const m = process.getBuiltinModule(${JSON.stringify(args.path)});`,
          "export default m;",
          names.length ? `export const { ${names.join(", ")} } = m;` : "",
        ].join("\n");
        return { contents, loader: "js" };
      });
    },
  };
}
