/**
 * The unikernel's timers: a binary min-heap keyed by (deadline, arrival order) whose
 * entries know their own index, so cancelling is O(log n) removal rather than a
 * tombstone. That matters because the TCP shell re-arms one timer per segment: with
 * tombstones a busy connection would leave thousands of dead entries behind.
 */

export interface TimerEntry {
  readonly deadlineNs: number;
  /** Arrival order: timers with equal deadlines fire in the order they were set. */
  readonly seq: number;
  readonly fn: () => void;
  /** Position in the heap, or -1 once fired or cancelled. */
  index: number;
  /** Set by the owner's cancel: an entry already popped for firing must then be skipped. */
  cancelled: boolean;
}

export class TimerHeap {
  private readonly items: TimerEntry[] = [];
  private nextSeq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Earliest deadline, or undefined when empty. */
  peekDeadline(): number | undefined {
    return this.items[0]?.deadlineNs;
  }

  push(deadlineNs: number, fn: () => void): TimerEntry {
    const entry: TimerEntry = { deadlineNs, seq: this.nextSeq++, fn, index: this.items.length, cancelled: false };
    this.items.push(entry);
    this.up(entry.index);
    return entry;
  }

  /** Removes `entry` if it is still queued; does nothing otherwise. */
  remove(entry: TimerEntry): void {
    const i = entry.index;
    if (i < 0 || this.items[i] !== entry) return;
    entry.index = -1;
    const last = this.items.pop()!;
    if (i === this.items.length) return; // it was the last one
    this.items[i] = last;
    last.index = i;
    this.down(i);
    this.up(last.index);
  }

  /** Removes and returns every entry due at `nowNs`, earliest first. */
  popDue(nowNs: number): TimerEntry[] {
    const due: TimerEntry[] = [];
    while (this.items.length > 0 && this.items[0]!.deadlineNs <= nowNs) {
      const top = this.items[0]!;
      this.remove(top);
      due.push(top);
    }
    return due;
  }

  private less(a: TimerEntry, b: TimerEntry): boolean {
    return a.deadlineNs < b.deadlineNs || (a.deadlineNs === b.deadlineNs && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.items[i]!;
    const b = this.items[j]!;
    this.items[i] = b;
    this.items[j] = a;
    a.index = j;
    b.index = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.items[i]!, this.items[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.items[l]!, this.items[m]!)) m = l;
      if (r < n && this.less(this.items[r]!, this.items[m]!)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }
}
