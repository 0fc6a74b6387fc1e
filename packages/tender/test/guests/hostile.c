/*
 * Hypercalls no correct runtime makes, one per run, chosen by the first guest
 * argument. The tender must stop each one with a clear message and status 1; if
 * the guest ever gets past its attack it prints "SURVIVED" and exits 0, which the
 * test treats as a failure. Run with --block:disk=FILE (4096 bytes).
 */
#include "guest.h"

MIRAGE_ABI_NOTE();
MIRAGE_MANIFEST(1, {"disk", MIRAGE_DEV_BLOCK, 0});

#define MMIO_SLOT(n) (MIRAGE_HYPERCALL_MMIO_BASE + MIRAGE_HYPERCALL_MMIO_STRIDE * (n))

static uint8_t buffer[4096] __attribute__((aligned(4096)));

static void attack(const char *what)
{
    uint64_t mem = boot_info->mem_size;
    if (strcmp(what, "bad-address") == 0) {
        struct mirage_hc_puts a = {mem + 100, 10};
        hypercall(MIRAGE_HC_PUTS, &a);
    } else if (strcmp(what, "struct-outside-memory") == 0) {
        hypercall_mmio(MMIO_SLOT(MIRAGE_HC_WALLTIME), 0xFFFFFFF0u);
    } else if (strcmp(what, "struct-straddles-end") == 0) {
        hypercall_mmio(MMIO_SLOT(MIRAGE_HC_BLOCK_READ), (uint32_t)(mem - 8));
    } else if (strcmp(what, "huge-length") == 0) {
        struct mirage_hc_puts a = {(uint64_t)(uintptr_t)buffer, 1ULL << 40};
        hypercall(MIRAGE_HC_PUTS, &a);
    } else if (strcmp(what, "length-overflow") == 0) {
        struct mirage_hc_block_io a = {0, 0, (uint64_t)(uintptr_t)buffer, UINT64_MAX - 511, 0};
        hypercall(MIRAGE_HC_BLOCK_READ, &a);
    } else if (strcmp(what, "pointer-overflow") == 0) {
        struct mirage_hc_block_io a = {0, 0, UINT64_MAX - 511, 1024, 0};
        hypercall(MIRAGE_HC_BLOCK_READ, &a);
    } else if (strcmp(what, "unknown-hypercall") == 0) {
        hypercall_mmio(MMIO_SLOT(MIRAGE_HC_MAX + 1), (uint32_t)(uintptr_t)buffer);
    } else if (strcmp(what, "misaligned-slot") == 0) {
        hypercall_mmio(MMIO_SLOT(MIRAGE_HC_PUTS) + 4, (uint32_t)(uintptr_t)buffer);
    } else if (strcmp(what, "mmio-load") == 0) {
        volatile uint32_t *slot = (volatile uint32_t *)(uintptr_t)MMIO_SLOT(MIRAGE_HC_PUTS);
        buffer[0] = (uint8_t)*slot;
    } else if (strcmp(what, "bad-handle") == 0) {
        struct mirage_hc_block_info a = {7, 0, 0, 0};
        hypercall(MIRAGE_HC_BLOCK_INFO, &a);
    } else if (strcmp(what, "wrong-kind-handle") == 0) {
        struct mirage_hc_net_write a = {0, (uint64_t)(uintptr_t)buffer, 60, 0}; /* handle 0 is the disk */
        hypercall(MIRAGE_HC_NET_WRITE, &a);
    } else if (strcmp(what, "unaligned-block") == 0) {
        struct mirage_hc_block_io a = {0, 100, (uint64_t)(uintptr_t)buffer, 512, 0};
        hypercall(MIRAGE_HC_BLOCK_WRITE, &a);
    } else if (strcmp(what, "block-past-end") == 0) {
        struct mirage_hc_block_io a = {0, 4096, (uint64_t)(uintptr_t)buffer, 512, 0};
        hypercall(MIRAGE_HC_BLOCK_READ, &a);
    } else if (strcmp(what, "read-beyond-memory") == 0) {
        struct mirage_hc_block_io a = {0, 0, mem - 512, 1024, 0}; /* the tender would write past the end */
        hypercall(MIRAGE_HC_BLOCK_READ, &a);
    } else if (strcmp(what, "exit-code-too-big") == 0) {
        struct mirage_hc_halt a = {300, 0};
        hypercall(MIRAGE_HC_HALT, &a);
    } else if (strcmp(what, "tls-noncanonical") == 0) {
        struct mirage_hc_set_tls a = {0x8000000000000000ULL};
        hypercall(MIRAGE_HC_SET_TLS, &a);
    } else if (strcmp(what, "write-beyond-memory") == 0) {
        *(volatile uint64_t *)(uintptr_t)(mem + 4096) = 1; /* not mapped: page fault */
    } else if (strcmp(what, "null-pointer") == 0) {
        uintptr_t p = 8;
        __asm__("" : "+r"(p)); /* hide the constant from the compiler's bounds checks */
        buffer[0] = *(volatile uint8_t *)p;
    } else if (strcmp(what, "write-page-tables") == 0) {
        *(volatile uint64_t *)(uintptr_t)0x2000 = 0; /* the tender's pages are read-only */
    } else if (strcmp(what, "syscall") == 0) {
        __asm__ volatile("syscall" ::: "rcx", "r11", "memory"); /* EFER.SCE is off: #UD */
    } else if (strcmp(what, "port-io") == 0) {
        hypercall_pio(MIRAGE_HYPERCALL_PIO_BASE + 40, 0); /* unknown port (or #GP at IOPL 0 on PVM) */
    } else if (strcmp(what, "sse-store-to-mmio") == 0) {
        /* An SSE store to the hypercall page: KVM must emulate it, and its emulator
         * refuses SSE on PVM (KVM_EXIT_INTERNAL_ERROR). */
        uint64_t slot = MMIO_SLOT(MIRAGE_HC_PUTS);
        __asm__ volatile("movd %1, %%xmm0; movss %%xmm0, (%0)" : : "r"(slot), "r"(0xFFFFFFF0u) : "xmm0", "memory");
    } else if (strcmp(what, "halt-reason-at-end") == 0) {
        /* A reason string that runs to the last byte of memory, unterminated. */
        char *end = (char *)(uintptr_t)(mem - 16);
        for (int i = 0; i < 16; i++) end[i] = 'x';
        struct mirage_hc_halt a = {9, (uint64_t)(uintptr_t)end};
        hypercall(MIRAGE_HC_HALT, &a);
    } else {
        put("unknown attack\n");
        halt(2, 0);
    }
}

int main(int argc, char **argv)
{
    if (argc < 1) return 2;
    attack(argv[0]);
    put("SURVIVED\n");
    return 0;
}
