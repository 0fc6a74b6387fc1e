/*
 * Freestanding entry for the test guests. mirage-spt jumps here with RDI = boot
 * info and RSP = top of the guest stack (as after a call). No syscall here: all
 * host access goes through platform-spt.c.
 */
#include "guest.h"

struct mirage_boot_info *platform_boot_info;

/* x86_64 TLS ABI: %fs:0 holds the thread pointer itself. */
static uint64_t tls_block[16] __attribute__((aligned(64)));

void guest_start(struct mirage_boot_info *bi);
__asm__(".section .text.start, \"ax\"\n"
        ".globl _start\n"
        "_start:\n"
        "  and $-16, %rsp\n"
        "  call guest_start\n"
        "  ud2\n"
        ".text\n");

void guest_start(struct mirage_boot_info *bi)
{
    tls_block[0] = (uint64_t)tls_block;
    platform_set_tls((uint64_t)tls_block);
    platform_boot_info = bi;
    int code = guest_main(bi);
    platform_halt(code, 0);
}

/* The compiler may emit calls to these even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}

size_t guest_strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int guest_streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

void put_str(const char *s)
{
    platform_console_write(s, guest_strlen(s));
}

void put_u64(uint64_t v)
{
    char buf[21];
    int i = 20;
    buf[i] = '\0';
    do
        buf[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put_str(buf + i);
}

void put_line(const char *label, uint64_t v)
{
    put_str(label);
    put_str(" ");
    put_u64(v);
    put_str("\n");
}
