/**
 * mirage-spt end to end: C test guests (test/spt-guests) linked with the real
 * platform-spt.c run under the tender. Checks console, clocks, poll deadlines and
 * exit codes; that seccomp kills forbidden system calls with SIGSYS; that guest
 * faults become one line and status 1; block I/O round trips through a file; that
 * every bad input is one "mirage-spt: ..." line and status 1; and, where root and
 * /dev/net/tun allow, that Linux's ping gets answers from a guest over a tap.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, withNetns } from "../../../test/support/netns.ts";
import { run } from "../../../test/support/run.ts";
import type { RunResult } from "../../../test/support/run.ts";
import { PLATFORM_SPT, TENDER, sptGuest, sptTender } from "./spt-guests/build.ts";

const work = mkdtempSync(join(tmpdir(), "mirage-spt-test-"));
let tender = "";
const guests: Record<string, string> = {};

beforeAll(async () => {
  tender = await sptTender(work);
  const builds: Array<[string, string, string[]]> = [
    ["hello", "hello", []],
    ["forbidden", "forbidden", []],
    ["block", "block", []],
    ["echo", "echo", []],
    ["abi99", "hello", ["GUEST_ABI_VERSION=99"]],
    ["hvt-target", "hello", ["GUEST_TARGET=MIRAGE_TARGET_HVT"]],
  ];
  await Promise.all(builds.map(async ([key, src, defines]) => (guests[key] = await sptGuest(work, src, defines, `${key}.spt`))));
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const spt = (args: string[], timeoutMs = 10_000): Promise<RunResult> => run(tender, args, { timeoutMs });

/** A tender failure: exactly one line, prefixed, status 1. */
function expectOneLineError(r: RunResult, pattern: RegExp): void {
  expect(r.signal).toBeNull();
  expect(r.status).toBe(1);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^mirage-spt: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stdout).toBe("");
}

function diskWithHeader(name: string, bytes: number): string {
  const file = join(work, name);
  const data = new Uint8Array(bytes);
  data.set(new TextEncoder().encode("mirage-spt block test"));
  writeFileSync(file, data);
  return file;
}

describe("mirage-spt runs guests", () => {
  it("hello: console, boot info, clocks, poll deadline, arguments, exit code 7", async () => {
    const r = await spt(["--mem=8", "--", guests.hello!, "first", "two words"]);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(7);
    expect(r.stdout).not.toMatch(/FAIL/);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("hello from spt");
    for (const check of ["abi", "heap", "memory", "stack", "tls", "seed", "walltime", "poll", "poll-past-deadline", "no-devices"])
      expect(lines).toContain(`ok ${check}`);
    expect(lines).toContain("mem_mib 8");
    expect(lines).toContain("argc 2");
    expect(lines).toContain("argv first");
    expect(lines).toContain("argv two words");
    expect(lines).toContain("cmdline first two words");
    const slept = Number(/slept_ms (\d+)/.exec(r.stdout)![1]);
    expect(slept).toBeGreaterThanOrEqual(50);
    expect(slept).toBeLessThan(1000);
    expect(r.stderr).toBe("hello: done\n");
  });

  it("keeps every syscall instruction of a guest inside platform-spt.c's functions", async () => {
    const platformObj = join(work, "platform-spt.o");
    const cc = await run("gcc", ["-O2", "-ffreestanding", "-fno-pic", "-c", `-I${join(TENDER, "include")}`, PLATFORM_SPT, "-o", platformObj]);
    expect(cc.status, cc.stderr).toBe(0);
    const nm = await run("nm", [platformObj]);
    // Text symbols; W too, since the runtime's optional hooks (platform.h) are weak.
    const platformFunctions = new Set(nm.stdout.split("\n").filter((l) => / [tTwW] /.test(l)).map((l) => l.split(" ")[2]!));
    for (const image of [guests.hello!, guests.block!, guests.echo!]) {
      const dis = await run("objdump", ["-d", "--no-show-raw-insn", image]);
      let fn = "";
      let count = 0;
      for (const line of dis.stdout.split("\n")) {
        const label = /^[0-9a-f]+ <([^>]+)>:$/.exec(line);
        if (label) fn = label[1]!;
        else if (/\ssyscall\s*$/.test(line)) {
          count++;
          expect(platformFunctions, `syscall in ${fn} of ${image}`).toContain(fn);
        }
      }
      expect(count).toBeGreaterThan(0);
    }
  });

  it("takes the image as the first non-option too, and defaults to 128 MiB", async () => {
    const r = await spt([guests.hello!]);
    expect(r.status).toBe(7);
    expect(r.stdout).toContain("mem_mib 128");
    expect(r.stdout).toContain("argc 0");
  });

  it("survives a stdout whose reader is gone (EPIPE, no SIGPIPE) and a closed stdout", async () => {
    const gone = await run("sh", ["-c", '{ sleep 0.3; "$0" "$1"; echo "status $?" >&2; } | true', tender, guests.hello!]);
    expect(gone.stderr).toBe("hello: done\nstatus 7\n");
    const closed = await run("sh", ["-c", 'exec "$0" "$1" >&-', tender, guests.hello!]);
    expect(closed.status).toBe(7);
    expect(closed.stderr).toBe("hello: done\n");
  });

  it("block: reads, writes and reads back whole blocks; refuses bad requests itself", async () => {
    const disk = diskWithHeader("rw.img", 16 * 512);
    const r = await spt(["--block:storage=" + disk, guests.block!]);
    expect(r.stderr).toBe("");
    expect(r.stdout).not.toMatch(/FAIL/);
    expect(r.stdout).toContain("capacity 8192");
    expect(r.stdout).toContain("ok blocks 1-2 content");
    expect(r.status).toBe(0);
    const after = readFileSync(disk);
    expect(after.length).toBe(8192);
    for (let i = 0; i < 1024; i++) expect(after[512 + i]).toBe((i * 7 + 1) & 0xff);
    expect(after.subarray(1536).every((b) => b === 0)).toBe(true);
  });
});

describe("mirage-spt seccomp", () => {
  const forbidden = [
    "openat", "socket", "execve", "write5", "write-block", "read-stdin",
    "write-fd-high-bits", "arch_prctl-get-fs", "clock-cputime", "mmap", "x32-write",
  ];
  for (const call of forbidden) {
    it(`kills a guest that calls ${call} with SIGSYS`, async () => {
      const r = await spt(["--block:storage=" + diskWithHeader(`f-${call}.img`, 1024), guests.forbidden!, call]);
      expect(r.stdout).toContain(`about to call ${call}`);
      expect(r.stdout).not.toContain("survived");
      expect(r.signal).toBe("SIGSYS");
    });
  }

  it("lets the same guest write to stdout (the control case)", async () => {
    const r = await spt(["--block:storage=" + diskWithHeader("f-ok.img", 1024), guests.forbidden!, "allowed-write"]);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("allowed\n");
  });

  for (const [mode, what] of [["null-deref", "a null pointer"], ["write-text", "its own code"]] as const) {
    it(`reports a guest that writes ${what} in one line, status 1`, async () => {
      const r = await spt(["--block:storage=" + diskWithHeader(`c-${mode}.img`, 1024), guests.forbidden!, mode]);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^mirage-spt: guest crashed: SIGSEGV at address 0x[0-9a-f]+, rip 0x[0-9a-f]+\n$/);
    });
  }
});

describe("mirage-spt refuses bad input with one line and status 1", () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ["a missing image", () => [join(work, "nope.spt")], /cannot open image/],
    ["a non-ELF file", () => [writeBytes("random.spt", randomish(3000))], /not an ELF file/],
    ["an empty file", () => [writeBytes("empty.spt", new Uint8Array(0))], /not an ELF file/],
    ["an image cut inside its headers", () => [truncated(100)], /truncated/],
    ["an image cut inside a segment", () => [truncated(4200)], /truncated/],
    ["a dynamic executable", () => ["/bin/true"], /not a static executable|dynamically linked/],
    ["a wrong ABI version", () => [guests.abi99!], /ABI version 99/],
    ["an hvt image", () => [guests["hvt-target"]!], /image is for the hvt target .*not spt; run it with mirage-hvt/],
    ["a missing device attachment", () => [guests.block!], /needs its block device storage: add --block:storage=FILE/],
    ["an unknown device name", () => ["--block:nope=" + diskWithHeader("u.img", 512), guests.hello!], /--block:nope: the image has no block device named nope \(it has: none\)/],
    ["a device of the wrong kind", () => ["--net:storage=tap0", guests.block!], /--net:storage: the image's device storage is a block device/],
    ["a tap that does not exist", () => ["--net:service=mspt-none0", guests.echo!, "10.0.0.2"], /tap device mspt-none0 does not exist/],
    ["a block file of the wrong size", () => ["--block:storage=" + writeBytes("odd.img", new Uint8Array(1000)), guests.block!], /is 1000 bytes, not a non-zero multiple of 512/],
    ["an empty block file", () => ["--block:storage=" + writeBytes("zero.img", new Uint8Array(0)), guests.block!], /is 0 bytes/],
    ["a missing block file", () => ["--block:storage=" + join(work, "missing.img"), guests.block!], /cannot open/],
    ["--mem smaller than the image", () => ["--mem=1", guests.hello!], /--mem is too small: .*raise --mem/],
    ["--mem too small for heap and stack", () => ["--mem=2", guests.hello!], /--mem=2 is too small .*needs at least 3 MiB/],
    ["--mem=0", () => ["--mem=0", guests.hello!], /--mem=0 is out of range/],
    ["--mem not a number", () => ["--mem=lots", guests.hello!], /--mem needs a whole number of MiB/],
    ["a bad MAC", () => ["--net-mac:service=02:00", "--net:service=x", guests.echo!], /not a MAC address/],
    ["a multicast MAC", () => ["--net-mac:service=01:00:5e:00:00:01", "--net:service=x", guests.echo!], /multicast/],
    ["a device attached twice", () => ["--block:storage=a", "--block:storage=b", guests.block!], /--block:storage given twice/],
    ["a bad device name", () => ["--block:a/b=x", guests.block!], /the image has no block device named a\/b/],
    ["guest arguments that do not fit the boot area", () => [guests.hello!, "a".repeat(70_000)], /guest arguments are too long/],
    ["a device name that is too long", () => ["--block:" + "x".repeat(40) + "=f", guests.block!], /longer than 31 characters/],
  ];
  for (const [what, args, pattern] of cases) {
    it(what, async () => expectOneLineError(await spt(args()), pattern));
  }

  const tun = canUseNetns();
  it.skipIf(!tun.ok)(`an interface that is not a tap${tun.ok ? "" : ` (skipped: ${tun.reason})`}`, async () =>
    expectOneLineError(await spt(["--net:service=lo", guests.echo!, "10.0.0.2"]), /lo is not a tap device/));

  // Command-line mistakes print the usage text first; the error is the last line.
  for (const [what, args, pattern] of [
    ["an unknown option", ["--frobnicate", "x.spt"], /^mirage-spt: unknown option "--frobnicate"$/],
    ["no image", ["--mem=8"], /^mirage-spt: no image given$/],
  ] as const) {
    it(what, async () => {
      const r = await spt([...args]);
      expect(r.status).toBe(1);
      expect(r.stderr.trimEnd().split("\n").at(-1)).toMatch(pattern);
    });
  }

  it("never crashes or hangs on images with corrupted headers and notes (fuzz, 200 cases)", async () => {
    const good = readFileSync(guests.hello!);
    const fields = interestingOffsets(good);
    let seed = 0x5eed;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const img = Uint8Array.from(good);
      const flips = 1 + (next() % 3);
      for (let k = 0; k < flips; k++) {
        const at = fields[next() % fields.length]!;
        const pick = next() % 4;
        img[at] = pick === 0 ? 0xff : pick === 1 ? 0 : pick === 2 ? img[at]! ^ (1 << (next() % 8)) : next() & 0xff;
      }
      const r = await spt(["--mem=8", writeBytes(`fuzz-${i}.spt`, img)], 5_000);
      const kind = r.status === 7 ? "ran" : r.status === 1 ? "refused-or-crashed" : `status ${r.status} signal ${r.signal}`;
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      // The tender itself never dies of a signal; a loaded guest may (SIGSYS) or may fault (status 1, one line).
      expect(r.signal === null || r.signal === "SIGSYS", `case ${i}: ${r.signal} ${r.stderr}`).toBe(true);
      if (r.status === 1) {
        // The report is the last line; a guest that crashed mid-line may have left text before it.
        const lines = r.stderr.trimEnd().split("\n");
        expect(lines[lines.length - 1], `case ${i}`).toMatch(/mirage-spt: .+$/);
      }
    }
    console.log("spt fuzz outcomes:", Object.fromEntries(outcomes));
    expect(outcomes.get("refused-or-crashed") ?? 0).toBeGreaterThan(50);
  }, 120_000);
});

describe("mirage-spt on a tap", () => {
  const netns = canUseNetns();
  if (!netns.ok) {
    it.skip(`answers ping over a tap (skipped: ${netns.reason})`, () => {});
    console.log(`spt tap test skipped: ${netns.reason}`);
    return;
  }
  it("answers Linux's ARP and ping from inside a namespace, with the --net-mac address", async () => {
    await withNetns(async (ns) => {
      await ns.addTap("sptap0", "10.77.0.1/24");
      const child = ns.spawn(tender, ["--net:service=sptap0", "--net-mac:service=02:5b:70:00:00:07", "--", guests.echo!, "10.77.0.2", "4"]);
      let out = "";
      child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
      let err = "";
      child.stderr!.setEncoding("utf8").on("data", (d: string) => (err += d));
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      for (let i = 0; i < 100 && !out.includes("ready\n"); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain("mac 02:5b:70:00:00:07");
      const ping = await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.77.0.2"], { timeoutMs: 20_000 });
      expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
      // Linux learnt the guest's MAC from its ARP reply (checked while the guest still runs).
      const neigh = await ns.exec("ip", ["neigh", "show", "10.77.0.2"]);
      expect(neigh.stdout).toContain("02:5b:70:00:00:07");
      const last = await ns.exec("ping", ["-c", "1", "-W", "2", "10.77.0.2"], { timeoutMs: 20_000 });
      expect(last.stdout).toMatch(/1 packets transmitted, 1 received/);
      expect(await exited).toBe(0);
      expect(err).toBe("");
      expect(out).toContain("echo replies 4");
    }, "mspt");
  });
});

function writeBytes(name: string, data: Uint8Array): string {
  const file = join(work, name);
  writeFileSync(file, data);
  return file;
}

/** Byte offsets of the fields the tender parses: ELF header, program headers, note headers and descs. */
function interestingOffsets(img: Uint8Array): number[] {
  const view = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const out: number[] = [];
  const span = (at: number, len: number) => {
    for (let i = 0; i < len; i++) out.push(at + i);
  };
  span(16, 4); // e_type, e_machine
  span(24, 16); // e_entry, e_phoff
  span(54, 4); // e_phentsize, e_phnum
  const phnum = view.getUint16(56, true);
  for (let p = 0; p < phnum; p++) {
    const ph = 64 + 56 * p;
    span(ph, 24); // p_type, p_flags, p_offset, p_vaddr
    span(ph + 32, 24); // p_filesz, p_memsz, p_align
    if (view.getUint32(ph, true) === 4 /* PT_NOTE */) {
      const notes = Number(view.getBigUint64(ph + 8, true));
      const size = Number(view.getBigUint64(ph + 32, true));
      for (let at = notes; at + 12 <= notes + size; ) {
        const namesz = view.getUint32(at, true), descsz = view.getUint32(at + 4, true);
        span(at, 12); // namesz, descsz, type
        span(at + 12 + ((namesz + 3) & ~3), 8); // the desc's first fields (version/count, abi/target)
        span(at + 12 + ((namesz + 3) & ~3) + 8, 40); // first manifest entry, if any
        at += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
      }
    }
  }
  return out.filter((o) => o < img.length);
}

function randomish(n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) out[i] = (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

function truncated(bytes: number): string {
  return writeBytes(`cut-${bytes}.spt`, readFileSync(guests.hello!).subarray(0, bytes));
}
