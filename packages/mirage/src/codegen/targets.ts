/** The targets `mirage configure -t` accepts, and which of them can be built today. */
export const TARGETS = ["unix", "hvt", "spt", "virtio", "xen", "qubes"] as const;
export type Target = (typeof TARGETS)[number];

/** Targets whose build exists in this version; the rest fail with "not available yet". */
export const AVAILABLE_TARGETS: readonly Target[] = ["unix"];

export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}
