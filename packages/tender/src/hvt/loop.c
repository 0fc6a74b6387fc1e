/*
 * The vCPU run loop: every VM exit is either a hypercall (a store to the hypercall
 * MMIO page, or an `outl` to our port range) or the end of the guest, which we
 * report in one line.
 */
#define _GNU_SOURCE
#include "hvt.h"
#include "util.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static uint64_t guest_rip(struct hvt *h)
{
    struct kvm_regs r;
    return ioctl(h->vcpu_fd, KVM_GET_REGS, &r) == 0 ? r.rip : 0;
}

static void apply_tls(struct hvt *h)
{
    struct kvm_sregs s;
    if (ioctl(h->vcpu_fd, KVM_GET_SREGS, &s) < 0) die_errno("KVM_GET_SREGS");
    s.fs.base = h->tls_base;
    if (ioctl(h->vcpu_fd, KVM_SET_SREGS, &s) < 0) die_errno("KVM_SET_SREGS");
    h->tls_pending = false;
}

static void dispatch(struct hvt *h, uint64_t nr, uint32_t addr)
{
    switch (hvt_hypercall(h, nr, addr)) {
    case HC_CONTINUE:
        if (h->tls_pending) apply_tls(h);
        return;
    case HC_HALT:
        if (h->why[0] != '\0') say("guest exited with status %d: %s", h->exit_code, h->why);
        _exit(h->exit_code);
    case HC_BAD:
        die("guest made a bad hypercall (%s) at rip=0x%llx", h->why, (unsigned long long)guest_rip(h));
    }
}

/* A store to the hypercall page: 4 bytes at MMIO_BASE + 8 * n. Anything else
 * there (a load, another width, an address between slots or past the last call)
 * is refused, and a store elsewhere outside memory cannot happen: only this page
 * is mapped beyond guest memory. */
static void handle_mmio(struct hvt *h)
{
    struct kvm_run *run = h->run;
    uint64_t gpa = run->mmio.phys_addr;
    uint64_t off = gpa - MIRAGE_HYPERCALL_MMIO_BASE;
    if (gpa < MIRAGE_HYPERCALL_MMIO_BASE || !run->mmio.is_write || run->mmio.len != 4 ||
        off % MIRAGE_HYPERCALL_MMIO_STRIDE != 0 || off / MIRAGE_HYPERCALL_MMIO_STRIDE == 0 ||
        off / MIRAGE_HYPERCALL_MMIO_STRIDE > MIRAGE_HC_MAX)
        die("guest made a bad hypercall (%s of %u byte(s) at 0x%llx, outside the hypercall slots) at rip=0x%llx",
            run->mmio.is_write ? "store" : "load", run->mmio.len, (unsigned long long)gpa,
            (unsigned long long)guest_rip(h));
    uint32_t addr;
    memcpy(&addr, run->mmio.data, 4);
    dispatch(h, off / MIRAGE_HYPERCALL_MMIO_STRIDE, addr);
}

static void handle_io(struct hvt *h)
{
    struct kvm_run *run = h->run;
    uint64_t port = run->io.port;
    if (run->io.direction != KVM_EXIT_IO_OUT || run->io.size != 4 || run->io.count != 1 ||
        port <= MIRAGE_HYPERCALL_PIO_BASE || port > MIRAGE_HYPERCALL_PIO_BASE + MIRAGE_HC_MAX ||
        run->io.data_offset > h->run_size - 4)
        die("guest made a bad hypercall (%s of %u byte(s) x%u on port 0x%llx at rip=0x%llx)",
            run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size, run->io.count,
            (unsigned long long)port, (unsigned long long)guest_rip(h));
    uint32_t addr;
    memcpy(&addr, (uint8_t *)run + run->io.data_offset, 4);
    dispatch(h, port - MIRAGE_HYPERCALL_PIO_BASE, addr);
}

static const char *shutdown_hint(struct hvt *h, char *buf, size_t size)
{
    struct kvm_sregs s;
    if (ioctl(h->vcpu_fd, KVM_GET_SREGS, &s) == 0 && s.cr2 != 0)
        snprintf(buf, size, ", last page fault address 0x%llx", (unsigned long long)s.cr2);
    else
        buf[0] = '\0';
    return buf;
}

void hvt_run(struct hvt *h)
{
    char hint[80];
    for (;;) {
        if (ioctl(h->vcpu_fd, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            die_errno("KVM_RUN");
        }
        struct kvm_run *run = h->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            handle_io(h);
            break;
        case KVM_EXIT_SHUTDOWN:
            /* With no IDT, any exception (page fault, #GP, #UD, divide error)
             * escalates to a triple fault and KVM reports a shutdown. */
            die("guest crashed: triple fault (an unhandled CPU exception) at rip=0x%llx%s",
                (unsigned long long)guest_rip(h), shutdown_hint(h, hint, sizeof hint));
        case KVM_EXIT_INTERNAL_ERROR:
            die("guest stopped: KVM internal error (%s, suberror %u) at rip=0x%llx",
                run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? "instruction emulation failed" : "internal",
                run->internal.suberror, (unsigned long long)guest_rip(h));
        case KVM_EXIT_FAIL_ENTRY:
            die("guest could not be entered: KVM entry failure 0x%llx at rip=0x%llx",
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason, (unsigned long long)guest_rip(h));
        case KVM_EXIT_MMIO:
            handle_mmio(h);
            break;
        case KVM_EXIT_HLT:
            die("guest executed hlt at rip=0x%llx", (unsigned long long)guest_rip(h));
        case KVM_EXIT_INTR:
            break;
        default:
            die("guest stopped: unexpected KVM exit reason %u at rip=0x%llx", run->exit_reason,
                (unsigned long long)guest_rip(h));
        }
    }
}
