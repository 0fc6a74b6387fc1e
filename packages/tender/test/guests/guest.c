#include "guest.h"

struct mirage_boot_info *boot_info;

/* Entry: RDI = boot info, RSP = top of memory - 8 (as after a call). */
__attribute__((section(".text.start"), used, noreturn)) void _start(struct mirage_boot_info *bi)
{
    boot_info = bi;
    int code = main((int)bi->argc, (char **)(uintptr_t)bi->argv);
    halt(code, 0);
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}

void *memcpy(void *d, const void *s, size_t n)
{
    char *dd = d;
    const char *ss = s;
    while (n--) *dd++ = *ss++;
    return d;
}

void *memset(void *d, int c, size_t n)
{
    char *dd = d;
    while (n--) *dd++ = (char)c;
    return d;
}

void put(const char *s)
{
    struct mirage_hc_puts a = {(uint64_t)(uintptr_t)s, strlen(s)};
    hypercall(MIRAGE_HC_PUTS, &a);
}

void put_u64(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = 0;
    do buf[--i] = (char)('0' + v % 10);
    while (v /= 10);
    put(buf + i);
}

void put_hex(uint64_t v)
{
    char buf[19];
    buf[18] = 0;
    for (int i = 17; i >= 2; i--, v >>= 4) buf[i] = "0123456789abcdef"[v & 15];
    buf[0] = '0';
    buf[1] = 'x';
    put(buf);
}

/* ns = tsc * 1e9 / hz without 128-bit division: whole seconds, then the rest. */
uint64_t monotonic_ns(void)
{
    uint64_t tsc = rdtsc() - boot_info->tsc_at_boot, hz = boot_info->tsc_freq_hz;
    return tsc / hz * 1000000000ULL + tsc % hz * 1000000000ULL / hz;
}

uint64_t poll_until(uint64_t deadline_ns)
{
    struct mirage_hc_poll a = {deadline_ns, 0, 0};
    hypercall(MIRAGE_HC_POLL, &a);
    return a.ready_set;
}

void halt(int code, const char *reason)
{
    struct mirage_hc_halt a = {(uint64_t)code, (uint64_t)(uintptr_t)reason};
    hypercall(MIRAGE_HC_HALT, &a);
    for (;;) __asm__ volatile("ud2"); /* unreachable: the tender never resumes a halt */
}
