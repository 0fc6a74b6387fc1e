/*
 * A guest fault (SIGSEGV, SIGBUS, SIGILL, SIGFPE) becomes one line
 * "mirage-spt: guest crashed: ..." and exit status 1, like mirage-hvt's reports of
 * abnormal exits. The handler runs on its own stack with the guest's FS base, so
 * it touches no libc (no TLS, no stack protector) and makes only calls the
 * seccomp filter allows: write(2) and exit_group.
 * Forbidden system calls are not caught here: seccomp kills the process with SIGSYS.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include "spt.h"
#include "util.h"

#define NO_LIBC __attribute__((optimize("no-stack-protector"), no_instrument_function))

static uint8_t crash_stack[16384] __attribute__((aligned(16)));

NO_LIBC static long raw3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

NO_LIBC static size_t append(char *buf, size_t at, const char *s)
{
    while (*s && at < 255)
        buf[at++] = *s++;
    return at;
}

NO_LIBC static size_t append_hex(char *buf, size_t at, uint64_t v)
{
    at = append(buf, at, "0x");
    int shift = 60;
    while (shift > 0 && ((v >> shift) & 0xf) == 0)
        shift -= 4;
    for (; shift >= 0 && at < 255; shift -= 4)
        buf[at++] = "0123456789abcdef"[(v >> shift) & 0xf];
    return at;
}

NO_LIBC static void on_fault(int sig, siginfo_t *info, void *context)
{
    char line[256];
    const ucontext_t *uc = context;
    const char *name = sig == SIGSEGV ? "SIGSEGV" : sig == SIGBUS ? "SIGBUS" : sig == SIGILL ? "SIGILL" : "SIGFPE";
    size_t n = append(line, 0, "mirage-spt: guest crashed: ");
    n = append(line, n, name);
    n = append(line, n, " at address ");
    n = append_hex(line, n, (uint64_t)info->si_addr);
    n = append(line, n, ", rip ");
    n = append_hex(line, n, (uint64_t)uc->uc_mcontext.gregs[REG_RIP]);
    n = append(line, n, "\n");
    raw3(SYS_write, 2, (long)line, (long)n);
    for (;;)
        raw3(SYS_exit_group, 1, 0, 0);
}

void spt_install_crash_handlers(void)
{
    stack_t ss = {.ss_sp = crash_stack, .ss_size = sizeof crash_stack, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        die_errno("sigaltstack");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigfillset(&sa.sa_mask);
    static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
        if (sigaction(faults[i], &sa, NULL) != 0)
            die_errno("sigaction");
    /* A dead guest's core would hold all its memory: not worth the disk. */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
}
