/**
 * src/runtime/tls.c fills musl's `struct pthread` by hand (musl's own setup makes
 * system calls). Before a runtime is built we check that the installed libc.a uses
 * the offsets tls.c assumes, by reading musl's own code: __init_tp stores the same
 * fields, __errno_location adds errno's offset to the thread pointer, __copy_tls
 * knows the struct's size. A different musl fails here with a clear message instead
 * of crashing in the guest.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { MUSL_LIBC, runOk } from "./toolchain.ts";

interface Expectation {
  member: string;
  fn: string;
  pattern: RegExp;
  meaning: string;
}

const EXPECTED: Expectation[] = [
  { member: "__errno_location.lo", fn: "__errno_location", pattern: /add\s+\$0x34,%rax/, meaning: "errno at 0x34" },
  { member: "__init_tls.lo", fn: "__init_tp", pattern: /mov\s+%rdi,\(%rdi\)/, meaning: "self pointer at 0" },
  { member: "__init_tls.lo", fn: "__init_tp", pattern: /movl\s+\$0x2,0x38\(%rbx\)/, meaning: "detach_state at 0x38" },
  { member: "__init_tls.lo", fn: "__init_tp", pattern: /R_X86_64_PC32\s+__libc\+0x34\s*\n.*,0xa8\(%rbx\)/, meaning: "locale at 0xa8 = &__libc.global_locale (0x38)" },
  { member: "__init_tls.lo", fn: "__init_tp", pattern: /lea\s+0x88\(%rbx\),%rax\s*\n.*mov\s+%rax,0x88\(%rbx\)/, meaning: "robust_list.head at 0x88" },
  { member: "__init_tls.lo", fn: "__copy_tls", pattern: /lea\s+-0xc8\(/, meaning: "sizeof(struct pthread) = 0xc8" },
];

function functionBody(disassembly: string, fn: string): string {
  const start = disassembly.indexOf(`<${fn}>:`);
  if (start < 0) return "";
  const end = disassembly.indexOf("\n\n", start);
  return disassembly.slice(start, end < 0 ? undefined : end);
}

export async function checkMuslLayout(tmpDir: string): Promise<void> {
  const members = [...new Set(EXPECTED.map((e) => e.member))];
  const dumps = new Map<string, string>();
  for (const m of members) {
    await runOk("ar", ["x", MUSL_LIBC, m], `extracting ${m} from libc.a`, { cwd: tmpDir });
    const obj = join(tmpDir, m);
    dumps.set(m, (await runOk("objdump", ["-dr", "--no-show-raw-insn", obj], `disassembling ${m}`)).stdout);
    rmSync(obj);
  }
  for (const e of EXPECTED) {
    if (!e.pattern.test(functionBody(dumps.get(e.member) ?? "", e.fn)))
      throw new Error(
        `guest build: the installed musl (${MUSL_LIBC}) does not match src/runtime/tls.c: expected ${e.meaning} in ${e.fn}. ` +
          "This runtime supports Debian 12's musl 1.2.3; update tls.c for another musl.",
      );
  }
}
