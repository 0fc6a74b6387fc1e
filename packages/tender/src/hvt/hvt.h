/*
 * mirage-hvt: runs a guest image in a KVM virtual machine at CPL3 (DESIGN.md §6).
 * The guest makes hypercalls by storing a struct's guest-physical address to slot n
 * of the hypercall MMIO page (or with `outl` to port MIRAGE_HYPERCALL_PIO_BASE + n);
 * loop.c decodes the exit, hypercalls.c checks and serves the call.
 */
#ifndef HVT_H
#define HVT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "devices.h"
#include "mirage_abi.h"

/* Guest-physical layout of what the tender puts below the boot info (see mirage_abi.h). */
#define HVT_GDT_ADDR 0x1000ULL
#define HVT_PML4_ADDR 0x2000ULL
#define HVT_PDPT_ADDR 0x3000ULL
#define HVT_PT0_ADDR 0x4000ULL /* 4 KiB pages for the first 2 MiB, so page 0 stays unmapped */
#define HVT_PD_ADDR 0x5000ULL  /* one page directory per GiB, up to 4 */
#define HVT_MMIO_PD_ADDR 0x9000ULL /* maps the hypercall MMIO page at 4 GiB */
#define HVT_PAGE_2M (2ULL << 20)
#define HVT_MIN_FREE (1ULL << 20) /* heap + stack the tender insists on after the image */

struct hvt {
    int kvm_fd, vm_fd, vcpu_fd;
    struct kvm_run *run;
    size_t run_size;
    uint8_t *mem;      /* host view of guest-physical 0 */
    uint64_t mem_size; /* bytes, a multiple of 2 MiB */
    struct tender_devices *devices;
    uint64_t tsc_hz;
    uint64_t mono_at_boot_ns; /* host CLOCK_MONOTONIC at guest monotonic 0 (TSC == tsc_at_boot) */
    uint64_t poll_cap_ns;     /* 0 in the tender; the fuzz harness caps waits */
    /* Results of the last hypercall for the run loop. */
    bool tls_pending;
    uint64_t tls_base;
    int exit_code;
    char why[256]; /* what was wrong with a bad hypercall, or the halt reason */
};

enum hc_result {
    HC_CONTINUE, /* resume the guest */
    HC_HALT,     /* the guest asked to stop: exit with h->exit_code (reason in h->why) */
    HC_BAD,      /* a hypercall the tender refuses: h->why says why; stop the guest */
};

/* Serves hypercall `nr` whose argument struct is at guest-physical `addr`. Never
 * trusts the guest: every address and length is checked against guest memory. */
enum hc_result hvt_hypercall(struct hvt *h, uint64_t nr, uint64_t addr);

/* kvm.c */
void hvt_vm_create(struct hvt *h, uint64_t mem_size);
void hvt_setup_paging_and_gdt(struct hvt *h);
void hvt_setup_vcpu(struct hvt *h, uint64_t entry, uint64_t boot_info, uint64_t stack_top);
uint64_t hvt_tsc_hz(struct hvt *h);
bool hvt_cpu_has_rdrand(struct hvt *h);
uint64_t hvt_start_tsc(struct hvt *h);

/* loop.c */
_Noreturn void hvt_run(struct hvt *h);

/* seccomp.c */
void hvt_install_seccomp(const struct hvt *h);

#endif
