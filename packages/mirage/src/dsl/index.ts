/**
 * The configuration DSL: what config.ts imports from "@mirage-ts/mirage".
 * Pure ECMAScript; the graph it builds is plain data (see graph.ts).
 */
export { main, register } from "./job.ts";
export type { DevicesFor } from "./job.ts";
export { kvRo, kvRw, block, network, stack } from "./types.ts";
export {
  crunch,
  directKvRo,
  kvRwMem,
  blockOfFile,
  ramdisk,
  matchTarget,
  matchOption,
  genericKvRo,
  defaultNetwork,
  directStack,
  socketStack,
  genericStack,
} from "./devices.ts";
export type { Device, DeviceType, ImplNode, ChoiceNode, Job, Registration } from "./graph.ts";
