/*
 * libc functions whose musl versions would make system calls (clocks, exit, abort,
 * assert) and the pthread calls QuickJS's Atomics code references. The guest has
 * one thread and JS_SetCanBlock stays off, so Atomics.wait throws before it could
 * reach a condition variable: those stubs only stop the guest if that ever changes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

#include "runtime.h"

int clock_gettime(clockid_t clock, struct timespec *ts)
{
    uint64_t ns;
    switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        ns = platform_walltime_ns();
        break;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
        ns = platform_monotonic_ns();
        break;
    default:
        errno = EINVAL;
        return -1;
    }
    ts->tv_sec = (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
    return 0;
}

int __clock_gettime(clockid_t clock, struct timespec *ts) __attribute__((alias("clock_gettime")));

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    (void)tz;
    if (tv) {
        uint64_t ns = platform_walltime_ns();
        tv->tv_sec = (time_t)(ns / 1000000000u);
        tv->tv_usec = (suseconds_t)(ns % 1000000000u / 1000u);
    }
    return 0;
}

time_t time(time_t *out)
{
    time_t t = (time_t)(platform_walltime_ns() / 1000000000u);
    if (out) *out = t;
    return t;
}

_Noreturn void exit(int code) { platform_halt(code & 255, NULL); }
_Noreturn void _Exit(int code) { platform_halt(code & 255, NULL); }
_Noreturn void _exit(int code) { platform_halt(code & 255, NULL); }

_Noreturn void abort(void)
{
    mirage_console(2, "mirage guest: abort()\n", 22);
    platform_halt(134, NULL);
}

_Noreturn void __assert_fail(const char *expr, const char *file, int line, const char *func)
{
    mirage_fatal("mirage guest: assertion failed: %s (%s:%d, %s)", expr, file, line, func);
}

_Noreturn void mg_heap_corrupt(const char *what)
{
    mirage_fatal("mirage guest: heap corruption: %s", what);
}

int pthread_mutex_lock(pthread_mutex_t *m) { (void)m; return 0; }
int pthread_mutex_unlock(pthread_mutex_t *m) { (void)m; return 0; }
int pthread_cond_init(pthread_cond_t *restrict c, const pthread_condattr_t *restrict a) { (void)c; (void)a; return 0; }
int pthread_cond_destroy(pthread_cond_t *c) { (void)c; return 0; }
int pthread_cond_signal(pthread_cond_t *c) { (void)c; return 0; }

int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
    (void)c;
    (void)m;
    mirage_fatal("mirage guest: Atomics.wait cannot block (one thread)");
}

int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m, const struct timespec *restrict t)
{
    (void)t;
    pthread_cond_wait(c, m);
    return ETIMEDOUT;
}

/* Parts of Debian's libc.a are built with -fstack-protector-strong; the canary lives
 * in our thread block (tls.c). musl's own handler would crash without a word. */
_Noreturn void __stack_chk_fail(void)
{
    mirage_fatal("mirage guest: stack smashing detected");
}
