/*
 * The tenders' floor for bench/unikernel: a C guest with no QuickJS, no libc and
 * no heap that prints "hello" and halts with 0. Timed beside hello.hvt/.spt, it
 * separates what the tender and the VM (or the seccomp jail) cost from what the
 * JS runtime costs. Built with the tender tests' crt, notes and linker script:
 * packages/tender/test/guests (hvt) or packages/tender/test/spt-guests (spt,
 * with -DBENCH_SPT and the real platform-spt.c).
 */
#include "guest.h"

#ifdef BENCH_SPT

MIRAGE_GUEST_NOTES(0, {{"", 0, 0}});

int guest_main(struct mirage_boot_info *bi)
{
    (void)bi;
    put_str("hello\n");
    return 0;
}

#else

MIRAGE_ABI_NOTE();

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    put("hello\n");
    return 0;
}

#endif
