/*
 * mirage-spt [--mem=MiB] [--net:NAME=TAP] [--net-mac:NAME=MAC] [--block:NAME=FILE] [--] IMAGE [args...]
 *
 * Check the image, attach its devices, build its memory inside this process, drop
 * every fd the guest does not need, lock the process down with seccomp and jump to
 * the guest's entry. From the jump on, the guest owns the process; its exit_group
 * is the tender's exit status.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "args.h"
#include "spt.h"
#include "util.h"

/* A tap or block fd must never land on 0-2: "write to fd 1" has to mean stdout. */
static void reserve_standard_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0)
            continue;
        if (open("/dev/null", O_RDWR) != fd)
            die("cannot reserve standard fd %d", fd);
    }
}

static void close_range_or_loop(unsigned lo, unsigned hi)
{
    if (lo > hi)
        return;
    if (syscall(SYS_close_range, lo, hi, 0) == 0)
        return;
    for (unsigned fd = lo; fd <= hi && fd < 4096; fd++) /* kernels before 5.9 */
        close((int)fd);
}

/* Closes every fd but stdout, stderr and the devices' (which are all >= 3). */
static void close_other_fds(const struct tender_devices *devices)
{
    unsigned keep[MIRAGE_MAX_DEVICES];
    unsigned n = 0;
    for (unsigned i = 0; i < devices->count && i < MIRAGE_MAX_DEVICES; i++)
        if (devices->dev[i].fd >= 0)
            keep[n++] = (unsigned)devices->dev[i].fd;
    for (unsigned i = 1; i < n; i++) /* insertion sort: at most 16 */
        for (unsigned j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            unsigned t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    close(0);
    unsigned next = 3;
    for (unsigned i = 0; i < n; i++) {
        if (keep[i] > next)
            close_range_or_loop(next, keep[i] - 1);
        next = keep[i] + 1;
    }
    close_range_or_loop(next, ~0U);
}

/*
 * IN: rdi = boot info, rsi = entry, rdx = stack top. Never returns. Clears the
 * other registers so no tender address leaks into the guest.
 */
_Noreturn void spt_enter_guest(struct mirage_boot_info *bi, uint64_t entry, uint64_t stack);
__asm__(".text\n"
        ".globl spt_enter_guest\n"
        ".type spt_enter_guest, @function\n"
        "spt_enter_guest:\n"
        "  mov %rdx, %rsp\n"
        "  mov %rsi, %rax\n"
        "  xor %esi, %esi\n xor %edx, %edx\n xor %ecx, %ecx\n xor %ebx, %ebx\n xor %ebp, %ebp\n"
        "  xor %r8d, %r8d\n xor %r9d, %r9d\n xor %r10d, %r10d\n xor %r11d, %r11d\n"
        "  xor %r12d, %r12d\n xor %r13d, %r13d\n xor %r14d, %r14d\n xor %r15d, %r15d\n"
        "  cld\n"
        "  jmp *%rax\n"
        ".size spt_enter_guest, . - spt_enter_guest\n");

int main(int argc, char **argv)
{
    tender_name = "mirage-spt";
    reserve_standard_fds();
    /* Inherited by the guest: a closed stdout makes write fail with EPIPE instead of killing it. */
    signal(SIGPIPE, SIG_IGN);

    static struct tender_args args;
    args_parse(argc, argv, &args);
    uint64_t mem_size = args.mem_mib << 20;

    static struct elf_image img;
    elf_load_file(args.image, mem_size, MIRAGE_TARGET_SPT, &img);
    uint64_t heap_start = (img.end + SPT_PAGE - 1) & ~(SPT_PAGE - 1);
    if (heap_start + SPT_MIN_FREE > mem_size)
        die("--mem=%llu is too small for %s: its image ends at %llu KiB and it needs at least %llu MiB",
            (unsigned long long)args.mem_mib, args.image, (unsigned long long)(img.end >> 10),
            (unsigned long long)((heap_start + SPT_MIN_FREE + (1 << 20) - 1) >> 20));

    static struct tender_devices devices;
    devices_attach(&img.manifest, &args, &devices);

    struct mirage_boot_info *bi = spt_map_guest(&img, mem_size, args.guest_argc, args.guest_argv);
    devices_describe(&devices, bi, 1);
    bi->cpu_has_rdrand = __builtin_cpu_supports("rdrnd") ? 1 : 0;
    free(img.file);

    close_other_fds(&devices);
    spt_install_crash_handlers();
    bi->wall_ns_at_boot = host_clock_ns(CLOCK_REALTIME);
    spt_install_seccomp(&devices);
    /* 16-byte aligned minus 8: the guest's entry sees the stack as after a call. */
    spt_enter_guest(bi, img.entry, mem_size - 8);
}
