import { describe, expect, it } from "vitest";
import { prng } from "./test-harness.ts";
import { TimerHeap, type HeapItem } from "./timer-heap.ts";

interface Item extends HeapItem {
  readonly id: number;
}

const item = (id: number): Item => ({ id, heapIndex: -1, heapKey: Infinity });

/** Checks the heap property and that every item's index points back at it. */
function check(h: TimerHeap<Item>, model: Map<Item, number>): void {
  const items = (h as unknown as { items: Item[] }).items;
  expect(items.length).toBe(model.size);
  items.forEach((it, i) => {
    expect(it.heapIndex).toBe(i);
    expect(it.heapKey).toBe(model.get(it));
    if (i > 0) expect(items[(i - 1) >> 1]!.heapKey).toBeLessThanOrEqual(it.heapKey);
  });
  const min = Math.min(...model.values());
  expect(h.minKey()).toBe(model.size === 0 ? Infinity : min);
}

describe("TimerHeap", () => {
  it("orders by key and pops in ascending order", () => {
    const h = new TimerHeap<Item>();
    expect(h.minKey()).toBe(Infinity);
    expect(h.pop()).toBeUndefined();
    const keys = [50, 10, 40, 10, 30, 20, 60, 0];
    const items = keys.map((_, i) => item(i));
    items.forEach((it, i) => h.set(it, keys[i]!));
    expect(h.size).toBe(keys.length);
    const popped: number[] = [];
    for (let it = h.pop(); it !== undefined; it = h.pop()) {
      expect(it.heapIndex).toBe(-1);
      popped.push(keys[it.id]!);
    }
    expect(popped).toEqual([...keys].sort((a, b) => a - b));
  });

  it("re-keys up and down, removes on Infinity, and ignores absent deletes", () => {
    const h = new TimerHeap<Item>();
    const a = item(1), b = item(2), c = item(3);
    h.set(a, 100);
    h.set(b, 200);
    h.set(c, 300);
    expect(h.peek()).toBe(a);
    h.set(c, 50); // decrease
    expect(h.peek()).toBe(c);
    h.set(c, 400); // increase
    expect(h.peek()).toBe(a);
    h.set(a, Infinity); // no deadline: out of the heap
    expect(h.has(a)).toBe(false);
    expect(h.size).toBe(2);
    h.delete(a);
    expect(h.size).toBe(2);
    h.delete(b);
    expect(h.peek()).toBe(c);
    expect(h.minKey()).toBe(400);
  });

  it("matches a reference model under random inserts, re-keys, deletes and pops", () => {
    const rand = prng(7);
    const h = new TimerHeap<Item>();
    const model = new Map<Item, number>();
    const pool = Array.from({ length: 200 }, (_, i) => item(i));
    for (let step = 0; step < 20_000; step++) {
      const it = pool[Math.floor(rand() * pool.length)]!;
      const op = rand();
      if (op < 0.6) {
        // Small key range so ties are common.
        const key = rand() < 0.05 ? Infinity : Math.floor(rand() * 1000);
        h.set(it, key);
        if (key === Infinity) model.delete(it);
        else model.set(it, key);
      } else if (op < 0.8) {
        h.delete(it);
        model.delete(it);
      } else {
        const min = h.minKey();
        const top = h.pop();
        if (top === undefined) expect(model.size).toBe(0);
        else {
          expect(model.get(top)).toBe(min);
          model.delete(top);
        }
      }
      if (step % 97 === 0) check(h, model);
    }
    check(h, model);
  });
});
