/** Code generation and description: pure functions of (graph, target, options). */
export { generate, GENERATED_DIR } from "./generate.ts";
export type { BuildManifest, GeneratedFile, GenerateInput } from "./generate.ts";
export { describeText, describeDot } from "./describe.ts";
export { resolve, collectOptions, ConfigError } from "./resolve.ts";
export type { OptionInfo } from "./resolve.ts";
export { TARGETS, AVAILABLE_TARGETS, isTarget } from "./targets.ts";
export type { Target } from "./targets.ts";
