/** Per-layer counters of the direct stack and small helpers around them. */

export type Counters = Record<string, number>;

export interface StackStats {
  readonly ethernet: Counters;
  readonly arp: Counters;
  readonly ipv4: Counters;
  readonly icmp: Counters;
  readonly udp: Counters;
  /** Segments dropped before TCP saw them, merged with the TCP layer's own statistics. */
  readonly tcp: { readonly [key: string]: unknown };
  /** Exceptions caught while handling a frame or a timer: bugs, never bad input. */
  readonly internalErrors: number;
}

export function bump(c: Counters, name: string): void {
  c[name] = (c[name] ?? 0) + 1;
}

export function describe(e: unknown): string {
  try {
    return e instanceof Error ? (e.stack ?? e.message) : String(e);
  } catch {
    return "(unprintable error)";
  }
}

export function isFailure(w: unknown): w is { ok: false; error: { message: string } } {
  return typeof w === "object" && w !== null && (w as { ok?: unknown }).ok === false;
}
