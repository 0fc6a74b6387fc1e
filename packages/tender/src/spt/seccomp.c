/*
 * The guest's seccomp allow-list, written as raw classic BPF (seccomp(2),
 * Documentation/userspace-api/seccomp_filter.rst). Everything not listed kills the
 * whole process (SECCOMP_RET_KILL_PROCESS, so the tender's parent sees SIGSYS):
 *   write          fds 1, 2 and the taps
 *   read           the taps
 *   pread64/pwrite64  the block files
 *   clock_gettime  CLOCK_REALTIME and CLOCK_MONOTONIC
 *   ppoll, exit, exit_group
 *   arch_prctl     ARCH_SET_FS only (musl's thread pointer)
 * Installed last, right before the jump into the guest: the tender makes no other
 * system call after it.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "spt.h"
#include "util.h"

#define NR_OFF offsetof(struct seccomp_data, nr)
#define ARCH_OFF offsetof(struct seccomp_data, arch)
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define MAX_INSNS 256

struct program {
    struct sock_filter insns[MAX_INSNS];
    unsigned short len;
};

static void emit(struct program *p, unsigned short code, unsigned char jt, unsigned char jf, uint32_t k)
{
    if (p->len == MAX_INSNS)
        die("internal error: seccomp filter too long");
    p->insns[p->len++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

/* Allows syscall `nr` unconditionally. A still holds the syscall number. */
static void allow(struct program *p, uint32_t nr)
{
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, nr);
    emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

/*
 * Allows syscall `nr` only when argument `arg` (all 64 bits) is one of `values`.
 * Block layout, n = count:
 *   jeq nr ? next : skip block
 *   ld arg.hi; jeq 0 ? next : kill
 *   ld arg.lo; n x (jeq value ? allow : next)
 *   kill; allow
 * Every path in the block returns, so A still holds nr when a block is skipped.
 */
static void allow_if_arg(struct program *p, uint32_t nr, int arg, const uint32_t *values, int count)
{
    if (count == 0)
        return; /* nothing may use this call: the default kills it */
    unsigned char body = (unsigned char)(count + 5);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, body, nr);
    emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)ARG_HI(arg));
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (unsigned char)(count + 1), 0);
    emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)ARG_LO(arg));
    for (int k = 0; k < count; k++)
        emit(p, BPF_JMP | BPF_JEQ | BPF_K, (unsigned char)(count - k), 0, values[k]);
    emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
    emit(p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ALLOW);
}

void spt_install_seccomp(const struct tender_devices *devices)
{
    uint32_t out_fds[MIRAGE_MAX_DEVICES + 2] = {1, 2}, tap_fds[MIRAGE_MAX_DEVICES], block_fds[MIRAGE_MAX_DEVICES];
    int outs = 2, taps = 0, blocks = 0;
    for (unsigned i = 0; i < devices->count && i < MIRAGE_MAX_DEVICES; i++) {
        const struct tender_device *d = &devices->dev[i];
        if (d->fd < 0)
            continue;
        if (d->kind == MIRAGE_DEV_NET) {
            tap_fds[taps++] = (uint32_t)d->fd;
            out_fds[outs++] = (uint32_t)d->fd;
        } else {
            block_fds[blocks++] = (uint32_t)d->fd;
        }
    }
    static const uint32_t set_fs[1] = {ARCH_SET_FS};
    /* Not the CPU-time clocks: their ids can name other processes. */
    static const uint32_t clocks[2] = {CLOCK_REALTIME, CLOCK_MONOTONIC};

    struct program p = {.len = 0};
    /* Another architecture's numbers mean other calls: refuse them all, and x32's too. */
    emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)ARCH_OFF);
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_X86_64);
    emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);
    emit(&p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)NR_OFF);
    emit(&p, BPF_JMP | BPF_JGE | BPF_K, 0, 1, 0x40000000u /* __X32_SYSCALL_BIT */);
    emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);

    allow_if_arg(&p, SYS_write, 0, out_fds, outs);
    allow_if_arg(&p, SYS_read, 0, tap_fds, taps);
    allow_if_arg(&p, SYS_pread64, 0, block_fds, blocks);
    allow_if_arg(&p, SYS_pwrite64, 0, block_fds, blocks);
    allow_if_arg(&p, SYS_arch_prctl, 0, set_fs, 1);
    allow(&p, SYS_ppoll);
    allow_if_arg(&p, SYS_clock_gettime, 0, clocks, 2);
    allow(&p, SYS_exit_group);
    allow(&p, SYS_exit);
    emit(&p, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_KILL_PROCESS);

    struct sock_fprog prog = {.len = p.len, .filter = p.insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        die_errno("PR_SET_NO_NEW_PRIVS");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0)
        die_errno("cannot install the seccomp filter");
}
