// The build cache (src/build/cache.ts): content keys, build-once, atomic entries,
// failed builds leave nothing behind, stale siblings are pruned.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Hasher, cachedDir } from "../src/build/cache.ts";

const root = mkdtempSync(join(tmpdir(), "mirage-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("guest build cache", () => {
  it("keys on content: same inputs, same key; any change, another key", () => {
    const f = join(root, "input.c");
    writeFileSync(f, "int x;");
    const a = new Hasher().file(f).text("flags", "-O2").digest();
    expect(new Hasher().file(f).text("flags", "-O2").digest()).toBe(a);
    expect(new Hasher().file(f).text("flags", "-O1").digest()).not.toBe(a);
    writeFileSync(f, "int y;");
    expect(new Hasher().file(f).text("flags", "-O2").digest()).not.toBe(a);
    expect(new Hasher().file(join(root, "absent.c")).digest()).not.toBe(new Hasher().digest());
  });

  it("builds an entry once, also for concurrent callers", async () => {
    let builds = 0;
    const make = async (tmp: string) => {
      builds++;
      await new Promise((r) => setTimeout(r, 20));
      writeFileSync(join(tmp, "out.o"), "obj");
    };
    const [a, b] = await Promise.all([cachedDir(root, "thing-aaaa", make), cachedDir(root, "thing-aaaa", make)]);
    expect(a).toBe(join(root, "thing-aaaa"));
    expect(b).toBe(a);
    expect(await cachedDir(root, "thing-aaaa", make)).toBe(a);
    expect(builds).toBe(1);
    expect(existsSync(join(a, "out.o"))).toBe(true);
  });

  it("leaves nothing behind when a build fails, and can retry", async () => {
    const err = await cachedDir(root, "broken-bbbb", async (tmp) => {
      writeFileSync(join(tmp, "half.o"), "x");
      throw new Error("compiler exploded");
    }).catch((e: Error) => e.message);
    expect(err).toBe("compiler exploded");
    expect(readdirSync(root).filter((e) => e.includes("broken"))).toEqual([]);
    const dir = await cachedDir(root, "broken-bbbb", async (tmp) => writeFileSync(join(tmp, "ok.o"), "x"));
    expect(existsSync(join(dir, "ok.o"))).toBe(true);
  });

  it("prunes stale entries of the same kind once a new one exists", async () => {
    const old = join(root, "kind-old1");
    const recent = join(root, "kind-new2");
    const other = join(root, "otherkind-old3");
    for (const d of [old, recent, other]) mkdirSync(d);
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(old, hourAgo, hourAgo);
    utimesSync(other, hourAgo, hourAgo);
    await cachedDir(root, "kind-fresh", async () => {});
    expect(existsSync(old)).toBe(false); // stale, same kind
    expect(existsSync(recent)).toBe(true); // maybe in use by a parallel build
    expect(existsSync(other)).toBe(true); // another kind
  });
});
