import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests run on Node, so the ambient runtime is bound to platform-node, exactly as
// `mirage build -t unix` binds it with an esbuild alias.
const hostForNode = fileURLToPath(new URL("./packages/platform-node/src/host.ts", import.meta.url));

export default defineConfig({
  resolve: { alias: { "@mirage-ts/host": hostForNode } },
  test: {
    include: ["packages/*/src/**/*.test.ts", "packages/*/test/**/*.test.ts", "examples/*/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/support/warm-guest.ts"],
  },
});
