/*
 * hello: console, boot info, clocks, a poll deadline, TLS, heap and stack
 * memory, guest arguments; halts with code 7 and a reason on stderr.
 */
#include "guest.h"

MIRAGE_GUEST_NOTES(0, {{"", 0, 0}});

static int check(const char *what, int ok)
{
    put_str(ok ? "ok " : "FAIL ");
    put_str(what);
    put_str("\n");
    return ok;
}

int guest_main(struct mirage_boot_info *bi)
{
    int ok = 1;
    put_str("hello from spt\n");
    ok &= check("abi", bi->abi_version == MIRAGE_ABI_VERSION && bi->target == MIRAGE_TARGET_SPT);
    ok &= check("heap", bi->heap_start >= MIRAGE_GUEST_MIN_VADDR && bi->heap_start < bi->heap_end &&
                            bi->heap_end == bi->mem_size && bi->heap_start % 4096 == 0);
    put_line("mem_mib", bi->mem_size >> 20);

    /* The heap's first byte and the stack's last are ordinary memory. */
    volatile uint8_t *heap = (volatile uint8_t *)bi->heap_start;
    heap[0] = 0x5a;
    volatile uint8_t *top = (volatile uint8_t *)(bi->heap_end - 1);
    top[0] = 0xa5;
    ok &= check("memory", heap[0] == 0x5a && top[0] == 0xa5);
    uint64_t sp;
    __asm__("mov %%rsp, %0" : "=r"(sp));
    ok &= check("stack", sp < bi->heap_end && sp > bi->heap_end - 65536);

    uint64_t fs0;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
    ok &= check("tls", fs0 != 0);

    int seeded = 0;
    for (int i = 0; i < 32; i++)
        seeded |= bi->seed[i];
    ok &= check("seed", seeded != 0);

    put_line("argc", bi->argc);
    char **argv = (char **)bi->argv;
    for (uint64_t i = 0; i < bi->argc; i++) {
        put_str("argv ");
        put_str(argv[i]);
        put_str("\n");
    }
    put_str("cmdline ");
    put_str((const char *)bi->cmdline);
    put_str("\n");

    uint64_t wall = platform_walltime_ns();
    ok &= check("walltime", wall / 1000000000ULL > 1600000000ULL); /* after 2020 */
    uint64_t t0 = platform_monotonic_ns();
    uint64_t ready = platform_poll(t0 + 50000000ULL); /* no devices: a 50 ms sleep */
    uint64_t t1 = platform_monotonic_ns();
    ok &= check("poll", ready == 0 && t1 - t0 >= 50000000ULL && t1 - t0 < 2000000000ULL);
    put_line("slept_ms", (t1 - t0) / 1000000ULL);
    ok &= check("poll-past-deadline", platform_poll(0) == 0);
    ok &= check("no-devices", platform_net_read(0, (uint8_t *)heap, 64, &(size_t){0}) == MIRAGE_R_EINVAL &&
                                  platform_block_read(0, 0, (uint8_t *)heap, 512) == MIRAGE_R_EINVAL);
    if (!ok)
        platform_halt(3, "hello: a check failed");
    platform_halt(7, "hello: done");
}
