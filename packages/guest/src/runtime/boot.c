/*
 * First C code in the guest: thread pointer, heap, then the app. Nothing here may
 * touch errno, locale or malloc before mirage_tls_init and mg_heap_init ran.
 */
#include "alloc.h"
#include "runtime.h"

struct mirage_boot_info *platform_boot_info;
size_t mirage_stack_reserve;
uintptr_t mirage_stack_top;

#define MIB ((size_t)1 << 20)

/* Constructors of linked objects (none today, kept for safety). */
extern void (*const __init_array_start[])(void) __attribute__((weak));
extern void (*const __init_array_end[])(void) __attribute__((weak));

/* The stack gets 1/32 of memory, between 1 and 8 MiB: enough for QuickJS's parser
 * and deep-ish recursion, small next to the heap. */
static size_t choose_stack_reserve(uint64_t mem_size)
{
    size_t r = (size_t)(mem_size / 32);
    if (r < MIB) r = MIB;
    if (r > 8 * MIB) r = 8 * MIB;
    return r;
}

_Noreturn void mirage_boot(struct mirage_boot_info *bi, uintptr_t entry_rsp);

_Noreturn void mirage_boot(struct mirage_boot_info *bi, uintptr_t entry_rsp)
{
    platform_boot_info = bi;
    mirage_tls_init(mirage_rdtsc() ^ 0x6d69726167652d74ULL);
    if (bi->abi_version != MIRAGE_ABI_VERSION) platform_halt(1, "mirage guest: boot info has another ABI version");

    /* The stack grows down from heap_end (or from where the tender put rsp, if lower). */
    uintptr_t top = bi->heap_end;
    if (entry_rsp > bi->heap_start && entry_rsp < top) top = entry_rsp;
    mirage_stack_top = top;
    mirage_stack_reserve = choose_stack_reserve(bi->mem_size);
    uintptr_t heap_limit = top > bi->heap_start + mirage_stack_reserve ? top - mirage_stack_reserve : bi->heap_start;
    mg_heap_init((void *)bi->heap_start, (void *)heap_limit);

    mirage_entropy_init();
    for (void (*const *f)(void) = __init_array_start; f < __init_array_end; f++) (*f)();
    mirage_run_app();
}
