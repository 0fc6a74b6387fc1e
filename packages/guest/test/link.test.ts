// Image layout and link checks: ELF shape and MIRAGE-TS notes, the libc.a allow-list
// and the no-syscall rule for hvt images.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytecodeSource, notesSource } from "../src/build/app-source.ts";
import { checkLibcMembers, findSyscalls, libcMembersFromMap, linkImage } from "../src/build/link.ts";
import { quickjsGuestObjects, runtimeObjects } from "../src/build/runtime-objects.ts";
import { compiler, guestCFlags, runOk } from "../src/build/toolchain.ts";
import { LIBC_ALLOWED_MEMBERS } from "../src/build/libc-allowlist.ts";
import { buildImage, warmGuestCache } from "../src/index.ts";
import { PT_LOAD, PT_NOTE, readElf } from "./elf.ts";
import { GUEST_DIR, WORK, build, cannotBuild } from "./helpers.ts";

const noSpt = await cannotBuild("spt");
const noHvt = await cannotBuild("hvt");
if (noSpt) console.log(`skipping spt link tests: ${noSpt}`);
if (noHvt) console.log(`skipping hvt link tests: ${noHvt}`);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe("libc.a allow-list", () => {
  const map = `Archive member included to satisfy reference by file (symbol)

/usr/lib/x86_64-linux-musl/libc.a(memcpy.lo)
                              quickjs.o (memcpy)
/usr/lib/x86_64-linux-musl/libc.a(open.lo) app.o (open)

Discarded input sections
`;
  it("reads the members and who needed them from a linker map", () => {
    expect(libcMembersFromMap(map)).toEqual([
      { member: "memcpy.lo", neededBy: "quickjs.o (memcpy)" },
      { member: "open.lo", neededBy: "app.o (open)" },
    ]);
  });
  it("names a member outside the allow-list and its referrer", () => {
    expect(() => checkLibcMembers(map)).toThrow(/open\.lo, needed by app\.o \(open\)/);
    expect(LIBC_ALLOWED_MEMBERS.has("open.lo")).toBe(false);
  });
});

describe.skipIf(noSpt)("spt image", () => {
  let image = "";
  beforeAll(async () => {
    await warmGuestCache(["spt"]);
    image = await build("spt", "mirageHost.exit(0);", { devices: [{ name: "service", kind: "net" }, { name: "storage", kind: "block" }], keepMap: true });
  }, 600_000);

  it("is a static x86_64 executable at 0x100000 with page-aligned segments", () => {
    const elf = readElf(image);
    expect(elf.type).toBe(2); // ET_EXEC
    expect(elf.machine).toBe(62); // EM_X86_64
    expect(elf.entry).toBe(0x100000);
    const loads = elf.phdrs.filter((p) => p.type === PT_LOAD);
    expect(loads.length).toBeGreaterThanOrEqual(2);
    for (const p of loads) {
      expect(p.vaddr).toBeGreaterThanOrEqual(0x100000);
      expect(p.vaddr % 4096).toBe(0);
    }
    expect(elf.phdrs.some((p) => p.type === PT_NOTE)).toBe(true);
  });

  it("carries the ABI note and the device manifest", () => {
    const notes = readElf(image).notes.filter((n) => n.name === "MIRAGE-TS");
    const abi = notes.find((n) => n.type === 1)!;
    expect([abi.desc.readUInt32LE(0), abi.desc.readUInt32LE(4)]).toEqual([1, 2]); // ABI 1, spt
    const manifest = notes.find((n) => n.type === 2)!.desc;
    expect(manifest.length).toBe(8 + 16 * 40);
    expect(manifest.readUInt32LE(4)).toBe(2);
    const entry = (i: number) => ({
      name: manifest.subarray(8 + i * 40, 8 + i * 40 + 32).toString("latin1").replace(/\0.*$/s, ""),
      kind: manifest.readUInt32LE(8 + i * 40 + 32),
    });
    expect([entry(0), entry(1)]).toEqual([{ name: "service", kind: 1 }, { name: "storage", kind: 2 }]);
  });

  it("links only allow-listed libc members, none of musl's thread or syscall setup", () => {
    const members = libcMembersFromMap(readFileSync(`${image}.map`, "utf8")).map((m) => m.member);
    expect(members).toContain("vfprintf.lo");
    for (const m of members) expect(LIBC_ALLOWED_MEMBERS.has(m)).toBe(true);
    for (const m of ["__init_tls.lo", "__set_thread_area.lo", "__libc_start_main.lo", "syscall.lo", "malloc.lo", "__lock.lo", "clock_gettime.lo"])
      expect(members).not.toContain(m);
  });

  it("has system calls only in platform-spt.c (the checker finds them)", async () => {
    const found = await findSyscalls(image);
    expect(found.length).toBeGreaterThan(0);
    const platform = readFileSync(join(GUEST_DIR, "src", "platform-spt.c"), "utf8");
    for (const f of found) {
      const fn = f.split(" ")[0]!;
      expect(platform).toMatch(new RegExp(`\\b${fn.replace(/[.$]/g, "\\$&")}\\b`));
    }
  });

  it("refuses to produce an hvt image from objects that make system calls", async () => {
    // The spt runtime's platform object is full of `syscall`: linked as hvt, the check must name it.
    const runtime = await runtimeObjects("spt", () => {});
    const quickjs = await quickjsGuestObjects(() => {});
    const dir = join(WORK, "hvt-check");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "notes.c"), notesSource("hvt", []));
    writeFileSync(join(dir, "empty.bc"), "");
    writeFileSync(join(dir, "bc.S"), bytecodeSource(join(dir, "empty.bc")));
    const cc = await compiler();
    const flags = [...guestCFlags(cc.include), "-I", join(GUEST_DIR, "..", "tender", "include")];
    await runOk("gcc", [...flags, "-c", join(dir, "notes.c"), "-o", join(dir, "notes.o")], "notes");
    await runOk("gcc", [...flags, "-c", join(dir, "bc.S"), "-o", join(dir, "bc.o")], "bytecode");
    const out = join(dir, "bad.hvt");
    const err = await linkImage({
      target: "hvt",
      objects: [...runtime.objects, join(dir, "notes.o"), join(dir, "bc.o"), ...quickjs],
      linkerScript: runtime.linkerScript,
      out,
      mapFile: join(dir, "map"),
    }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/hvt image contains system-call instructions/);
    expect(err?.message).toMatch(/platform_console_write \(0x[0-9a-f]+: syscall\)/);
    expect(existsSync(out)).toBe(false);
  });

  it("rejects bad device lists before compiling anything", async () => {
    const out = join(WORK, "never.spt");
    const bad = (devices: { name: string; kind: "net" | "block" }[]) =>
      buildImage({ target: "spt", script: "", scriptName: "a.js", devices, out }).then(() => "built", (e: Error) => e.message);
    expect(await bad([{ name: "no spaces", kind: "net" }])).toMatch(/device name "no spaces"/);
    expect(await bad([{ name: "a", kind: "net" }, { name: "a", kind: "block" }])).toMatch(/appears twice/);
    expect(await bad(Array.from({ length: 17 }, (_, i) => ({ name: `n${i}`, kind: "net" as const })))).toMatch(/at most 16/);
  });
});

describe.skipIf(noHvt)("hvt image", () => {
  it("contains no syscall, sysenter or int $0x80", async () => {
    await warmGuestCache(["hvt"]);
    const image = await build("hvt", "mirageHost.exit(0);");
    expect(await findSyscalls(image)).toEqual([]);
    const abi = readElf(image).notes.find((n) => n.name === "MIRAGE-TS" && n.type === 1)!;
    expect(abi.desc.readUInt32LE(4)).toBe(1); // hvt
  }, 600_000);
});
