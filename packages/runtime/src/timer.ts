import { host } from "@mirage-ts/host";

/**
 * A cancellable one-shot timer, for the async shells around state machines: they keep
 * one timer armed for their machines' next deadline (`pollAt`). A pending timer keeps
 * the unikernel alive, which is what a listening stack wants.
 */
export function setTimer(delayNs: number, fn: () => void): () => void {
  if (!Number.isFinite(delayNs) || delayNs < 0) throw new RangeError(`setTimer: delay must be a finite non-negative number of ns, got ${delayNs}`);
  return host.setTimer(delayNs, fn);
}
