/**
 * IPv4 fragmentation on send (RFC 791 section 3.2, "An Example Fragmentation
 * Procedure"): every fragment but the last carries a multiple of 8 payload bytes, as
 * many as fit in the MTU after a 20-byte header.
 */

export interface FragmentSpan {
  readonly offset: number;
  readonly length: number;
  readonly more: boolean;
}

/** Splits a payload of `payloadLen` bytes for a link of `mtu` bytes (an IPv4 packet with a 20-byte header). */
export function fragmentSpans(payloadLen: number, mtu: number, headerLen = 20): FragmentSpan[] {
  const room = (mtu - headerLen) & ~7;
  if (room < 8) throw new RangeError(`MTU ${mtu} is too small to fragment (need at least ${headerLen + 8})`);
  const spans: FragmentSpan[] = [];
  let offset = 0;
  do {
    const length = Math.min(room, payloadLen - offset);
    spans.push({ offset, length, more: offset + length < payloadLen });
    offset += length;
  } while (offset < payloadLen);
  return spans;
}
