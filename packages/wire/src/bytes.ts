/**
 * Big-endian field access on plain byte arrays, shared by the codecs. Internal: callers
 * have already checked bounds (the views' `check` does), so these do no checking and
 * allocate nothing, which keeps them cheap under an interpreter.
 */
export function get16(b: Uint8Array, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

export function get32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

export function put16(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 8;
  b[o + 1] = v;
}

export function put32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

/** Throws a RangeError unless `v` is an integer in [0, max]; for emit-side misuse. */
export function checkUint(what: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`${what} must be an integer in 0..${max}, got ${String(v)}`);
  }
}

/** Throws a RangeError unless `buf` has `len` bytes from `offset`. */
export function checkRoom(what: string, buf: Uint8Array, offset: number, len: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + len > buf.length) {
    throw new RangeError(`${what}: need ${len} bytes at offset ${String(offset)} of a ${buf.length}-byte buffer`);
  }
}
