/**
 * The Internet checksum (RFC 1071): the 16-bit one's-complement of the one's-complement
 * sum of big-endian 16-bit words. Incremental: `sum16` returns a running sum whose
 * carries are folded only at the end by `fold` (RFC 1071 section 2 (B), "deferred
 * carries"), so a header, a pseudo-header and a payload can be summed separately.
 *
 * The loop sums the high and the low bytes of each word in two accumulators and
 * combines them once (hi * 256 + lo): no shifts or allocation per word. Each byte adds
 * at most 255, so the accumulators stay exact far beyond any real buffer (2^45 bytes).
 */

/**
 * Adds bytes[start, end) as big-endian 16-bit words to `initial` and returns the
 * unfolded sum. An odd final byte is padded with a zero low byte (RFC 1071 section 4.1),
 * so when summing in pieces only the last piece may have an odd length.
 */
export function sum16(bytes: Uint8Array, start = 0, end: number = bytes.length, initial = 0): number {
  let hi = 0;
  let lo = 0;
  let i = start;
  const even = end - ((end - start) & 1);
  // Four words per iteration; the tail loop handles the rest.
  const unrolled = even - ((even - start) & 7);
  for (; i < unrolled; i += 8) {
    hi += bytes[i]! + bytes[i + 2]! + bytes[i + 4]! + bytes[i + 6]!;
    lo += bytes[i + 1]! + bytes[i + 3]! + bytes[i + 5]! + bytes[i + 7]!;
  }
  for (; i < even; i += 2) {
    hi += bytes[i]!;
    lo += bytes[i + 1]!;
  }
  if (even < end) hi += bytes[even]!;
  return initial + hi * 256 + lo;
}

/** Folds the carries of a running sum into 16 bits (not complemented). */
export function fold(sum: number): number {
  // Sums may exceed 2^32, so divide rather than shift.
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for bytes[start, end) plus a running sum: ~fold(sum). */
export function internetChecksum(bytes: Uint8Array, start = 0, end: number = bytes.length, initial = 0): number {
  return ~fold(sum16(bytes, start, end, initial)) & 0xffff;
}

/**
 * The running sum of the IPv4 pseudo-header used by TCP and UDP (RFC 9293 section
 * 3.1, RFC 768): source, destination, zero + protocol, and the transport length.
 */
export function pseudoHeaderSum(src: number, dst: number, protocol: number, length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
}
