/**
 * What the simulated wire does to frames. Each probability is applied independently
 * to every delivery (every copy a port receives), drawing from the switch's seeded
 * PRNG, in this order: mtu, loss, corrupt, truncate, trailing, duplicate, reorder.
 */
export interface Impairments {
  /** Probability a frame is dropped. */
  readonly loss?: number;
  /** Probability a frame is delivered twice. */
  readonly duplicate?: number;
  /** Probability a frame is held back by `reorderDelayNs`, so later frames overtake it. */
  readonly reorder?: number;
  /** How long a reordered frame is held back (default 1 ms). */
  readonly reorderDelayNs?: number;
  /** Probability one random bit of the frame is flipped (as if it slipped past the FCS). */
  readonly corrupt?: number;
  /** Probability the frame is cut at a random length (0 to length - 1). */
  readonly truncate?: number;
  /** Probability 1 to 64 random bytes are appended (Ethernet padding, buggy NICs). */
  readonly trailing?: number;
  /** Frames whose Ethernet payload (length - 14) exceeds this are dropped: a narrow link on the path. */
  readonly mtu?: number;
  /** Delay added to every delivery (default 0: delivered at the next poll). */
  readonly latencyNs?: number;
}

export const DEFAULT_REORDER_DELAY_NS = 1_000_000;
export const MAX_TRAILING = 64;

const PROBABILITIES = ["loss", "duplicate", "reorder", "corrupt", "truncate", "trailing"] as const;

/** Throws RangeError quoting the first bad field; returns the impairments otherwise. */
export function checkImpairments(imp: Impairments): Impairments {
  for (const key of PROBABILITIES) {
    const p = imp[key];
    if (p !== undefined && !(typeof p === "number" && p >= 0 && p <= 1)) {
      throw new RangeError(`impairments.${key} must be a probability in [0, 1], got ${String(p)}`);
    }
  }
  for (const key of ["reorderDelayNs", "latencyNs"] as const) {
    const v = imp[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`impairments.${key} must be a finite non-negative ns count, got ${String(v)}`);
    }
  }
  if (imp.mtu !== undefined && !(Number.isInteger(imp.mtu) && imp.mtu > 0)) {
    throw new RangeError(`impairments.mtu must be a positive integer, got ${String(imp.mtu)}`);
  }
  return imp;
}

/** Counters of what the impairments did, over the switch's life. */
export interface ImpairmentStats {
  lost: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  truncated: number;
  trailing: number;
  mtuDropped: number;
}

export function emptyImpairmentStats(): ImpairmentStats {
  return { lost: 0, duplicated: 0, reordered: 0, corrupted: 0, truncated: 0, trailing: 0, mtuDropped: 0 };
}
