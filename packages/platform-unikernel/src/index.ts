/**
 * @module @mirage-ts/platform-unikernel
 *
 * The hvt and spt targets: the ambient runtime's host (`./host.ts`, bound by the
 * build's alias to `@mirage-ts/host`) and the devices over the C guest runtime's
 * bindings (`globalThis.mirageHost`, see bindings.ts): net devices attached with
 * `--net:NAME=TAP`, block devices with `--block:NAME=FILE`. The build also puts
 * `./prelude.ts` first in every bundle for the built-ins QuickJS lacks.
 *
 * Pure ECMAScript: no Node API. It runs inside QuickJS on KVM (hvt) or under a
 * seccomp jail (spt).
 */
export { netDevice, defaultNetwork, DEFAULT_NETWORK_NAME } from "./net.ts";
export { blockDevice } from "./block.ts";
export type { HostBindings } from "./bindings.ts";
