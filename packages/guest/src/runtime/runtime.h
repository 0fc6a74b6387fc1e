/* Internal interfaces between the guest runtime's files (not part of the ABI). */
#ifndef MIRAGE_RUNTIME_H
#define MIRAGE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "../platform.h"

/* Generated per app by the build (src/build/app-source.ts). */
extern const uint8_t mirage_app_bytecode[];
extern const uint64_t mirage_app_bytecode_len;
extern const struct mirage_manifest *const mirage_app_manifest;
extern const uint32_t mirage_app_target; /* MIRAGE_TARGET_* */

/* Bytes of stack kept free above the heap, chosen from the memory size. */
extern size_t mirage_stack_reserve;
extern uintptr_t mirage_stack_top;

void mirage_tls_init(uint64_t canary);

/* Every halt passes reason NULL: the runtime prints its messages itself.
 * Console: formatted and raw writes to stream 1 (stdout) or 2 (stderr). */
void mirage_console(int stream, const char *data, size_t len);
void mirage_console_printf(int stream, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void mirage_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Entropy: hardware (RDRAND/RDSEED) when CPUID has it, else a ChaCha20 stream keyed
 * from the boot seed and the TSC. */
void mirage_entropy_init(void);
void mirage_entropy_fill(uint8_t *buf, size_t len);
const char *mirage_entropy_source(void);

/* Starts QuickJS, runs the app and its event loop; never returns. */
_Noreturn void mirage_run_app(void);

static inline uint64_t mirage_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif /* MIRAGE_RUNTIME_H */
