/**
 * `mirage configure --kv-ro=direct`: the unix build reads htdocs/ (relative to its
 * working directory) at run time instead of crunching it into the image, so a file
 * changed, added or removed after start is served as it is now, with new validators.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUnikernel } from "../../test/support/example.ts";
import { REPO, run } from "../../test/support/run.ts";
import { watch, type Running } from "../../test/support/unikernel-process.ts";

const HERE = import.meta.dirname;

describe("examples/static-website with --kv-ro=direct", () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  let build = "";
  let site = "";
  let app: Running;
  const curl = (args: string[]) => run("curl", ["-sS", "--max-time", "5", ...args]);

  beforeAll(async () => {
    // A private copy of the example to build (no clash with other tests), and a separate
    // folder the unikernel runs in, whose htdocs/ the test edits.
    build = mkdtempSync(join(tmpdir(), "sw-kvd-build-"));
    for (const f of ["config.ts", "unikernel.ts", "htdocs"]) cpSync(join(HERE, f), join(build, f), { recursive: true });
    symlinkSync(join(REPO, "node_modules"), join(build, "node_modules"));
    const bin = await buildUnikernel(build, "static-website", ["--kv-ro=direct"]);
    site = mkdtempSync(join(tmpdir(), "sw-kvd-site-"));
    cpSync(join(HERE, "htdocs"), join(site, "htdocs"), { recursive: true });
    app = watch(spawn(bin, [`--port=${port}`], { cwd: site, stdio: ["ignore", "pipe", "pipe"] }));
    await app.waitFor(new RegExp(`serving on port ${port}`));
  }, 120_000);
  afterAll(async () => {
    await app?.stop();
    for (const d of [build, site]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("serves a file rewritten after start, with a new ETag and Last-Modified", async () => {
    const file = join(site, "htdocs", "range.txt");
    const before = await curl(["-D", "-", `${base}/range.txt`]);
    expect(before.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(before.stdout.endsWith("0123456789abcdefghijklmnopqrstuvwxyz\n")).toBe(true);
    const oldEtag = /ETag: ("[0-9a-f]+")/.exec(before.stdout)![1]!;
    const oldModified = /Last-Modified: ([^\r]+)/.exec(before.stdout)![1]!;

    writeFileSync(file, "changed after start\n");
    const later = new Date(Date.parse(oldModified) + 60_000);
    utimesSync(file, later, later);

    const after = await curl(["-D", "-", `${base}/range.txt`]);
    expect(after.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(after.stdout.endsWith("\r\n\r\nchanged after start\n")).toBe(true);
    expect(after.stdout).toContain("Content-Length: 20\r\n");
    const newEtag = /ETag: ("[0-9a-f]+")/.exec(after.stdout)![1]!;
    expect(newEtag).not.toBe(oldEtag);
    expect(after.stdout).toContain(`Last-Modified: ${later.toUTCString()}\r\n`);

    // The old validators no longer match; the new ones do.
    const stale = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", `If-None-Match: ${oldEtag}`, `${base}/range.txt`]);
    expect(stale.stdout).toBe("200");
    const staleDate = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", `If-Modified-Since: ${oldModified}`, `${base}/range.txt`]);
    expect(staleDate.stdout).toBe("200");
    const fresh = await curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", `If-None-Match: ${newEtag}`, `${base}/range.txt`]);
    expect(fresh.stdout).toBe("304");
    const range = await curl(["-r", "8-12", `${base}/range.txt`]);
    expect(range.stdout).toBe("after");
  });

  it("serves files and folders added after start, and 404s removed ones", async () => {
    mkdirSync(join(site, "htdocs", "new"));
    writeFileSync(join(site, "htdocs", "new", "index.html"), "<p>new</p>\n");
    const added = await curl(["-D", "-", `${base}/new/`]);
    expect(added.stdout).toMatch(/^HTTP\/1\.1 200 /);
    expect(added.stdout).toMatch(/\r\nContent-Type: text\/html; charset=utf-8\r\n/);
    expect(added.stdout.endsWith("<p>new</p>\n")).toBe(true);
    unlinkSync(join(site, "htdocs", "style.css"));
    const removed = await curl(["-o", "/dev/null", "-w", "%{http_code}", `${base}/style.css`]);
    expect(removed.stdout).toBe("404");
  });

  it("does not follow a link out of htdocs", async () => {
    symlinkSync("/etc/passwd", join(site, "htdocs", "passwd"));
    const r = await curl(["-w", "\n%{http_code}", `${base}/passwd`]);
    expect(r.stdout).not.toContain("root:");
    expect(r.stdout.split("\n").pop()).toMatch(/^40[04]$/);
  });
});
