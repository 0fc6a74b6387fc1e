#define _GNU_SOURCE
#include "bootinfo.h"
#include "util.h"

#include <string.h>
#include <sys/random.h>

struct mirage_boot_info *bootinfo_build(uint8_t *area, uint64_t guest_addr, uint32_t target, int argc, char **argv)
{
    memset(area, 0, MIRAGE_BOOT_INFO_SIZE);
    struct mirage_boot_info *bi = (struct mirage_boot_info *)area;
    bi->abi_version = MIRAGE_ABI_VERSION;
    bi->target = target;

    /* Room needed: cmdline (sum of lengths + separators), argv vector, strings. */
    uint64_t strings = 0;
    for (int i = 0; i < argc; i++) strings += strlen(argv[i]) + 1;
    uint64_t vector_off = (sizeof *bi + (strings ? strings : 1) + 7) & ~7ULL;
    uint64_t strings_off = vector_off + ((uint64_t)argc + 1) * 8;
    if (strings_off + strings > MIRAGE_BOOT_INFO_SIZE)
        die("guest arguments are too long (%llu bytes, at most about %llu)", (unsigned long long)strings,
            (unsigned long long)(MIRAGE_BOOT_INFO_SIZE / 2 - sizeof *bi));

    char *cmdline = (char *)area + sizeof *bi;
    uint64_t *vector = (uint64_t *)(area + vector_off);
    char *s = (char *)area + strings_off;
    for (int i = 0; i < argc; i++) {
        size_t n = strlen(argv[i]);
        if (i > 0) *cmdline++ = ' ';
        memcpy(cmdline, argv[i], n);
        cmdline += n;
        memcpy(s, argv[i], n + 1);
        vector[i] = guest_addr + (uint64_t)((uint8_t *)s - area);
        s += n + 1;
    }
    *cmdline = '\0';
    vector[argc] = 0;
    bi->cmdline = guest_addr + sizeof *bi;
    bi->argc = (uint64_t)argc;
    bi->argv = guest_addr + vector_off;
    if (getrandom(bi->seed, sizeof bi->seed, 0) != (ssize_t)sizeof bi->seed) die_errno("getrandom");
    return bi;
}
