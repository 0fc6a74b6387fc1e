/** The targets `mirage configure -t` accepts, and which of them can be built today. */
export const TARGETS = ["unix", "hvt", "spt", "virtio", "xen", "qubes"] as const;
export type Target = (typeof TARGETS)[number];

/** Targets whose build exists in this version; the rest fail with "not available yet". */
export const AVAILABLE_TARGETS: readonly Target[] = ["unix", "hvt", "spt"];

/** Targets that build a unikernel image run by a tender (dist/NAME.TARGET), as opposed to a Node script. */
export const UNIKERNEL_TARGETS: readonly Target[] = ["hvt", "spt"];

export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

export function isUnikernelTarget(target: Target): boolean {
  return UNIKERNEL_TARGETS.includes(target);
}
