/*
 * A hostile guest: makes the system call named by its first argument, which the
 * seccomp allow-list forbids, so mirage-spt's process must die with SIGSYS. This
 * file deliberately holds its own `syscall` instruction. If the call returns,
 * the guest says so and exits 0 -- the test treats that as a failure. The
 * "null-deref" and "write-text" modes fault instead (reported by the tender).
 */
#include "guest.h"

MIRAGE_GUEST_NOTES(1, {{"storage", MIRAGE_DEV_BLOCK, 0}});

static long raw_syscall(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

int guest_main(struct mirage_boot_info *bi)
{
    const char *what = bi->argc > 0 ? ((char **)bi->argv)[0] : "openat";
    long fd = bi->device_count > 0 ? bi->devices[0].host_fd : 3;
    put_str("about to call ");
    put_str(what);
    put_str("\n");
    static char buf[512];
    long r = -1;
    if (guest_streq(what, "openat"))
        r = raw_syscall(257, -100 /* AT_FDCWD */, (long)"/etc/passwd", 0);
    else if (guest_streq(what, "socket"))
        r = raw_syscall(41, 2 /* AF_INET */, 1 /* SOCK_STREAM */, 0);
    else if (guest_streq(what, "execve"))
        r = raw_syscall(59, (long)"/bin/sh", 0, 0);
    else if (guest_streq(what, "write5"))
        r = raw_syscall(1, 5, (long)"x", 1);
    else if (guest_streq(what, "write-block")) /* block fds take pwrite64 only */
        r = raw_syscall(1, fd, (long)buf, 512);
    else if (guest_streq(what, "read-stdin"))
        r = raw_syscall(0, 0, (long)buf, 1);
    else if (guest_streq(what, "write-fd-high-bits")) /* fd 1 with garbage above bit 31 */
        r = raw_syscall(1, 0x100000001L, (long)"x", 1);
    else if (guest_streq(what, "arch_prctl-get-fs"))
        r = raw_syscall(158, 0x1003 /* ARCH_GET_FS */, (long)buf, 0);
    else if (guest_streq(what, "clock-cputime")) /* CLOCK_PROCESS_CPUTIME_ID */
        r = raw_syscall(228, 2, (long)buf, 0);
    else if (guest_streq(what, "mmap"))
        r = raw_syscall(9, 0, 4096, 3);
    else if (guest_streq(what, "x32-write")) /* write through the x32 numbering */
        r = raw_syscall(0x40000000L | 1, 1, (long)"x", 1);
    else if (guest_streq(what, "null-deref")) /* faults, not syscalls: the tender reports them */
        r = *(volatile long *)(uintptr_t)bi->device_count; /* 1: in the null page, never mapped */
    else if (guest_streq(what, "write-text")) /* the image's code is mapped read+execute only */
        *(volatile uint8_t *)(uintptr_t)&guest_main = 0xcc;
    else if (guest_streq(what, "allowed-write")) { /* control: this one is allowed */
        r = raw_syscall(1, 1, (long)"allowed\n", 8);
        return r == 8 ? 0 : 4;
    }
    put_line("survived, result", (uint64_t)r);
    return 0;
}
