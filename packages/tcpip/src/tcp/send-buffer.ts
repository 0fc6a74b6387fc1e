/**
 * The send buffer: a fixed-capacity byte ring holding data the application wrote
 * that is not yet acknowledged (sent or not). Offset 0 is the oldest unacknowledged
 * byte. The backing store is allocated on first use, so half-open connections cost
 * no buffer memory.
 */
export class SendBuffer {
  private buf: Uint8Array | null = null;
  private head = 0;
  length = 0;

  constructor(readonly capacity: number) {}

  get free(): number {
    return this.capacity - this.length;
  }

  /** Copies as much of data[offset..] as fits; returns the number of bytes taken. */
  append(data: Uint8Array, offset: number): number {
    const n = Math.min(this.capacity - this.length, data.length - offset);
    if (n <= 0) return 0;
    const buf = (this.buf ??= new Uint8Array(this.capacity));
    const tail = (this.head + this.length) % this.capacity;
    const first = Math.min(n, this.capacity - tail);
    buf.set(data.subarray(offset, offset + first), tail);
    if (first < n) buf.set(data.subarray(offset + first, offset + n), 0);
    this.length += n;
    return n;
  }

  /** A copy of bytes [offset, offset + len) of the buffered data. */
  copyOut(offset: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    if (len === 0 || this.buf === null) return out;
    const start = (this.head + offset) % this.capacity;
    const first = Math.min(len, this.capacity - start);
    out.set(this.buf.subarray(start, start + first), 0);
    if (first < len) out.set(this.buf.subarray(0, len - first), first);
    return out;
  }

  /** Drops the n oldest bytes (they were acknowledged). */
  discard(n: number): void {
    if (n <= 0) return;
    if (n > this.length) n = this.length;
    this.head = (this.head + n) % this.capacity;
    this.length -= n;
    if (this.length === 0) this.head = 0;
  }

  /** Releases the backing store (the connection is gone). */
  release(): void {
    this.buf = null;
    this.head = 0;
    this.length = 0;
  }
}
