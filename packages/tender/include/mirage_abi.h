/*
 * mirage-ts unikernel ABI, shared by the guest runtime (packages/guest) and the
 * tenders (mirage-hvt, mirage-spt). Solo5-shaped, but our own.
 *
 * Never trust the guest: the tender checks every address and length it reads here.
 * Bump MIRAGE_ABI_VERSION on any change to a struct or number below; the tender
 * refuses an image whose ABI note carries another version.
 *
 * Memory layout on hvt (guest-physical == guest-virtual, identity mapped, user pages):
 *   [0, 0x1000)            unmapped (null page)
 *   [0x1000, 0x10000)      tender: GDT, page tables
 *   [0x10000, 0x20000)     struct mirage_boot_info, then the command line and argv
 *   [0x100000, end)        the guest ELF's PT_LOAD segments
 *   [heap_start, mem_size) heap (grows up) and stack (grows down from mem_size)
 *   [4 GiB, 4 GiB + 2 MiB) hypercall MMIO page (not memory; see below)
 * mem_size is at most 4 GiB.
 * On spt the guest ELF is loaded at the same addresses in the tender's process, and
 * the boot info lives wherever the tender puts it (RDI points at it).
 */
#ifndef MIRAGE_ABI_H
#define MIRAGE_ABI_H

#include <stdint.h>

#define MIRAGE_ABI_VERSION 1

/* Guest link address; the tender refuses segments below it or past memory. */
#define MIRAGE_GUEST_MIN_VADDR 0x100000ULL
#define MIRAGE_BOOT_INFO_ADDR 0x10000ULL /* hvt only */
#define MIRAGE_BOOT_INFO_SIZE 0x10000ULL /* boot info + command line + argv vector */

/* ---- ELF notes carried by the image (PT_NOTE, note name "MIRAGE-TS") ---- */
#define MIRAGE_NOTE_NAME "MIRAGE-TS"
#define MIRAGE_NOTE_ABI 1      /* desc: struct mirage_note_abi */
#define MIRAGE_NOTE_MANIFEST 2 /* desc: struct mirage_manifest */

#define MIRAGE_TARGET_HVT 1
#define MIRAGE_TARGET_SPT 2

struct mirage_note_abi {
    uint32_t abi_version; /* MIRAGE_ABI_VERSION the image was built against */
    uint32_t target;      /* MIRAGE_TARGET_*: an hvt image does not run under spt */
};

#define MIRAGE_MAX_DEVICES 16
#define MIRAGE_DEVICE_NAME_MAX 32 /* including the terminating NUL */

#define MIRAGE_DEV_NET 1
#define MIRAGE_DEV_BLOCK 2

struct mirage_manifest_entry {
    char name[MIRAGE_DEVICE_NAME_MAX]; /* NUL-terminated, [a-zA-Z0-9_-]+ */
    uint32_t kind;                     /* MIRAGE_DEV_* */
    uint32_t reserved;
};

struct mirage_manifest {
    uint32_t version; /* MIRAGE_ABI_VERSION */
    uint32_t count;   /* <= MIRAGE_MAX_DEVICES */
    struct mirage_manifest_entry entries[MIRAGE_MAX_DEVICES];
};

/* ---- Boot info: the tender fills it, RDI points at it on entry ---- */
struct mirage_device_info {
    uint32_t attached;   /* 1 when the tender attached this manifest entry */
    uint32_t kind;       /* MIRAGE_DEV_*, copied from the manifest */
    /* net */
    uint8_t mac[6];
    uint16_t mtu;
    /* block */
    uint64_t capacity;   /* bytes */
    uint64_t block_size; /* bytes; reads and writes are whole blocks */
    /* spt only: the host file descriptor behind the device (-1 on hvt) */
    int64_t host_fd;
};

struct mirage_boot_info {
    uint32_t abi_version;    /* OUT (tender): MIRAGE_ABI_VERSION */
    uint32_t target;         /* MIRAGE_TARGET_* */
    uint64_t mem_size;       /* bytes of guest memory (hvt) or of the guest region (spt) */
    uint64_t heap_start;     /* first free byte after the image, page aligned */
    uint64_t heap_end;       /* heap and stack share [heap_start, heap_end); stack at top */
    uint64_t cmdline;        /* address of the NUL-terminated guest command line */
    uint64_t argc;           /* guest arguments after the image name, already split (argv[0] is the first one, not a program name) */
    uint64_t argv;           /* address of char *argv[argc + 1] */
    uint64_t tsc_freq_hz;    /* hvt: TSC frequency; monotonic 0 is TSC == tsc_at_boot (below) */
    uint64_t wall_ns_at_boot;/* wall clock (ns since the epoch) at monotonic 0 */
    uint8_t seed[32];        /* entropy from the host's getrandom() */
    uint32_t cpu_has_rdrand; /* informative; the guest checks CPUID itself */
    uint32_t device_count;   /* == manifest count */
    struct mirage_device_info devices[MIRAGE_MAX_DEVICES]; /* index == manifest index == handle */
    /* Added after the first draft (appended, so ABI version stays 1): the guest TSC
     * reading at monotonic time 0. The tender asks KVM to start the guest TSC at 0,
     * but PVM hosts let CPL3 code read the host TSC directly and ignore that, so
     * always compute monotonic ns = (rdtsc - tsc_at_boot) * 1e9 / tsc_freq_hz. */
    uint64_t tsc_at_boot;
};

/* ---- hvt hypercalls. The guest passes the 32-bit guest-physical address of the
 * argument struct in one of two equivalent ways; the tender accepts both:
 *
 *  - MMIO (what the guest runtime uses): a 32-bit store of the address to
 *    MIRAGE_HYPERCALL_MMIO_BASE + 8 * number. The tender maps that page (user,
 *    writable, backed by no memory) so the store exits to the tender. This works on
 *    every KVM, including PVM ("pagetable-based", this project's machines), where
 *    `outl` at CPL3 faults because the hardware IOPL of the guest's user mode is 0.
 *  - Port I/O: `outl` of the address to port MIRAGE_HYPERCALL_PIO_BASE + number
 *    (needs IOPL 3, which the tender sets; works with VMX/SVM only).
 *
 * Added after the first draft without changing any struct, so MIRAGE_ABI_VERSION
 * stays 1. ---- */
#define MIRAGE_HYPERCALL_PIO_BASE 0x500
#define MIRAGE_HYPERCALL_MMIO_BASE 0x100000000ULL /* 4 GiB: just above the largest guest memory */
#define MIRAGE_HYPERCALL_MMIO_STRIDE 8

enum mirage_hypercall {
    MIRAGE_HC_WALLTIME = 1,
    MIRAGE_HC_PUTS = 2,
    MIRAGE_HC_POLL = 3,
    MIRAGE_HC_NET_INFO = 4,
    MIRAGE_HC_NET_WRITE = 5,
    MIRAGE_HC_NET_READ = 6,
    MIRAGE_HC_BLOCK_INFO = 7,
    MIRAGE_HC_BLOCK_WRITE = 8,
    MIRAGE_HC_BLOCK_READ = 9,
    MIRAGE_HC_HALT = 10,
    MIRAGE_HC_SET_TLS = 11,
    MIRAGE_HC_CONSOLE = 12, /* added (compatible): puts with a stream, so stderr stays stderr */
    MIRAGE_HC_MAX = 12
};

/* Results in `ret` fields. MIRAGE_R_EINVAL comes from the guest's own platform
 * layer (platform-hvt.c checks handles, alignment and bounds before calling): the
 * hvt tender treats a raw hypercall with a bad handle, length, offset or address as
 * a guest bug or attack and stops the guest with "guest made a bad hypercall". */
#define MIRAGE_R_OK 0
#define MIRAGE_R_AGAIN 1   /* net read: nothing queued */
#define MIRAGE_R_EINVAL 2  /* bad handle, length or offset */
#define MIRAGE_R_EUNSPEC 3 /* host I/O error */

struct mirage_hc_walltime {
    uint64_t nsecs; /* OUT: wall clock, ns since the epoch */
};

struct mirage_hc_puts {
    uint64_t data; /* IN: guest address */
    uint64_t len;  /* IN: bytes, <= 64 KiB per call */
};

struct mirage_hc_console {
    uint64_t stream; /* IN: 1 = the tender's stdout, 2 = its stderr */
    uint64_t data;   /* IN: guest address */
    uint64_t len;    /* IN: bytes, <= 64 KiB per call */
};

struct mirage_hc_poll {
    uint64_t deadline_ns; /* IN: absolute, guest monotonic (TSC-derived) ns; UINT64_MAX = none */
    uint64_t ready_set;   /* OUT: bit i set when net device i has input */
    int64_t ret;          /* OUT: 0 timed out or ready, else MIRAGE_R_* */
};

struct mirage_hc_net_info {
    uint64_t handle; /* IN */
    uint8_t mac[6];  /* OUT */
    uint16_t mtu;    /* OUT */
    int64_t ret;     /* OUT */
};

struct mirage_hc_net_write {
    uint64_t handle; /* IN */
    uint64_t data;   /* IN: guest address of one Ethernet frame */
    uint64_t len;    /* IN: <= mtu + 14 */
    int64_t ret;     /* OUT */
};

struct mirage_hc_net_read {
    uint64_t handle; /* IN */
    uint64_t data;   /* IN: guest address of the buffer */
    uint64_t len;    /* IN: buffer size; OUT: frame length */
    int64_t ret;     /* OUT: MIRAGE_R_OK or MIRAGE_R_AGAIN */
};

struct mirage_hc_block_info {
    uint64_t handle;     /* IN */
    uint64_t capacity;   /* OUT: bytes */
    uint64_t block_size; /* OUT: bytes */
    int64_t ret;         /* OUT */
};

struct mirage_hc_block_io {
    uint64_t handle; /* IN */
    uint64_t offset; /* IN: bytes, a multiple of block_size */
    uint64_t data;   /* IN: guest address */
    uint64_t len;    /* IN: a multiple of block_size, offset + len <= capacity */
    int64_t ret;     /* OUT */
};

struct mirage_hc_halt {
    uint64_t exit_code; /* IN: 0..255 */
    uint64_t cookie;    /* IN: guest address of a NUL-terminated reason or 0 */
};

struct mirage_hc_set_tls {
    uint64_t fs_base; /* IN: becomes the guest's FS base (musl's thread pointer) */
};

#endif /* MIRAGE_ABI_H */
