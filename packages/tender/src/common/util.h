/*
 * Small helpers shared by both tenders: fatal errors and overflow-safe range checks.
 */
#ifndef TENDER_UTIL_H
#define TENDER_UTIL_H

#include <stdint.h>
#include <stdbool.h>

/* "mirage-hvt" or "mirage-spt"; set by main() before anything can fail. */
extern const char *tender_name;

/* Prints "<tender>: <message>" on one line to stderr and exits with status 1. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Like die, with ": <strerror(errno)>" appended. */
_Noreturn void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes "<tender>: <message>\n" to stderr with a single write(2) and no stdio
 * (safe after the seccomp filter is installed). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* clock_gettime(clock) in nanoseconds (CLOCK_REALTIME, CLOCK_MONOTONIC). */
uint64_t host_clock_ns(int clock);

/* true when [start, start + len) lies inside [0, limit), without overflow. */
static inline bool range_ok(uint64_t start, uint64_t len, uint64_t limit)
{
    return len <= limit && start <= limit - len;
}

#endif
