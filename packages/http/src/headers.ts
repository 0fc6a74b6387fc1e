/**
 * An ordered header collection: lookups are case-insensitive, iteration keeps the
 * order and original spelling of names, repeated fields stay separate entries
 * (Set-Cookie cannot be combined, RFC 9110 5.3).
 */
import { isFieldValue, isToken } from "./bytes.ts";

export type HeaderInit = Headers | Iterable<readonly [string, string]> | Record<string, string>;

export class Headers implements Iterable<[string, string]> {
  private readonly names: string[] = [];
  private readonly lower: string[] = [];
  private readonly values: string[] = [];

  constructor(init?: HeaderInit) {
    if (init === undefined) return;
    if (init instanceof Headers) {
      for (const [n, v] of init) this.append(n, v);
    } else if (Symbol.iterator in (init as object)) {
      for (const [n, v] of init as Iterable<readonly [string, string]>) this.append(n, v);
    } else {
      for (const n of Object.keys(init)) this.append(n, (init as Record<string, string>)[n]!);
    }
  }

  /** @internal parser fast path; name and value are already validated. */
  appendUnchecked(name: string, value: string): void {
    this.names.push(name);
    this.lower.push(name.toLowerCase());
    this.values.push(value);
  }

  /** Appends a field. Throws TypeError on a non-token name or a value with CR/LF/CTL. */
  append(name: string, value: string): this {
    if (!isToken(name)) throw new TypeError(`Headers: invalid field name ${JSON.stringify(name)}`);
    const v = value.replace(/^[ \t]+|[ \t]+$/g, "");
    if (!isFieldValue(v)) throw new TypeError(`Headers: invalid value for ${name}: ${JSON.stringify(value)}`);
    this.appendUnchecked(name, v);
    return this;
  }

  /** Replaces all fields named `name` by one (at the position of the first). */
  set(name: string, value: string): this {
    const key = name.toLowerCase();
    const i = this.lower.indexOf(key);
    if (i < 0) return this.append(name, value);
    new Headers().append(name, value); // validate before removing anything
    this.delete(name);
    this.append(name, value);
    // Move the new entry back to where the first old one was, keeping order stable.
    const last = this.names.length - 1;
    if (i !== last) {
      const [n] = this.names.splice(last, 1);
      const [l] = this.lower.splice(last, 1);
      const [v] = this.values.splice(last, 1);
      this.names.splice(i, 0, n!);
      this.lower.splice(i, 0, l!);
      this.values.splice(i, 0, v!);
    }
    return this;
  }

  delete(name: string): boolean {
    const key = name.toLowerCase();
    let removed = false;
    for (let i = this.lower.length - 1; i >= 0; i--) {
      if (this.lower[i] === key) {
        this.names.splice(i, 1);
        this.lower.splice(i, 1);
        this.values.splice(i, 1);
        removed = true;
      }
    }
    return removed;
  }

  has(name: string): boolean {
    return this.lower.indexOf(name.toLowerCase()) >= 0;
  }

  /** The first value of `name`, or undefined. */
  first(name: string): string | undefined {
    const i = this.lower.indexOf(name.toLowerCase());
    return i < 0 ? undefined : this.values[i];
  }

  /** All values of `name` joined with ", " (RFC 9110 5.3), or undefined if absent. */
  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all.length === 0 ? undefined : all.join(", ");
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const out: string[] = [];
    for (let i = 0; i < this.lower.length; i++) if (this.lower[i] === key) out.push(this.values[i]!);
    return out;
  }

  get size(): number {
    return this.names.length;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i]!, this.values[i]!];
  }

  entries(): Array<[string, string]> {
    return [...this];
  }
}
