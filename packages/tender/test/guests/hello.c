/* The smallest useful guest: console, clocks, a timed poll, arguments, exit 7. */
#include "guest.h"

MIRAGE_ABI_NOTE();

/* musl's thread pointer convention: the word at %fs:0 points to itself. */
static uint64_t tls_block[4];

int main(int argc, char **argv)
{
    tls_block[0] = (uint64_t)(uintptr_t)tls_block;
    struct mirage_hc_set_tls t = {(uint64_t)(uintptr_t)tls_block};
    hypercall(MIRAGE_HC_SET_TLS, &t);
    uint64_t self;
    __asm__ volatile("movq %%fs:0, %0" : "=r"(self));
    if (self != (uint64_t)(uintptr_t)tls_block) halt(3, "FS base was not set");
    put("hello from the guest\n");
    struct mirage_hc_walltime w = {0};
    hypercall(MIRAGE_HC_WALLTIME, &w);
    put("walltime_s ");
    put_u64(w.nsecs / 1000000000ULL);
    put("\nboot_wall_s ");
    put_u64(boot_info->wall_ns_at_boot / 1000000000ULL);
    put("\nmem_size ");
    put_u64(boot_info->mem_size);
    put("\n");
    uint64_t t0 = monotonic_ns();
    poll_until(t0 + 50000000ULL); /* 50 ms */
    uint64_t t1 = monotonic_ns();
    put("boot_ns ");
    put_u64(t0);
    put("\nslept_ms ");
    put_u64((t1 - t0) / 1000000ULL);
    put("\n");
    for (int i = 0; i < argc; i++) {
        put("arg ");
        put(argv[i]);
        put("\n");
    }
    return 7;
}
