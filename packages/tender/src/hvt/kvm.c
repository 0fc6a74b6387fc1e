/*
 * Creating the VM and its one vCPU, already in 64-bit mode at CPL3: KVM on this
 * project's machines runs CPL0 code in its instruction emulator, where SSE fails,
 * so the guest never runs in ring 0 (DESIGN.md §6). The IDT is empty: any guest
 * exception becomes a triple fault, which the run loop reports.
 */
#define _GNU_SOURCE
#include "hvt.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Intel SDM vol. 3A §2.5 (CR0, CR4), §4.5 (4-level paging), AMD APM vol. 2 §3.1.7 (EFER). */
#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define CR4_OSFXSR (1ULL << 9)
#define CR4_OSXMMEXCPT (1ULL << 10)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_US (1ULL << 2)
#define PTE_PS (1ULL << 7)
#define RFLAGS_RESERVED (1ULL << 1)
#define RFLAGS_IOPL3 (3ULL << 12)
#define MSR_IA32_TSC 0x10

/* GDT slots; selectors carry RPL 3 for the user segments. */
#define GDT_USER_CODE 3
#define GDT_USER_DATA 4
#define GDT_TSS 5 /* 16 bytes: slots 5 and 6 */
#define TSS_ADDR (HVT_GDT_ADDR + 0x100)

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *what)
{
    int r = ioctl(fd, req, arg);
    if (r < 0) die_errno("KVM: %s failed", what);
    return r;
}

void hvt_vm_create(struct hvt *h, uint64_t mem_size)
{
    h->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (h->kvm_fd < 0) {
        if (errno == ENOENT) die("/dev/kvm does not exist: hvt needs KVM (use the spt target without it)");
        die_errno("cannot open /dev/kvm");
    }
    int version = ioctl(h->kvm_fd, KVM_GET_API_VERSION, 0);
    if (version != KVM_API_VERSION) die("KVM API version %d, expected %d", version, KVM_API_VERSION);
    h->vm_fd = ioctl(h->kvm_fd, KVM_CREATE_VM, 0);
    if (h->vm_fd < 0) die_errno("KVM: cannot create a VM");

    h->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (h->mem == MAP_FAILED) die_errno("cannot allocate %llu MiB of guest memory", (unsigned long long)(mem_size >> 20));
    h->mem_size = mem_size;
    struct kvm_userspace_memory_region region = {
        .slot = 0, .guest_phys_addr = 0, .memory_size = mem_size, .userspace_addr = (uint64_t)(uintptr_t)h->mem};
    kvm_ioctl(h->vm_fd, KVM_SET_USER_MEMORY_REGION, &region, "KVM_SET_USER_MEMORY_REGION");

    h->vcpu_fd = ioctl(h->vm_fd, KVM_CREATE_VCPU, 0);
    if (h->vcpu_fd < 0) die_errno("KVM: cannot create a vCPU");
    int run_size = ioctl(h->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size < (int)sizeof(struct kvm_run)) die("KVM: bad vCPU mmap size %d", run_size);
    h->run_size = (size_t)run_size;
    h->run = mmap(NULL, h->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, h->vcpu_fd, 0);
    if (h->run == MAP_FAILED) die_errno("KVM: cannot map the vCPU run area");

    /* Give the guest the host's CPUID as KVM supports it (SSE, RDRAND, invariant TSC). */
    int nent = 128;
    struct kvm_cpuid2 *cpuid;
    for (;;) {
        cpuid = calloc(1, sizeof *cpuid + (size_t)nent * sizeof(struct kvm_cpuid_entry2));
        if (cpuid == NULL) die("out of memory");
        cpuid->nent = (uint32_t)nent;
        if (ioctl(h->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0) break;
        if (errno != E2BIG || nent >= 4096) die_errno("KVM_GET_SUPPORTED_CPUID");
        free(cpuid);
        nent *= 2;
    }
    kvm_ioctl(h->vcpu_fd, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2");
    free(cpuid);
}

bool hvt_cpu_has_rdrand(struct hvt *h)
{
    struct {
        struct kvm_cpuid2 head;
        struct kvm_cpuid_entry2 e[128];
    } c;
    memset(&c, 0, sizeof c);
    c.head.nent = 128;
    if (ioctl(h->vcpu_fd, KVM_GET_CPUID2, &c) < 0) return false;
    for (uint32_t i = 0; i < c.head.nent; i++)
        if (c.e[i].function == 1) return (c.e[i].ecx >> 30) & 1; /* CPUID.01H:ECX.RDRAND[bit 30] */
    return false;
}

/* Identity map [0, mem_size) with user pages: 4 KiB pages for the first 2 MiB
 * (page 0 absent to catch null pointers, the tender's own pages read-only), 2 MiB
 * pages above. */
void hvt_setup_paging_and_gdt(struct hvt *h)
{
    uint64_t *pml4 = (uint64_t *)(h->mem + HVT_PML4_ADDR);
    uint64_t *pdpt = (uint64_t *)(h->mem + HVT_PDPT_ADDR);
    uint64_t *pt0 = (uint64_t *)(h->mem + HVT_PT0_ADDR);
    uint64_t *pd = (uint64_t *)(h->mem + HVT_PD_ADDR);
    const uint64_t user_rw = PTE_P | PTE_RW | PTE_US;

    pml4[0] = HVT_PDPT_ADDR | user_rw;
    uint64_t pages_2m = h->mem_size / HVT_PAGE_2M;
    for (uint64_t gib = 0; gib * 512 < pages_2m; gib++) pdpt[gib] = (HVT_PD_ADDR + gib * 4096) | user_rw;
    /* The hypercall MMIO window: a user-writable 2 MiB page with no memory behind it. */
    uint64_t *mmio_pd = (uint64_t *)(h->mem + HVT_MMIO_PD_ADDR);
    pdpt[MIRAGE_HYPERCALL_MMIO_BASE >> 30] = HVT_MMIO_PD_ADDR | user_rw;
    mmio_pd[0] = MIRAGE_HYPERCALL_MMIO_BASE | user_rw | PTE_PS;
    pd[0] = HVT_PT0_ADDR | user_rw;
    for (uint64_t i = 1; i < pages_2m; i++) pd[i] = (i * HVT_PAGE_2M) | user_rw | PTE_PS;
    for (uint64_t i = 1; i < 512; i++) {
        uint64_t addr = i * 4096;
        pt0[i] = addr < MIRAGE_BOOT_INFO_ADDR ? (addr | PTE_P | PTE_US) : (addr | user_rw);
    }

    /* Descriptors per SDM vol. 3A §3.4.5; only the hidden parts in sregs matter
     * while nothing reloads a segment, but keep the table consistent with them. */
    uint64_t *gdt = (uint64_t *)(h->mem + HVT_GDT_ADDR);
    gdt[GDT_USER_CODE] = 0x00AFFB000000FFFFULL; /* L=1, P, DPL3, code exec/read accessed */
    gdt[GDT_USER_DATA] = 0x00CFF3000000FFFFULL; /* D/B=1, P, DPL3, data read/write accessed */
    gdt[GDT_TSS] = 0x00008B0000000067ULL | ((TSS_ADDR & 0xFFFFFF) << 16) | ((TSS_ADDR >> 24 & 0xFF) << 56);
    gdt[GDT_TSS + 1] = TSS_ADDR >> 32;
}

void hvt_setup_vcpu(struct hvt *h, uint64_t entry, uint64_t boot_info, uint64_t stack_top)
{
    struct kvm_sregs s;
    kvm_ioctl(h->vcpu_fd, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
    struct kvm_segment code = {.base = 0, .limit = 0xFFFFFFFF, .selector = GDT_USER_CODE << 3 | 3,
                               .type = 11, .present = 1, .dpl = 3, .db = 0, .s = 1, .l = 1, .g = 1};
    struct kvm_segment data = {.base = 0, .limit = 0xFFFFFFFF, .selector = GDT_USER_DATA << 3 | 3,
                               .type = 3, .present = 1, .dpl = 3, .db = 1, .s = 1, .l = 0, .g = 1};
    s.cs = code;
    s.ds = s.es = s.fs = s.gs = s.ss = data;
    s.tr = (struct kvm_segment){.base = TSS_ADDR, .limit = 0x67, .selector = GDT_TSS << 3, .type = 11,
                                .present = 1, .s = 0};
    s.ldt = (struct kvm_segment){.selector = 0, .type = 2, .present = 0, .unusable = 1};
    s.gdt.base = HVT_GDT_ADDR;
    s.gdt.limit = 8 * 8 - 1;
    s.idt.base = 0;
    s.idt.limit = 0; /* no handlers: a guest exception escalates to a triple fault */
    s.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    s.cr3 = HVT_PML4_ADDR;
    s.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    s.efer = EFER_LME | EFER_LMA; /* no SCE: a `syscall` instruction faults */
    kvm_ioctl(h->vcpu_fd, KVM_SET_SREGS, &s, "KVM_SET_SREGS");

    struct kvm_regs r;
    memset(&r, 0, sizeof r);
    r.rip = entry;
    r.rdi = boot_info;
    r.rsp = stack_top;
    r.rflags = RFLAGS_RESERVED | RFLAGS_IOPL3; /* IOPL 3: `outl` allowed at CPL3 */
    kvm_ioctl(h->vcpu_fd, KVM_SET_REGS, &r, "KVM_SET_REGS");
}

uint64_t hvt_tsc_hz(struct hvt *h)
{
    int khz = ioctl(h->vcpu_fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0) die_errno("KVM cannot tell the guest TSC frequency (KVM_GET_TSC_KHZ)");
    return (uint64_t)khz * 1000;
}

/* Asks KVM to restart the guest TSC from 0 and returns the guest TSC as KVM now
 * reports it: about 0 on VMX/SVM, the host TSC on PVM, which ignores the request
 * (CPL3 guest code reads the host TSC directly). The guest subtracts it. */
uint64_t hvt_start_tsc(struct hvt *h)
{
    struct {
        struct kvm_msrs head;
        struct kvm_msr_entry e;
    } m;
    memset(&m, 0, sizeof m);
    m.head.nmsrs = 1;
    m.e.index = MSR_IA32_TSC;
    m.e.data = 0;
    if (ioctl(h->vcpu_fd, KVM_SET_MSRS, &m) != 1) die_errno("KVM: cannot set the guest TSC");
    if (ioctl(h->vcpu_fd, KVM_GET_MSRS, &m) != 1) die_errno("KVM: cannot read the guest TSC");
    return m.e.data;
}
