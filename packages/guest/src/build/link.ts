/**
 * Links an image and checks it: every libc.a member pulled in must be on the
 * allow-list (libc-allowlist.ts), and an hvt image must contain no `syscall`,
 * `sysenter` or `int $0x80` instruction (an hvt guest talks to its tender only
 * through hypercalls). Failures name the offender.
 */
import { readFileSync, renameSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { LIBC_ALLOWED_MEMBERS } from "./libc-allowlist.ts";
import { MUSL_LIBC, type Target, compiler, runOk } from "./toolchain.ts";

export interface LinkInput {
  target: Target;
  objects: string[]; // runtime, platform, QuickJS and app objects
  linkerScript: string;
  out: string;
  mapFile: string;
}

export async function linkImage(input: LinkInput): Promise<void> {
  const cc = await compiler();
  const tmpOut = `${input.out}.tmp-${process.pid}`;
  try {
    await runOk(
      "gcc",
      [
        "-static", "-nostdlib", "-no-pie",
        "-Wl,--build-id=none", "-Wl,--gc-sections", "-Wl,-z,max-page-size=4096", "-Wl,-z,noexecstack",
        `-Wl,-T,${input.linkerScript}`, `-Wl,-Map,${input.mapFile}`,
        "-o", tmpOut, ...input.objects, MUSL_LIBC, cc.libgcc,
      ],
      `linking ${basename(input.out)}`,
    );
    checkLibcMembers(readFileSync(input.mapFile, "utf8"));
    if (input.target === "hvt") await checkNoSyscalls(tmpOut);
    renameSync(tmpOut, input.out);
  } finally {
    rmSync(tmpOut, { force: true });
  }
}

export interface PulledMember {
  member: string;
  neededBy: string;
}

/** Reads the linker map's "Archive member included ..." section for libc.a. */
export function libcMembersFromMap(map: string): PulledMember[] {
  const start = map.indexOf("Archive member included");
  const end = map.search(/\n(Discarded input sections|Allocating common symbols|Memory Configuration)/);
  const section = map.slice(start < 0 ? 0 : start, end < 0 ? undefined : end);
  const out: PulledMember[] = [];
  const re = /^(\S*libc\.a)\(([^)]+)\)\s*\n?\s+(\S.*)$/gm;
  for (let m = re.exec(section); m; m = re.exec(section)) out.push({ member: m[2]!, neededBy: m[3]!.trim() });
  return out;
}

export function checkLibcMembers(map: string): void {
  const bad = libcMembersFromMap(map).filter((m) => !LIBC_ALLOWED_MEMBERS.has(m.member));
  if (bad.length > 0)
    throw new Error(
      "guest build: libc.a members outside the allow-list were linked in:\n" +
        bad.map((b) => `  ${b.member}, needed by ${b.neededBy}`).join("\n") +
        "\nReview them (no system calls?) and add them to packages/guest/src/build/libc-allowlist.ts, or shim the function in packages/guest/src/runtime.",
    );
}

/** Finds system-call instructions in an image; returns "function (address)" strings. */
export async function findSyscalls(image: string): Promise<string[]> {
  const dump = (await runOk("objdump", ["-d", "--no-show-raw-insn", image], `disassembling ${basename(image)}`)).stdout;
  const found: string[] = [];
  let fn = "?";
  for (const line of dump.split("\n")) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head) {
      fn = head[1]!;
      continue;
    }
    const insn = /^\s*([0-9a-f]+):\s+(syscall|sysenter|int\s+\$0x80)\b/.exec(line);
    if (insn) found.push(`${fn} (0x${insn[1]}: ${insn[2]})`);
  }
  return found;
}

async function checkNoSyscalls(image: string): Promise<void> {
  const found = await findSyscalls(image);
  if (found.length > 0)
    throw new Error(
      `guest build: the hvt image contains system-call instructions, which an hvt guest must never execute:\n  ${found.join("\n  ")}`,
    );
}
