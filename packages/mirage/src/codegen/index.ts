/** Code generation and description: pure functions of (graph, target, options). */
export { generate, GENERATED_DIR } from "./generate.ts";
export type { BuildManifest, GeneratedFile, GenerateInput } from "./generate.ts";
export { describeText, describeDot } from "./describe.ts";
export { resolve, collectOptions, ConfigError } from "./resolve.ts";
export type { OptionInfo } from "./resolve.ts";
export { TARGETS, AVAILABLE_TARGETS, UNIKERNEL_TARGETS, isTarget, isUnikernelTarget } from "./targets.ts";
export { blockDeviceName, DEFAULT_NETWORK_NAME } from "./impls.ts";
export type { ManifestDevice } from "./impls.ts";
export type { Target } from "./targets.ts";
