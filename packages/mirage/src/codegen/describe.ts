import type { Device, Registration } from "../dsl/graph.ts";
import { IMPLS, implLabel } from "./impls.ts";
import { chooseCase, collectOptions } from "./resolve.ts";
import { isUnikernelTarget, type Target } from "./targets.ts";

export interface DescribeInput {
  readonly registration: Registration;
  readonly target: Target;
  readonly options: Readonly<Record<string, string>>;
}

function choiceLabel(key: string): string {
  return key === "target" ? "match target" : `match --${key}`;
}

/** The graph as an indented tree; choices show every case and mark the one taken. */
export function describeText({ registration: reg, target, options }: DescribeInput): string {
  const out = [`name      ${reg.name}`, `target    ${target}`];
  const opts = collectOptions(reg);
  for (const o of opts) {
    out.push(`option    --${o.key}=${options[o.key] ?? o.fallback}  (${o.values.join(" | ")}; default ${o.fallback}): ${o.doc}`);
  }
  const tree = (d: Device, indent: string, mark: string): void => {
    if (d.node === "impl") {
      const unikernel = isUnikernelTarget(target) ? IMPLS[d.impl]?.unikernel : undefined;
      const device = unikernel ? unikernel.device(d) : undefined;
      const attach = device ? `  (${device.kind} device "${device.name}" of the image: --${device.kind}:${device.name}=${device.kind === "net" ? "TAP" : "FILE"})` : "";
      out.push(`${indent}${mark}${d.kind}: ${implLabel(d)}${attach}`);
      d.deps.forEach((dep) => tree(dep, `${indent}    `, ""));
      return;
    }
    const taken = chooseCase(d, target, options);
    out.push(`${indent}${mark}${d.kind}: ${choiceLabel(d.key)}`);
    for (const [name, c] of Object.entries(d.cases)) tree(c, `${indent}    `, `${name === taken ? "*" : " "} ${name} => `);
  };
  reg.jobs.forEach((job) => {
    out.push(`job       ${job.start}(${job.types.map((t) => t.interfaceName).join(", ")}) from ${job.module}`);
    job.devices.forEach((d) => tree(d, "    ", ""));
  });
  return `${out.join("\n")}\n`;
}

const dotString = (s: string): string => JSON.stringify(s);

/**
 * The graph in Graphviz's language: jobs as boxes, implementations as ellipses,
 * choices as diamonds; the cases a configuration takes are solid, the others dashed.
 */
export function describeDot({ registration: reg, target, options }: DescribeInput): string {
  const ids = new Map<object, string>();
  const lines: string[] = [];
  const edges: string[] = [];
  const node = (d: Device): string => {
    const known = ids.get(d);
    if (known) return known;
    const id = `n${ids.size}`;
    ids.set(d, id);
    if (d.node === "impl") {
      lines.push(`  ${id} [shape=ellipse, label=${dotString(`${d.kind}\n${implLabel(d)}`)}];`);
      d.deps.forEach((dep) => edges.push(`  ${id} -> ${node(dep)};`));
    } else {
      const taken = chooseCase(d, target, options);
      lines.push(`  ${id} [shape=diamond, label=${dotString(`${d.kind}\n${choiceLabel(d.key)}`)}];`);
      for (const [name, c] of Object.entries(d.cases)) {
        const style = name === taken ? "solid" : "dashed";
        edges.push(`  ${id} -> ${node(c)} [label=${dotString(name)}, style=${style}];`);
      }
    }
    return id;
  };
  reg.jobs.forEach((job, i) => {
    const id = `job${i}`;
    lines.push(`  ${id} [shape=box, style=bold, label=${dotString(`${reg.name}\n${job.module} ${job.start}`)}];`);
    job.devices.forEach((d, arg) => edges.push(`  ${id} -> ${node(d)} [label=${dotString(String(arg + 1))}];`));
  });
  return [`digraph ${dotString(reg.name)} {`, `  label=${dotString(`${reg.name} (target ${target})`)};`, ...lines, ...edges, "}", ""].join("\n");
}
