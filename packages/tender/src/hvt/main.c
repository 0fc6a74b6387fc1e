/*
 * mirage-hvt [--mem=MiB] [--net:NAME=TAP] [--net-mac:NAME=MAC] [--block:NAME=FILE] [--] IMAGE [args...]
 *
 * Order matters: everything that can fail because of the user's input (flags,
 * image, devices) is checked before KVM is touched, and the seccomp filter goes on
 * last, right before the guest's first instruction.
 */
#define _GNU_SOURCE
#include "args.h"
#include "bootinfo.h"
#include "devices.h"
#include "elf_image.h"
#include "hvt.h"
#include "util.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
    tender_name = "mirage-hvt";
    signal(SIGPIPE, SIG_IGN); /* a closed stdout drops console output instead of killing us */

    struct tender_args args;
    args_parse(argc, argv, &args);
    /* 2 MiB pages map the memory, so round up to whole pages. */
    uint64_t mem_size = (args.mem_mib << 20) + HVT_PAGE_2M - 1;
    mem_size &= ~(HVT_PAGE_2M - 1);

    static struct elf_image img;
    elf_load_file(args.image, mem_size, MIRAGE_TARGET_HVT, &img);
    uint64_t heap_start = (img.end + 4095) & ~4095ULL;
    if (heap_start + HVT_MIN_FREE > mem_size)
        die("--mem=%llu is too small for %s: its image ends at %llu KiB and it needs at least %llu MiB",
            (unsigned long long)args.mem_mib, args.image, (unsigned long long)(img.end >> 10),
            (unsigned long long)((heap_start + HVT_MIN_FREE + (1 << 20) - 1) >> 20));

    static struct tender_devices devices;
    devices_attach(&img.manifest, &args, &devices);

    static struct hvt h;
    h.devices = &devices;
    hvt_vm_create(&h, mem_size);
    elf_copy_segments(&img, h.mem);
    free(img.file);
    hvt_setup_paging_and_gdt(&h);

    struct mirage_boot_info *bi =
        bootinfo_build(h.mem + MIRAGE_BOOT_INFO_ADDR, MIRAGE_BOOT_INFO_ADDR, MIRAGE_TARGET_HVT, args.guest_argc, args.guest_argv);
    bi->mem_size = mem_size;
    bi->heap_start = heap_start;
    bi->heap_end = mem_size;
    h.tsc_hz = hvt_tsc_hz(&h);
    bi->tsc_freq_hz = h.tsc_hz;
    bi->cpu_has_rdrand = hvt_cpu_has_rdrand(&h);
    devices_describe(&devices, bi, 0);

    /* Stack at the top of memory, aligned as if `_start` had been called. */
    hvt_setup_vcpu(&h, img.entry, MIRAGE_BOOT_INFO_ADDR, mem_size - 8);

    bi->tsc_at_boot = hvt_start_tsc(&h);
    h.mono_at_boot_ns = host_clock_ns(CLOCK_MONOTONIC);
    bi->wall_ns_at_boot = host_clock_ns(CLOCK_REALTIME);
    hvt_install_seccomp(&h);
    hvt_run(&h);
}
