import type { Device, ImplNode, Registration } from "../dsl/graph.ts";
import { IMPLS, MAX_MANIFEST_DEVICES, implLabel, linkFor, type ManifestDevice } from "./impls.ts";
import { ConfigError, chooseCase, resolve } from "./resolve.ts";
import { isUnikernelTarget, type Target } from "./targets.ts";

/** What `mirage build` needs to know about a configured unikernel (mirage/build.json). */
export interface BuildManifest {
  readonly name: string;
  readonly target: Target;
  readonly options: Readonly<Record<string, string>>;
  /** config.ts, relative to the unikernel folder. */
  readonly config: string;
  /** Folders to crunch at build time, and the generated module (in mirage/) of each. */
  readonly crunch: ReadonlyArray<{ readonly dir: string; readonly module: string }>;
  /** npm packages the generated code imports. */
  readonly packages: readonly string[];
  /** hvt/spt only: the devices the image's manifest declares, in handle order, for the tender to attach. */
  readonly devices?: readonly ManifestDevice[];
}

export interface GeneratedFile {
  /** Path relative to the unikernel folder. */
  readonly path: string;
  readonly contents: string;
}

export interface GenerateInput {
  readonly registration: Registration;
  readonly target: Target;
  readonly options: Readonly<Record<string, string>>;
  /** Path of config.ts relative to the unikernel folder ("config.ts" unless -f). */
  readonly configPath: string;
}

export const GENERATED_DIR = "mirage";

/** "htdocs" -> "crunch-htdocs.ts"; other folders get a readable, unique name. */
function crunchModuleName(dir: string, taken: Set<string>): string {
  const base = `crunch-${dir.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase() || "root"}`;
  let name = `${base}.ts`;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}.ts`;
  taken.add(name);
  return name;
}

/** A TypeScript identifier from a crunch module's file name. */
function dataIdentifier(module: string): string {
  return module.replace(/\.ts$/, "").replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** A string literal, in single quotes when that avoids escaping double ones. */
function quote(text: string): string {
  return text.includes('"') && !/['\\\n]/.test(text) ? `'${text}'` : JSON.stringify(text);
}

function moduleSpecifier(module: string): string {
  // mirage/main.ts sits one folder below config.ts, and module paths are relative to config.ts.
  return module.startsWith("/") ? module : `../${module.replace(/^\.\//, "")}`;
}

/**
 * The pure code generator: from a registration, a target and configure options to
 * the files of mirage/ (DESIGN.md section 2). Writing them is the caller's business.
 */
export function generate(input: GenerateInput): { files: GeneratedFile[]; manifest: BuildManifest } {
  const { registration: reg, target, options } = input;
  const jobs = resolve(reg, target, options);

  const imports = new Map<string, Set<string>>([["@mirage-ts/runtime", new Set(["boot"])]]);
  const crunch: { dir: string; module: string }[] = [];
  const takenModules = new Set<string>();
  const varOf = new Map<ImplNode, string>();
  const perType = new Map<string, number>();
  const connects: string[] = [];
  const devices: ManifestDevice[] = [];
  const deviceOwners = new Map<string, ImplNode>();
  const addDevice = (device: ManifestDevice, node: ImplNode): void => {
    if (device.name === "") throw new ConfigError(`${implLabel(node)} leaves no name for the ${device.kind} device (it is made of its file's base name)`, node.at);
    const owner = deviceOwners.get(device.name);
    if (owner) {
      throw new ConfigError(
        `${implLabel(node)} and ${implLabel(owner)} would both be the device "${device.name}" of the ${target} image; give their files different base names`,
        node.at,
      );
    }
    deviceOwners.set(device.name, node);
    devices.push(device);
    if (devices.length > MAX_MANIFEST_DEVICES) throw new ConfigError(`an ${target} image holds at most ${MAX_MANIFEST_DEVICES} devices`, node.at);
  };

  const concrete = (d: Device): ImplNode => (d.node === "choice" ? concrete(d.cases[chooseCase(d, target, options)]!) : d);
  const connect = (d: ImplNode): string => {
    const known = varOf.get(d);
    if (known) return known;
    const deps = d.deps.map((dep) => connect(concrete(dep)));
    const spec = IMPLS[d.impl]!;
    const link = linkFor(spec, target);
    if (isUnikernelTarget(target) && spec.unikernel) addDevice(spec.unikernel.device(d), d);
    let data: string | undefined;
    if (spec.crunchDir) {
      const dir = spec.crunchDir(d);
      let entry = crunch.find((c) => c.dir === dir);
      if (!entry) crunch.push((entry = { dir, module: crunchModuleName(dir, takenModules) }));
      data = dataIdentifier(entry.module);
    }
    imports.get("@mirage-ts/runtime")!.add("connectDevice");
    const names = imports.get(link.from) ?? new Set<string>();
    imports.set(link.from, names.add(link.exportName));
    const prefix = d.kind.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const n = perType.get(prefix) ?? 0;
    perType.set(prefix, n + 1);
    const name = `${prefix}${n}`;
    varOf.set(d, name);
    connects.push(
      `  const ${name} = await connectDevice(${quote(implLabel(d))}, async () => ${link.exportName}(${link.args(d, { deps, data })}));`,
    );
    return name;
  };
  const starts = jobs.map(({ job, devices }, i) => `app${i}.${job.start}(${devices.map(connect).join(", ")})`);

  const optionText = Object.entries(options).map(([k, v]) => ` --${k}=${v}`).join("");
  const lines = [
    `// Generated by \`mirage configure -t ${target}${optionText}\` from ${input.configPath}: edit that file, not this one.`,
    ...[...imports].map(([from, names]) => `import { ${[...names].sort().join(", ")} } from ${JSON.stringify(from)};`),
    ...crunch.map((c) => `import ${dataIdentifier(c.module)} from "./${c.module}";`),
    ...jobs.map(({ job }, i) => `import * as app${i} from ${JSON.stringify(moduleSpecifier(job.module))};`),
    "",
    `boot({ name: ${JSON.stringify(reg.name)}, target: ${JSON.stringify(target)} }, async () => {`,
    ...connects,
    starts.length === 1 ? `  await ${starts[0]};` : `  await Promise.all([\n${starts.map((s) => `    ${s},`).join("\n")}\n  ]);`,
    "});",
    "",
  ];

  const manifest: BuildManifest = {
    name: reg.name,
    target,
    options,
    config: input.configPath,
    crunch,
    packages: [...imports.keys()].sort(),
    ...(isUnikernelTarget(target) ? { devices } : {}),
  };
  return {
    files: [
      { path: `${GENERATED_DIR}/main.ts`, contents: lines.join("\n") },
      { path: `${GENERATED_DIR}/build.json`, contents: `${JSON.stringify(manifest, null, 2)}\n` },
    ],
    manifest,
  };
}
