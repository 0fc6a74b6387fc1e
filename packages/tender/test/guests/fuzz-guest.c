/*
 * End-to-end fuzzing from inside the VM: random hypercall slots (valid and not),
 * random struct addresses and random field values, seeded by the first guest
 * argument, until the tender stops the guest or 2000 calls went through. Waits
 * and console output are kept short so a run stays fast; everything else is fair
 * game. Run with --block:disk=FILE (4096 bytes).
 */
#include "guest.h"

MIRAGE_ABI_NOTE();
MIRAGE_MANIFEST(1, {"disk", MIRAGE_DEV_BLOCK, 0});

static uint64_t state;
static uint64_t rnd(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 2685821657736338717ULL;
}

static uint64_t value(void)
{
    uint64_t mem = boot_info->mem_size;
    switch (rnd() % 8) {
    case 0: return 0;
    case 1: return rnd() % 8;
    case 2: return (rnd() % 16) * 512;
    case 3: return mem - rnd() % 4096;
    case 4: return 0x100000 + rnd() % 0x100000;
    case 5: return UINT64_MAX - rnd() % 4096;
    case 6: return rnd() % mem;
    default: return rnd();
    }
}

static uint64_t args[8] __attribute__((aligned(64)));

int main(int argc, char **argv)
{
    state = 0x9E3779B97F4A7C15ULL;
    for (const char *s = argc > 0 ? argv[0] : "1"; *s; s++) state = state * 31 + (uint64_t)*s;
    for (int i = 0; i < 2000; i++) {
        unsigned nr = (unsigned)(rnd() % (MIRAGE_HC_MAX + 3));
        uint64_t *where = args;
        if (rnd() % 8 == 0) where = (uint64_t *)(uintptr_t)(value() & 0xffffffffULL);
        uint64_t fields[5];
        for (int f = 0; f < 5; f++) fields[f] = value();
        if (nr == MIRAGE_HC_POLL) fields[0] = 0;         /* deadline: now */
        if (nr == MIRAGE_HC_PUTS) fields[1] %= 16;       /* keep the console quiet */
        if (nr == MIRAGE_HC_SET_TLS) fields[0] &= 0xffff; /* keep FS usable */
        if (where == args) memcpy(args, fields, sizeof fields);
        hypercall_mmio(MIRAGE_HYPERCALL_MMIO_BASE + MIRAGE_HYPERCALL_MMIO_STRIDE * nr, (uint32_t)(uintptr_t)where);
    }
    put("\nfuzz survived\n");
    return 0;
}
