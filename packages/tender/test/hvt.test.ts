/**
 * mirage-hvt against real KVM: C test guests (test/guests) built here with gcc,
 * the tender compiled from src/ with the same flags as scripts/build.mjs. Skips
 * with a printed reason without Linux/x86_64, /dev/kvm or gcc; the tap tests also
 * need network namespaces (test/support/netns.ts).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canUseNetns, withNetns } from "../../../test/support/netns.ts";
import { run } from "../../../test/support/run.ts";
import type { RunResult } from "../../../test/support/run.ts";

const PKG = fileURLToPath(new URL("..", import.meta.url));
const GUESTS = join(PKG, "test/guests");

function skipReason(): string | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return `hvt needs Linux on x86_64 (this is ${process.platform}/${process.arch})`;
  if (!existsSync("/dev/kvm")) return "/dev/kvm is missing (no KVM on this machine)";
  const gcc = spawnSync("gcc", ["--version"]);
  if (gcc.error || gcc.status !== 0) return "gcc is not installed";
  return undefined;
}
const reason = skipReason();
if (reason) console.log(`skipping mirage-hvt tests: ${reason}`);

let dir = "";
let tender = "";
let disk = ""; // 4096 bytes, for the guests whose manifest has "disk"

function gcc(args: string[]): void {
  const r = spawnSync("gcc", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc ${args.join(" ")}\n${r.stderr}`);
}

const cFiles = (d: string) => readdirSync(join(PKG, d)).filter((f) => f.endsWith(".c")).map((f) => join(PKG, d, f));
const GUEST_FLAGS = ["-O2", "-ffreestanding", "-fno-math-errno", "-nostdlib", "-static", "-fno-pic", "-no-pie", "-fno-stack-protector",
  "-fno-asynchronous-unwind-tables", "-Wall", "-Wextra", "-Werror", "-I", join(PKG, "include"), "-I", join(PKG, "../guest/src"),
  "-T", join(GUESTS, "guest.ld"), "-Wl,--build-id=none"];

function guest(name: string, sources: string[], defines: string[] = []): string {
  const out = join(dir, name);
  gcc([...GUEST_FLAGS, ...defines, "-o", out, join(GUESTS, "guest.c"), ...sources.map((s) => join(GUESTS, s))]);
  return out;
}

function hvt(args: string[], timeoutMs = 20_000): Promise<RunResult> {
  return run(tender, args, { timeoutMs });
}

/** The tender's own failures: exactly one "mirage-hvt: ..." line on stderr, status 1, no signal. */
function expectRefusal(r: RunResult, pattern: RegExp): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(1);
  const lines = r.stderr.trim().split("\n");
  expect(lines.length, r.stderr).toBe(1);
  expect(lines[0]).toMatch(/^mirage-hvt: /);
  expect(lines[0]).toMatch(pattern);
}

describe.skipIf(reason !== undefined)("mirage-hvt", () => {
  const images: Record<string, string> = {};

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "mirage-hvt-test-"));
    tender = join(dir, "mirage-hvt");
    gcc(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O2", "-I", join(PKG, "include"), "-I", join(PKG, "src/common"),
      "-I", join(PKG, "src/hvt"), "-o", tender, ...cFiles("src/hvt"), ...cFiles("src/common")]);
    images.hello = guest("hello.hvt", ["hello.c"]);
    images.v2 = guest("hello-v2.hvt", ["hello.c"], ["-DTEST_ABI_VERSION=2"]);
    images.spt = guest("hello-spt.hvt", ["hello.c"], ["-DTEST_TARGET=2"]);
    images.noAbi = guest("hello-noabi.hvt", ["hello.c"], ["-DTEST_NO_ABI_NOTE"]);
    images.hostile = guest("hostile.hvt", ["hostile.c"]);
    images.sse = guest("sse.hvt", ["sse.c"]);
    images.fuzz = guest("fuzz.hvt", ["fuzz-guest.c"]);
    images.platform = guest("platform.hvt", ["platform-guest.c", "../../../guest/src/platform-hvt.c"]);
    disk = join(dir, "disk.img");
    writeFileSync(disk, Buffer.alloc(4096));
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs hello: console, clocks, a timed poll, arguments and the exit code", async () => {
    const started = process.hrtime.bigint();
    const r = await hvt(["--mem=64", "--", images.hello!, "first", "second arg"]);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(r.stderr).toBe("");
    expect(r.status).toBe(7);
    expect(r.stdout).toMatch(/^hello from the guest\n/);
    expect(r.stdout).toContain("mem_size 67108864\n");
    expect(r.stdout).toContain("arg first\narg second arg\n");
    const now = Math.floor(Date.now() / 1000);
    const wall = Number(/walltime_s (\d+)/.exec(r.stdout)![1]);
    expect(Math.abs(wall - now)).toBeLessThan(5);
    expect(Number(/boot_wall_s (\d+)/.exec(r.stdout)![1])).toBeLessThanOrEqual(wall);
    const slept = Number(/slept_ms (\d+)/.exec(r.stdout)![1]);
    expect(slept).toBeGreaterThanOrEqual(49);
    expect(slept).toBeLessThan(1000);
    const bootNs = Number(/boot_ns (\d+)/.exec(r.stdout)![1]);
    expect(bootNs).toBeLessThan(1e9); // the guest clock starts near 0
    console.log(`hvt boot: whole run ${ms.toFixed(1)} ms (incl. a 50 ms sleep), guest clock at hello's first timestamp ${(bootNs / 1000).toFixed(0)} µs`);
  });

  it("accepts IMAGE as the first non-option and rounds --mem up to 2 MiB", async () => {
    const r = await hvt(["--mem=5", images.hello!]);
    expect(r.status).toBe(7);
    expect(r.stdout).toContain("mem_size 6291456\n");
  });

  it("runs SSE and floating point code at CPL3", async () => {
    const r = await hvt([images.sse!]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("sqrt 4000\nvec 30 50\nharmonic 7485470\n"); // x = 2 without arguments
  });

  describe("bad input", () => {
    const corrupt = (name: string, f: (b: Buffer) => Buffer): string => {
      const out = join(dir, name);
      writeFileSync(out, f(readFileSync(images.hello!)));
      return out;
    };

    it.each([
      ["not an ELF file", () => corrupt("text.hvt", () => Buffer.from("#!/bin/sh\necho hi\n")), /not an ELF file/],
      ["truncated header", () => corrupt("short.hvt", (b) => b.subarray(0, 40)), /truncated ELF header/],
      ["truncated program headers", () => corrupt("phdr.hvt", (b) => b.subarray(0, 100)), /program header table runs past the end/],
      ["truncated segments", () => corrupt("half.hvt", (b) => b.subarray(0, 0x1800)), /runs past the end of the file/],
      ["32-bit ELF", () => corrupt("elf32.hvt", (b) => { const c = Buffer.from(b); c[4] = 1; return c; }), /not a 64-bit little-endian x86_64/],
      ["shared object", () => corrupt("dyn.hvt", (b) => { const c = Buffer.from(b); c.writeUInt16LE(3, 16); return c; }), /not a static executable/],
      ["wrong ABI version", () => images.v2!, /built for ABI version 2, this tender speaks version 1/],
      ["wrong target", () => images.spt!, /image is for the spt target .* run it with mirage-spt/],
      ["no ABI note", () => images.noAbi!, /not a mirage-ts image \(no MIRAGE-TS ABI note\)/],
      ["missing image", () => join(dir, "nope.hvt"), /cannot open image .*nope\.hvt: No such file/],
      ["a directory", () => dir, /not a regular file/],
    ])("refuses %s", async (_name, image, pattern) => {
      expectRefusal(await hvt(["--", image()]), pattern);
    });

    it("refuses a --mem too small for the image", async () => {
      expectRefusal(await hvt(["--mem=1", images.hello!]), /--mem=1 is too small for .*needs at least 3 MiB/);
      expectRefusal(await hvt(["--mem=0", images.hello!]), /--mem=0 is out of range/);
      expectRefusal(await hvt(["--mem=lots", images.hello!]), /--mem needs a whole number of MiB/);
    });

    it("refuses a missing device attachment, an unknown name and a wrong kind", async () => {
      expectRefusal(await hvt([images.hostile!, "bad-handle"]), /image needs its block device disk: add --block:disk=FILE/);
      expectRefusal(await hvt([`--block:disk=${disk}`, "--block:other=x", images.hostile!]), /--block:other: the image has no block device named other \(it has: disk\)/);
      expectRefusal(await hvt([`--net:disk=tap0`, images.hostile!]), /--net:disk: the image's device disk is a block device/);
      expectRefusal(await hvt([`--block:disk=${disk}`, `--block:disk=${disk}`, images.hostile!]), /--block:disk given twice/);
    });

    it("refuses a tap that does not exist", async () => {
      expectRefusal(await hvt(["--net:service=mhvt-none0", `--block:disk=${disk}`, images.platform!, "block"]),
        /tap device mhvt-none0 does not exist \(create it first/);
    });

    it("refuses block files of the wrong size or missing", async () => {
      const odd = join(dir, "odd.img");
      writeFileSync(odd, Buffer.alloc(1000));
      expectRefusal(await hvt([`--block:disk=${odd}`, images.hostile!]), /block file .*odd\.img is 1000 bytes, not a non-zero multiple of 512/);
      const empty = join(dir, "empty.img");
      writeFileSync(empty, "");
      expectRefusal(await hvt([`--block:disk=${empty}`, images.hostile!]), /is 0 bytes/);
      expectRefusal(await hvt([`--block:disk=${dir}/missing.img`, images.hostile!]), /cannot open block file .*missing\.img for device disk: No such file/);
    });

    it("refuses bad flags", async () => {
      expectRefusal(await hvt(["--frobnicate", images.hello!]), /unknown option "--frobnicate"$/);
      expectRefusal(await hvt(["--net-mac:service=zz:00:00:00:00:01", "--net:service=t", images.hello!]), /not a MAC address/);
      expectRefusal(await hvt(["--net-mac:service=01:00:00:00:00:01", "--net:service=t", images.hello!]), /multicast MAC/);
      expectRefusal(await hvt(["--net:service", images.hello!]), /--net needs NAME=VALUE/);
      expectRefusal(await hvt(["--mem=8"]), /no image given/);
      const help = await hvt(["--help"]);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain("--net:NAME=TAP");
    });
  });

  describe("hostile guests are stopped cleanly", () => {
    it.each([
      ["bad-address", /bad hypercall \(puts: buffer 0x[0-9a-f]+\+10 outside guest memory\)/],
      ["struct-outside-memory", /bad hypercall \(walltime: argument struct at 0xfffffff0 outside guest memory\)/],
      ["struct-straddles-end", /argument struct at 0x[0-9a-f]+ outside guest memory/],
      ["huge-length", /puts: length 1099511627776 over 65536/],
      ["length-overflow", /block read: 0\+18446744073709551104 past the device's 4096 bytes/],
      ["pointer-overflow", /block read: buffer 0xfffffffffffffe00\+1024 outside guest memory/],
      ["unknown-hypercall", /store of 4 byte\(s\) at 0x100000068, outside the hypercall slots/],
      ["misaligned-slot", /store of 4 byte\(s\) at 0x100000014, outside the hypercall slots/],
      ["mmio-load", /load of 4 byte\(s\) at 0x100000010/],
      ["bad-handle", /block info: 7 is not a block device handle/],
      ["wrong-kind-handle", /net write: 0 is not a net device handle/],
      ["unaligned-block", /block write: offset 100 \/ length 512 not whole 512-byte blocks/],
      ["block-past-end", /block read: 4096\+512 past the device's 4096 bytes/],
      ["read-beyond-memory", /block read: buffer 0x[0-9a-f]+\+1024 outside guest memory/],
      ["exit-code-too-big", /halt: exit code 300 over 255/],
      ["tls-noncanonical", /set tls: 0x8000000000000000 is not a lower-half address/],
      ["write-beyond-memory", /guest crashed: triple fault .* at rip=0x[0-9a-f]+, last page fault address 0x801000/],
      ["null-pointer", /guest crashed: triple fault .*last page fault address 0x8$/],
      ["write-page-tables", /guest crashed: triple fault .*last page fault address 0x2000/],
      ["syscall", /guest crashed: triple fault/],
      ["port-io", /guest (crashed: triple fault|made a bad hypercall \(out of 4 byte\(s\) x1 on port 0x528)/],
      // PVM's emulator refuses SSE (DESIGN.md §6); a VMX/SVM emulator performs the store, a bad address.
      ["sse-store-to-mmio", /guest (stopped: KVM internal error \(instruction emulation failed, suberror 1\) at rip=0x[0-9a-f]+|made a bad hypercall)/],
    ])("%s", async (attack, pattern) => {
      const r = await hvt(["--mem=8", `--block:disk=${disk}`, images.hostile!, attack]);
      expect(r.stdout).not.toContain("SURVIVED");
      expectRefusal(r, pattern);
    });

    it("bounds an unterminated halt reason at the end of memory", async () => {
      const r = await hvt(["--mem=8", `--block:disk=${disk}`, images.hostile!, "halt-reason-at-end"]);
      expect(r.status).toBe(9);
      expect(r.stderr).toBe("mirage-hvt: guest exited with status 9: xxxxxxxxxxxxxxxx\n");
    });
  });

  describe("fuzzing", () => {
    it("host harness: random hypercalls and corrupted images never get past the checks", () => {
      const harness = join(dir, "fuzz-harness");
      gcc(["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
        "-I", join(PKG, "include"), "-I", join(PKG, "src/common"), "-I", join(PKG, "src/hvt"), "-o", harness,
        join(PKG, "test/fuzz-harness.c"), join(PKG, "src/hvt/hypercalls.c"), join(PKG, "src/common/util.c"), join(PKG, "src/common/elf_image.c")]);
      // The harness sends its own stderr to /dev/null while fuzzing: sanitizer reports go to files.
      const env = { ...process.env, ASAN_OPTIONS: `log_path=${dir}/asan`, UBSAN_OPTIONS: `log_path=${dir}/ubsan:print_stacktrace=1` };
      const reports = () => readdirSync(dir).filter((f) => /^(asan|ubsan)\./.test(f)).map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
      for (const seed of ["1", "2", "3"]) {
        const h = spawnSync(harness, ["hypercalls", seed, "300000"], { encoding: "utf8", timeout: 60_000, env });
        expect(h.signal, reports()).toBeNull();
        expect(h.status, reports()).toBe(0);
        const [, cont, , refused] = /hypercalls: (\d+) continued, (\d+) halted, (\d+) refused/.exec(h.stdout)!.map(Number);
        expect(cont).toBeGreaterThan(10_000); // the fuzzer reaches the handlers, not only the first check
        expect(refused).toBeGreaterThan(10_000);
        const e = spawnSync(harness, ["elf", seed, "30000", images.hello!], { encoding: "utf8", timeout: 60_000, env });
        expect(e.signal, reports()).toBeNull();
        expect(e.status, e.stderr + reports()).toBe(0);
        expect(e.stdout).toMatch(/elf: \d+ accepted, \d+ refused/);
      }
    }, 120_000);

    it("guest-side: random hypercalls from inside the VM end in the tender's own handling", async () => {
      for (let seed = 1; seed <= 25; seed++) {
        const r = await hvt(["--mem=4", `--block:disk=${disk}`, images.fuzz!, String(seed)]);
        expect(r.signal, `seed ${seed}: ${r.stderr}`).toBeNull();
        expect(r.status, `seed ${seed}`).not.toBeNull();
        if (r.status === 1) expect(r.stderr, `seed ${seed}`).toMatch(/^mirage-hvt: guest (made a bad hypercall|crashed)/);
        expect(r.stderr).not.toMatch(/internal error|seccomp/);
      }
    }, 120_000);
  });

  const netns = canUseNetns();
  if (!netns.ok) console.log(`skipping mirage-hvt tap tests: ${netns.reason}`);

  describe.skipIf(!netns.ok)("with a tap (platform-hvt.c end to end)", () => {
    async function inNetns<T>(fn: (ns: Parameters<Parameters<typeof withNetns>[0]>[0]) => Promise<T>): Promise<T> {
      return withNetns(async (ns) => {
        await ns.addTap("tap0", "10.78.0.1/24");
        return fn(ns);
      }, "mhvt");
    }

    it("block round trip, and bad requests are refused in the guest (EINVAL)", async () => {
      const img = join(dir, "rt.img");
      writeFileSync(img, Buffer.alloc(16384));
      await inNetns(async (ns) => {
        const r = await ns.exec(tender, ["--net:service=tap0", `--block:disk=${img}`, images.platform!, "block"], { timeoutMs: 20_000 });
        expect(r.stderr).toBe("block stderr\n"); // MIRAGE_HC_CONSOLE keeps the streams apart
        expect(r.stdout).toBe("block ok\n");
        expect(r.status).toBe(0);
      });
      const bytes = readFileSync(img);
      expect(bytes[512]).toBe(3);
      expect(bytes[513]).toBe(10);
    });

    it("answers ping over the tap (net read/write, poll readiness)", async () => {
      await inNetns(async (ns) => {
        const child = ns.spawn(tender, ["--net:service=tap0", "--net-mac:service=02:00:00:00:00:02", `--block:disk=${disk}`,
          images.platform!, "echo", "10.78.0.2", "4"]);
        let out = "";
        child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        const ping = await ns.exec("ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.78.0.2"], { timeoutMs: 20_000 });
        expect(ping.stdout).toMatch(/3 packets transmitted, 3 received/);
        // Linux learned the --net-mac address from the guest's ARP reply.
        const neigh = await ns.exec("ip", ["neigh", "show", "10.78.0.2"]);
        expect(neigh.stdout).toContain("02:00:00:00:00:02");
        const last = await ns.exec("ping", ["-c", "1", "-W", "2", "10.78.0.2"], { timeoutMs: 20_000 });
        expect(last.status).toBe(0);
        expect(await exited).toBe(0);
        expect(out).toBe("echo ready\necho done\n");
      });
    });

    it("runs the guest under a seccomp filter", async () => {
      await inNetns(async (ns) => {
        const child = ns.spawn(tender, ["--net:service=tap0", `--block:disk=${disk}`, images.platform!, "sleep", "1500"]);
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
        // `ip netns exec` execs the command, so the child's pid is the tender's.
        let status = "";
        for (let i = 0; i < 50 && !/Seccomp:\s+2/.test(status); i++) {
          await new Promise((r) => setTimeout(r, 20));
          try { status = readFileSync(`/proc/${child.pid}/status`, "utf8"); } catch { break; }
        }
        expect(status).toMatch(/Name:\s+mirage-hvt/);
        expect(status).toMatch(/Seccomp:\s+2/);
        expect(await exited).toBe(0);
      });
    });
  });

  it("the npm bin wrapper runs the installed tender", async () => {
    const built = join(PKG, "build/mirage-hvt");
    if (!existsSync(built)) {
      console.log("skipping the bin wrapper check: build/mirage-hvt is not built (node packages/tender/scripts/build.mjs)");
      return;
    }
    const r = await run(join(PKG, "bin/mirage-hvt"), [images.hello!], { timeoutMs: 20_000 });
    expect(r.status).toBe(7);
  });
});
