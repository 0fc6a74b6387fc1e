import type { DeviceType } from "./graph.ts";

/** Read-only key-value store (`KvRo` in @mirage-ts/devices). */
export const kvRo: DeviceType<"kv_ro"> = { kind: "kv_ro", interfaceName: "KvRo" };
/** Read-write key-value store (`KvRw`). */
export const kvRw: DeviceType<"kv_rw"> = { kind: "kv_rw", interfaceName: "KvRw" };
/** Block device (`Block`). */
export const block: DeviceType<"block"> = { kind: "block", interfaceName: "Block" };

/** A network interface carrying Ethernet frames (`Network`). */
export const network: DeviceType<"network"> = { kind: "network", interfaceName: "Network" };
/** A TCP/IP stack (`Stack`): UDP and TCP for the app. */
export const stack: DeviceType<"stack"> = { kind: "stack", interfaceName: "Stack" };

/** Every device type this version knows, by kind. */
export const DEVICE_TYPES: Readonly<Record<string, DeviceType>> = { kv_ro: kvRo, kv_rw: kvRw, block, network, stack };
