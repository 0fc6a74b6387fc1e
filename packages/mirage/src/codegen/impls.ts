import type { ImplNode } from "../dsl/graph.ts";
import type { Target } from "./targets.ts";

/** How the code generator links one kind of device implementation. */
export interface ImplSpec {
  /** Targets that have it; "any" for pure implementations. */
  readonly targets: readonly Target[] | "any";
  /** npm package and export that connect it. */
  readonly from: string;
  readonly exportName: string;
  /** TypeScript source of the connect call's arguments, given the variables of its dependencies and the crunched module, if any. */
  args(node: ImplNode, ctx: { readonly deps: readonly string[]; readonly data?: string | undefined }): string;
  /** Folder to crunch into a generated module at build time (relative to config.ts). */
  crunchDir?(node: ImplNode): string;
}

const literal = (v: unknown): string => JSON.stringify(v);

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
  },
  kvRwMem: { targets: "any", from: "@mirage-ts/storage", exportName: "kvRwMem", args: () => "" },
  blockOfFile: {
    targets: ["unix"],
    from: "@mirage-ts/platform-node",
    exportName: "blockOfFile",
    args: (node) => literal(node.args[0]),
  },
  ramdisk: {
    targets: "any",
    from: "@mirage-ts/storage",
    exportName: "ramdisk",
    args: (node) => `{ name: ${literal(node.args[0])}, sizeBytes: ${literal(node.args[1])} }`,
  },
  defaultNetwork: {
    targets: ["unix"],
    from: "@mirage-ts/platform-node/net",
    exportName: "defaultNetwork",
    args: () => "",
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
  },
};

/** How a device reads in messages and in `describe`: crunch("htdocs"), directStack(defaultNetwork()). */
export function implLabel(node: ImplNode): string {
  const deps = node.deps.map((d) => (d.node === "impl" ? implLabel(d) : `match ${d.key}`));
  return `${node.impl}(${[...deps, ...node.args.map(literal)].join(", ")})`;
}
