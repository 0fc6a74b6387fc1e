import type { ChoiceNode, Device, ImplNode, Job, Registration } from "../dsl/graph.ts";
import { DEVICE_TYPES } from "../dsl/types.ts";
import { IMPLS, implLabel } from "./impls.ts";
import type { Target } from "./targets.ts";

/** A configuration problem, reported as "LOCATION: error: MESSAGE". */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly at: string | undefined,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

/** A configure-time option that some choice in the graph reads. */
export interface OptionInfo {
  readonly key: string;
  readonly doc: string;
  readonly values: readonly string[];
  readonly fallback: string;
}

/** Every configure-time option the graph declares (choices by target excluded). */
export function collectOptions(reg: Registration): OptionInfo[] {
  const found = new Map<string, OptionInfo>();
  const visit = (d: Device): void => {
    if (d.node === "choice") {
      if (d.key !== "target" && !found.has(d.key)) {
        found.set(d.key, { key: d.key, doc: d.doc, values: Object.keys(d.cases), fallback: d.fallback });
      }
      Object.values(d.cases).forEach(visit);
    } else d.deps.forEach(visit);
  };
  reg.jobs.forEach((j) => j.devices.forEach(visit));
  return [...found.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** The case a choice takes for this target and these options. */
export function chooseCase(choice: ChoiceNode, target: Target, options: Readonly<Record<string, string>>): string {
  const wanted = choice.key === "target" ? target : options[choice.key];
  return wanted !== undefined && wanted in choice.cases ? wanted : choice.fallback;
}

function checkOptions(reg: Registration, options: Readonly<Record<string, string>>): void {
  const declared = collectOptions(reg);
  for (const [key, value] of Object.entries(options)) {
    const opt = declared.find((o) => o.key === key);
    if (!opt) {
      const known = declared.length ? `; this config has ${declared.map((o) => `--${o.key}`).join(", ")}` : "; this config declares none";
      throw new ConfigError(`unknown configure option --${key}${known}`, reg.at);
    }
    if (!opt.values.includes(value)) {
      throw new ConfigError(`--${key} must be one of ${opt.values.join(", ")}, got ${JSON.stringify(value)}`, reg.at);
    }
  }
}

/** A job whose devices are all concrete implementations for one target. */
export interface ResolvedJob {
  readonly job: Job;
  readonly devices: readonly ImplNode[];
}

/**
 * Resolves every choice for `target` and `options`, and checks that each device is
 * of a known type, has an implementation, and exists on the target. Throws ConfigError.
 */
export function resolve(reg: Registration, target: Target, options: Readonly<Record<string, string>>): ResolvedJob[] {
  checkOptions(reg, options);
  const pick = (d: Device): ImplNode => {
    if (!d || typeof d !== "object" || !(d.kind in DEVICE_TYPES)) {
      const kind = d && typeof d === "object" ? String((d as { kind?: unknown }).kind) : String(d);
      throw new ConfigError(`unknown device type '${kind}' (known: ${Object.keys(DEVICE_TYPES).join(", ")})`, d?.at ?? reg.at);
    }
    if (d.node === "choice") return pick(d.cases[chooseCase(d, target, options)]!);
    const spec = IMPLS[d.impl];
    if (!spec) throw new ConfigError(`unknown device implementation '${d.impl}' for type ${d.kind}`, d.at);
    if (spec.targets !== "any" && !spec.targets.includes(target)) {
      const instead = spec.instead ? `: ${spec.instead}` : "; choose another with matchTarget";
      throw new ConfigError(`${implLabel(d)} is not available on target ${target} (only ${spec.targets.join(", ")})${instead}`, d.at);
    }
    d.deps.forEach(pick);
    return d;
  };
  return reg.jobs.map((job) => ({ job, devices: job.devices.map(pick) }));
}
