import { callerLocation, type ChoiceNode, type Device, type ImplNode } from "./graph.ts";

function impl<K extends string>(kind: K, name: string, args: ImplNode["args"], deps: readonly Device[] = []): ImplNode<K> {
  return { node: "impl", kind, impl: name, args, deps, at: callerLocation() };
}

function nonEmpty(what: string, value: string): string {
  if (typeof value !== "string" || value === "") throw new TypeError(`${what}: expected a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

/** Embeds folder `dir` (relative to config.ts) into the image at build time. Every target. */
export function crunch(dir: string): ImplNode<"kv_ro"> {
  return impl("kv_ro", "crunch", [nonEmpty("crunch", dir)]);
}

/** Reads folder `dir` at run time (relative to the working directory). unix only. */
export function directKvRo(dir: string): ImplNode<"kv_ro"> {
  return impl("kv_ro", "directKvRo", [nonEmpty("directKvRo", dir)]);
}

/** An empty read-write store in memory. Every target. */
export function kvRwMem(): ImplNode<"kv_rw"> {
  return impl("kv_rw", "kvRwMem", []);
}

/** A block device over file `path` (relative to the working directory at run time). unix only. */
export function blockOfFile(path: string): ImplNode<"block"> {
  return impl("block", "blockOfFile", [nonEmpty("blockOfFile", path)]);
}

/** A zero-filled block device in memory of `sizeBytes` (a multiple of 512). Every target. */
export function ramdisk(name: string, sizeBytes: number): ImplNode<"block"> {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes % 512 !== 0) {
    throw new RangeError(`ramdisk: size must be a positive multiple of 512 bytes, got ${sizeBytes}`);
  }
  return impl("block", "ramdisk", [nonEmpty("ramdisk", name), sizeBytes]);
}

type TargetCases<K extends string> = { readonly default: Device<K> } & { readonly [target: string]: Device<K> };

/** Picks a device by target: `matchTarget({ unix: directKvRo("d"), default: crunch("d") })`. */
export function matchTarget<K extends string>(cases: TargetCases<K>): ChoiceNode<K> {
  const kinds = new Set(Object.values(cases).map((d) => d.kind));
  if (kinds.size !== 1) throw new TypeError(`matchTarget: all cases must be of one device type, got ${[...kinds].join(", ")}`);
  return { node: "choice", kind: cases.default.kind, key: "target", doc: "the target", cases, fallback: "default", at: callerLocation() };
}

/**
 * Picks a device by a configure-time option, `mirage configure --KEY=VALUE`:
 * `matchOption("kv-ro", { doc: "...", cases: { crunch: ..., direct: ... }, default: "crunch" })`.
 */
export function matchOption<K extends string, C extends string>(
  key: string,
  spec: { readonly doc: string; readonly cases: Readonly<Record<C, Device<K>>>; readonly default: NoInfer<C> },
): ChoiceNode<K> {
  if (!/^[a-z][a-z0-9-]*$/.test(key) || key === "target" || key === "file" || key === "dry-run") {
    throw new TypeError(`matchOption: invalid option name ${JSON.stringify(key)}`);
  }
  const cases: Readonly<Record<string, Device<K>>> = spec.cases;
  if (!(spec.default in cases)) throw new TypeError(`matchOption ${key}: default ${JSON.stringify(spec.default)} is not one of its cases`);
  return { node: "choice", kind: cases[spec.default]!.kind, key, doc: spec.doc, cases, fallback: spec.default, at: callerLocation() };
}

/**
 * A read-only store of folder `dir`, as MirageOS's generic_kv_ro: crunched into the
 * image unless `mirage configure -t unix --kv-ro=direct` asks to read it at run time.
 */
export function genericKvRo(dir: string): ChoiceNode<"kv_ro"> {
  const crunched = crunch(dir);
  return matchTarget({
    unix: matchOption("kv-ro", {
      doc: "how read-only stores are provided on unix: crunch (embedded in the image) or direct (read at run time)",
      cases: { crunch: crunched, direct: directKvRo(dir) },
      default: "crunch",
    }),
    default: crunched,
  });
}

/**
 * The unikernel's network interface, chosen at boot: on unix a tap device
 * (`--interface=tap0`, the default) or a UDP link (`--interface=udp:LPORT:RPORT`),
 * recorded with `--pcap=FILE`.
 */
export function defaultNetwork(): ImplNode<"network"> {
  return impl("network", "defaultNetwork", []);
}

/**
 * The pure TypeScript TCP/IP stack over `net`: static address from `--ipv4=A.B.C.D/N`
 * and `--ipv4-gateway=A.B.C.D` at boot, DHCP when `--ipv4` is not given. Every target.
 */
export function directStack(net: Device<"network">): ImplNode<"stack"> {
  return impl("stack", "directStack", [], [net]);
}

/** The host's own TCP/IP through sockets (node:net, node:dgram). unix only; needs no root. */
export function socketStack(): ImplNode<"stack"> {
  return impl("stack", "socketStack", []);
}

/**
 * A stack as MirageOS's generic_stackv4v6: on unix the socket stack unless
 * `mirage configure --net=direct`; elsewhere the direct stack over `net`.
 */
export function genericStack(net: Device<"network">): ChoiceNode<"stack"> {
  const direct = directStack(net);
  return matchTarget({
    unix: matchOption("net", {
      doc: "which stack on unix: socket (the host's TCP/IP, no root needed) or direct (our own stack over a tap or UDP link)",
      cases: { socket: socketStack(), direct },
      default: "socket",
    }),
    default: direct,
  });
}
