/*
 * Once the VM is set up the tender needs only a handful of system calls; a
 * classic-BPF seccomp filter (seccomp(2), no libseccomp) allows exactly those, each
 * on the file descriptors it is meant for. Anything else raises SIGSYS, whose
 * handler reports the call and exits 1 (a tender bug, never the guest's doing:
 * the guest cannot make the tender issue a system call it does not already make).
 */
#define _GNU_SOURCE
#include "hvt.h"
#include "util.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_INSNS 256
#define ARG_LO(n) (offsetof(struct seccomp_data, args) + 8 * (n)) /* little-endian low 32 bits */

struct prog {
    struct sock_filter insn[MAX_INSNS];
    unsigned len;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, uint8_t jt, uint8_t jf)
{
    if (p->len == MAX_INSNS) die("seccomp filter too long");
    p->insn[p->len++] = (struct sock_filter){code, jt, jf, k};
}

/* "if nr == syscall: allow when arg `arg` (low 32 bits) is one of vals[], else
 * trap", laid out as: jeq nr; ld arg; jeq v1..vn → allow; ret trap; ret allow. */
static void allow_if_arg(struct prog *p, int nr, int arg, const uint32_t *vals, unsigned n)
{
    emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, (uint8_t)(n + 3));
    emit(p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LO(arg), 0, 0);
    for (unsigned i = 0; i < n; i++) emit(p, BPF_JMP | BPF_JEQ | BPF_K, vals[i], (uint8_t)(n - i), 0);
    emit(p, BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);
    emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

static void allow(struct prog *p, int nr)
{
    emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
    emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
    (void)sig;
    (void)ctx;
    say("internal error: the seccomp filter stopped system call %d (please report)", info->si_syscall);
    _exit(1);
}

void hvt_install_seccomp(const struct hvt *h)
{
    uint32_t taps[MIRAGE_MAX_DEVICES], tap_or_console[MIRAGE_MAX_DEVICES + 2], blocks[MIRAGE_MAX_DEVICES];
    unsigned nt = 0, nb = 0;
    for (unsigned i = 0; i < h->devices->count; i++) {
        if (h->devices->dev[i].kind == MIRAGE_DEV_NET) taps[nt++] = (uint32_t)h->devices->dev[i].fd;
        else blocks[nb++] = (uint32_t)h->devices->dev[i].fd;
    }
    memcpy(tap_or_console, taps, nt * sizeof taps[0]);
    tap_or_console[nt] = 1;
    tap_or_console[nt + 1] = 2;
    const uint32_t vcpu[] = {(uint32_t)h->vcpu_fd};
    const uint32_t vcpu_ioctls[] = {KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS, KVM_SET_SREGS};

    struct prog p = {.len = 0};
    emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch), 0, 0);
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
    emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    emit(&p, BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1); /* x32 ABI numbers */
    emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);

    /* ioctl: only on the vCPU, only the four requests the loop uses. */
    emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0, 0);
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 10);
    emit(&p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LO(0), 0, 0);
    emit(&p, BPF_JMP | BPF_JEQ | BPF_K, vcpu[0], 1, 0);
    emit(&p, BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);
    emit(&p, BPF_LD | BPF_W | BPF_ABS, (uint32_t)ARG_LO(1), 0, 0);
    for (unsigned i = 0; i < 4; i++) emit(&p, BPF_JMP | BPF_JEQ | BPF_K, vcpu_ioctls[i], (uint8_t)(4 - i), 0);
    emit(&p, BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);
    emit(&p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);

    allow_if_arg(&p, SYS_read, 0, taps, nt);
    allow_if_arg(&p, SYS_write, 0, tap_or_console, nt + 2);
    allow_if_arg(&p, SYS_pread64, 0, blocks, nb);
    allow_if_arg(&p, SYS_pwrite64, 0, blocks, nb);
    allow(&p, SYS_ppoll);
    allow(&p, SYS_clock_gettime); /* normally answered by the vDSO */
    allow(&p, SYS_exit_group);
    allow(&p, SYS_exit);
    emit(&p, BPF_RET | BPF_K, SECCOMP_RET_TRAP, 0, 0);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO;
    if (sigaction(SIGSYS, &sa, NULL) < 0) die_errno("sigaction(SIGSYS)");

    struct sock_fprog prog = {.len = (unsigned short)p.len, .filter = p.insn};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno("prctl(PR_SET_NO_NEW_PRIVS)");
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0) die_errno("cannot install the seccomp filter");
}
