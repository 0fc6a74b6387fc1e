#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *tender_name = "mirage-tender";

/* Formats into a stack buffer and writes it at once, so lines from the tender
 * never interleave with guest output and no stdio buffers are involved. */
static void vsay(const char *suffix, const char *fmt, va_list ap)
{
    char line[1024];
    int n = snprintf(line, sizeof line, "%s: ", tender_name);
    if (n < 0) n = 0;
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    size_t used = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (used > sizeof line - 2) used = sizeof line - 2;
    if (suffix != NULL) {
        size_t s = strlen(suffix);
        if (used + s > sizeof line - 2) s = sizeof line - 2 - used;
        memcpy(line + used, suffix, s);
        used += s;
    }
    line[used++] = '\n';
    ssize_t ignored = write(2, line, used);
    (void)ignored;
}

void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(NULL, fmt, ap);
    va_end(ap);
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(NULL, fmt, ap);
    va_end(ap);
    _exit(1);
}

void die_errno(const char *fmt, ...)
{
    char suffix[256];
    snprintf(suffix, sizeof suffix, ": %s", strerror(errno));
    va_list ap;
    va_start(ap, fmt);
    vsay(suffix, fmt, ap);
    va_end(ap);
    _exit(1);
}

uint64_t host_clock_ns(int clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
