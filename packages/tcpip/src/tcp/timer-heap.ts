/**
 * An indexed binary min-heap of timer owners keyed by deadline (ns). Each item
 * carries its own position (`heapIndex`, -1 when absent) and key (`heapKey`), so
 * re-keying or removing an item is O(log n) with no lookup, and the earliest
 * deadline is O(1). The TCP layer keeps one entry per connection with an armed
 * timer, so pollAt() does not scan the connection table.
 */

export interface HeapItem {
  /** Position in the heap array, -1 when not in the heap. Owned by the heap. */
  heapIndex: number;
  /** The key the item is filed under. Owned by the heap. */
  heapKey: number;
}

export class TimerHeap<T extends HeapItem> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  /** The smallest key, or Infinity when empty. */
  minKey(): number {
    return this.items.length === 0 ? Infinity : this.items[0]!.heapKey;
  }

  /** The item with the smallest key, if any. */
  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return item.heapIndex >= 0;
  }

  /** Files `item` under `key`: inserts, re-keys, or removes it when the key is Infinity (no deadline). */
  set(item: T, key: number): void {
    if (key === Infinity) {
      this.delete(item);
      return;
    }
    const i = item.heapIndex;
    if (i < 0) {
      item.heapKey = key;
      item.heapIndex = this.items.length;
      this.items.push(item);
      this.up(item.heapIndex);
      return;
    }
    const old = item.heapKey;
    if (key === old) return;
    item.heapKey = key;
    if (key < old) this.up(i);
    else this.down(i);
  }

  delete(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const items = this.items;
    const last = items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    items[i] = last;
    last.heapIndex = i;
    // The moved item may belong above or below its new position.
    if (i > 0 && last.heapKey < items[(i - 1) >> 1]!.heapKey) this.up(i);
    else this.down(i);
  }

  /** Removes and returns the item with the smallest key. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.delete(top);
    return top;
  }

  private up(i: number): void {
    const items = this.items;
    const item = items[i]!;
    const key = item.heapKey;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p]!;
      if (parent.heapKey <= key) break;
      items[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private down(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    const key = item.heapKey;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && items[r]!.heapKey < items[l]!.heapKey ? r : l;
      const child = items[c]!;
      if (child.heapKey >= key) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
