/*
 * A tiny freestanding library for the tender's C test guests: hypercalls by
 * `outl`, console output, the TSC clock, and the MIRAGE-TS notes.
 */
#ifndef TEST_GUEST_H
#define TEST_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include "mirage_abi.h"

extern struct mirage_boot_info *boot_info;

/* Every test guest defines main; its return value becomes the exit status. */
int main(int argc, char **argv);

/* A 32-bit store of the struct's address to the hypercall slot (mirage_abi.h);
 * the address fits in 32 bits because guest memory is at most 4 GiB. */
static inline void hypercall_mmio(uint64_t slot_addr, uint32_t value)
{
    __asm__ volatile("movl %0, (%1)" : : "r"(value), "r"(slot_addr) : "memory");
}

static inline void hypercall(unsigned nr, void *arg)
{
    hypercall_mmio(MIRAGE_HYPERCALL_MMIO_BASE + MIRAGE_HYPERCALL_MMIO_STRIDE * nr, (uint32_t)(uintptr_t)arg);
}

/* The port I/O form: faults at CPL3 on PVM hosts (mirage_abi.h). */
static inline void hypercall_pio(unsigned port, uint32_t value)
{
    __asm__ volatile("outl %0, %1" : : "a"(value), "d"((uint16_t)port) : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);

void put(const char *s);
void put_u64(uint64_t v);
void put_hex(uint64_t v);
uint64_t monotonic_ns(void);
uint64_t poll_until(uint64_t deadline_ns);
_Noreturn void halt(int code, const char *reason);

/* ELF note layout (namesz, descsz, type, name padded to 4, desc). */
#define MIRAGE_NOTE(var, type_, desc_type, ...)                                              \
    __attribute__((section(".note.mirage"), aligned(4), used)) static const struct {         \
        uint32_t namesz, descsz, type;                                                       \
        char name[12];                                                                       \
        desc_type desc;                                                                      \
    } var = {sizeof MIRAGE_NOTE_NAME, sizeof(desc_type), type_, MIRAGE_NOTE_NAME, __VA_ARGS__}

/* Tests build images for other versions and targets with -DTEST_ABI_VERSION=... */
#ifndef TEST_ABI_VERSION
#define TEST_ABI_VERSION MIRAGE_ABI_VERSION
#endif
#ifndef TEST_TARGET
#define TEST_TARGET MIRAGE_TARGET_HVT
#endif
#ifndef TEST_NO_ABI_NOTE
#define MIRAGE_ABI_NOTE() \
    MIRAGE_NOTE(mirage_abi_note, MIRAGE_NOTE_ABI, struct mirage_note_abi, {TEST_ABI_VERSION, TEST_TARGET})
#else
#define MIRAGE_ABI_NOTE() struct mirage_no_abi_note
#endif

/* MIRAGE_MANIFEST({"service", MIRAGE_DEV_NET, 0}, {"disk", MIRAGE_DEV_BLOCK, 0}) */
#define MIRAGE_MANIFEST(count, ...)                                                                 \
    MIRAGE_NOTE(mirage_manifest_note, MIRAGE_NOTE_MANIFEST, struct mirage_manifest,                 \
                {MIRAGE_ABI_VERSION, count, {__VA_ARGS__}})

#endif
