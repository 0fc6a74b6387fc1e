import type { ImplNode } from "../dsl/graph.ts";
import { isUnikernelTarget, type Target } from "./targets.ts";

/** How generated code connects an implementation: an import and a call. */
export interface ImplLink {
  /** npm package and export that connect it. */
  readonly from: string;
  readonly exportName: string;
  /** TypeScript source of the connect call's arguments, given the variables of its dependencies and the crunched module, if any. */
  args(node: ImplNode, ctx: { readonly deps: readonly string[]; readonly data?: string | undefined }): string;
}

/** A device the image's manifest declares, for the tender to attach (`--net:NAME=TAP`, `--block:NAME=FILE`). */
export interface ManifestDevice {
  readonly name: string;
  readonly kind: "net" | "block";
}

/** How the code generator links one kind of device implementation. */
export interface ImplSpec extends ImplLink {
  /** Targets that have it; "any" for pure implementations. */
  readonly targets: readonly Target[] | "any";
  /** Folder to crunch into a generated module at build time (relative to config.ts). */
  crunchDir?(node: ImplNode): string;
  /** On hvt/spt: a device of the image's manifest, connected by its name instead of the unix link above. */
  readonly unikernel?: { device(node: ImplNode): ManifestDevice } & ImplLink;
  /** Says what to use instead, where the implementation is missing. */
  readonly instead?: string;
}

const literal = (v: unknown): string => JSON.stringify(v);

/** The longest device name the manifest holds (MIRAGE_DEVICE_NAME_MAX minus the NUL). */
export const DEVICE_NAME_MAX = 31;
/** Devices one image can declare (MIRAGE_MAX_DEVICES). */
export const MAX_MANIFEST_DEVICES = 16;

/**
 * The manifest name of `blockOfFile(path)`: the file's base name without its
 * extension, with every character outside [A-Za-z0-9_-] replaced by "_", so
 * "disk.img" is "disk" and "data/my disk.v2.img" is "my_disk_v2". Empty when
 * nothing is left (".img"): the caller reports that.
 */
export function blockDeviceName(path: string): string {
  const base = path.replace(/\/+$/, "").split("/").pop() ?? "";
  const dot = base.lastIndexOf(".");
  const stem = dot > 0 ? base.slice(0, dot) : dot === 0 ? "" : base;
  return stem.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, DEVICE_NAME_MAX);
}

/** The manifest name of `defaultNetwork()` on hvt/spt. */
export const DEFAULT_NETWORK_NAME = "service";

export const IMPLS: Readonly<Record<string, ImplSpec>> = {
  crunch: {
    targets: "any",
    from: "@mirage-ts/storage",
    exportName: "crunchStore",
    args: (_node, { data }) => data!,
    crunchDir: (node) => String(node.args[0]),
  },
  directKvRo: {
    targets: ["unix"],
    from: "@mirage-ts/platform-node",
    exportName: "directKvRo",
    args: (node) => literal(node.args[0]),
    instead: "a unikernel has no host file system to read at run time; embed the folder with crunch(...) or genericKvRo(...)",
  },
  kvRwMem: { targets: "any", from: "@mirage-ts/storage", exportName: "kvRwMem", args: () => "" },
  blockOfFile: {
    targets: ["unix", "hvt", "spt"],
    from: "@mirage-ts/platform-node",
    exportName: "blockOfFile",
    args: (node) => literal(node.args[0]),
    unikernel: {
      from: "@mirage-ts/platform-unikernel",
      exportName: "blockDevice",
      device: (node) => ({ name: blockDeviceName(String(node.args[0])), kind: "block" }),
      args: (node) => literal(blockDeviceName(String(node.args[0]))),
    },
  },
  ramdisk: {
    targets: "any",
    from: "@mirage-ts/storage",
    exportName: "ramdisk",
    args: (node) => `{ name: ${literal(node.args[0])}, sizeBytes: ${literal(node.args[1])} }`,
  },
  defaultNetwork: {
    targets: ["unix", "hvt", "spt"],
    from: "@mirage-ts/platform-node/net",
    exportName: "defaultNetwork",
    args: () => "",
    unikernel: {
      from: "@mirage-ts/platform-unikernel",
      exportName: "netDevice",
      device: () => ({ name: DEFAULT_NETWORK_NAME, kind: "net" }),
      args: () => literal(DEFAULT_NETWORK_NAME),
    },
  },
  directStack: {
    targets: "any",
    from: "@mirage-ts/tcpip/boot",
    exportName: "directStackFromBootArgs",
    args: (_node, { deps }) => deps[0]!,
  },
  socketStack: {
    targets: ["unix"],
    from: "@mirage-ts/platform-node",
    exportName: "socketStack",
    args: () => "",
    instead: "a unikernel has no host TCP/IP; use genericStack(defaultNetwork()) or directStack(defaultNetwork())",
  },
};

/** How `spec` is linked on `target`. */
export function linkFor(spec: ImplSpec, target: Target): ImplLink {
  return isUnikernelTarget(target) && spec.unikernel ? spec.unikernel : spec;
}

/** How a device reads in messages and in `describe`: crunch("htdocs"), directStack(defaultNetwork()). */
export function implLabel(node: ImplNode): string {
  const deps = node.deps.map((d) => (d.node === "impl" ? implLabel(d) : `match ${d.key}`));
  return `${node.impl}(${[...deps, ...node.args.map(literal)].join(", ")})`;
}
