/*
 * musl's thread block. musl reaches its per-thread state through the thread pointer
 * (FS base): errno, the current locale (MB_CUR_MAX, strtod, printf of wide chars),
 * the stack-protector canary at %fs:0x28. Its own setup (__init_tls/__init_tp) makes
 * system calls, which an hvt image must not contain, so we fill in the fields musl
 * reads ourselves. The offsets are those of `struct pthread` in musl 1.2.3
 * (src/internal/pthread_impl.h, x86_64); the build checks them against the
 * installed libc.a's own __init_tp before linking (see src/build/musl-check.ts).
 */
#include <stdint.h>
#include <string.h>

#include "../platform.h"
#include "runtime.h"

#define PTHREAD_SELF 0x00
#define PTHREAD_DTV 0x08
#define PTHREAD_PREV 0x10
#define PTHREAD_NEXT 0x18
#define PTHREAD_CANARY 0x28
#define PTHREAD_TID 0x30
#define PTHREAD_DETACH_STATE 0x38
#define PTHREAD_ROBUST_HEAD 0x88
#define PTHREAD_LOCALE 0xa8
#define PTHREAD_SIZE 0xc8
#define MUSL_DT_JOINABLE 2
#define MUSL_LIBC_GLOBAL_LOCALE 0x38 /* offsetof(struct __libc, global_locale) */

/* musl's global state (hidden in libc.a, still linkable statically). */
extern unsigned char __libc[];

static unsigned char thread_block[512] __attribute__((aligned(64)));
static uintptr_t empty_dtv[4];

static void put(uintptr_t base, unsigned offset, uintptr_t value)
{
    memcpy((void *)(base + offset), &value, sizeof value);
}

void mirage_tls_init(uint64_t canary)
{
    _Static_assert(PTHREAD_SIZE <= sizeof thread_block, "thread block too small");
    uintptr_t tp = (uintptr_t)thread_block;
    put(tp, PTHREAD_SELF, tp);
    put(tp, PTHREAD_DTV, (uintptr_t)empty_dtv);
    put(tp, PTHREAD_PREV, tp);
    put(tp, PTHREAD_NEXT, tp);
    put(tp, PTHREAD_CANARY, (uintptr_t)canary);
    uint32_t tid = 1, joinable = MUSL_DT_JOINABLE;
    memcpy((void *)(tp + PTHREAD_TID), &tid, sizeof tid);
    memcpy((void *)(tp + PTHREAD_DETACH_STATE), &joinable, sizeof joinable);
    put(tp, PTHREAD_ROBUST_HEAD, tp + PTHREAD_ROBUST_HEAD);
    put(tp, PTHREAD_LOCALE, (uintptr_t)(__libc + MUSL_LIBC_GLOBAL_LOCALE));
    platform_set_tls(tp);
}
