/*
 * platform.h for the spt target: raw Linux system calls, no libc. This file holds
 * the only `syscall` instructions of an spt image; mirage-spt's seccomp filter
 * allows exactly these calls:
 *   write     fd 1, fd 2, tap fds        read      tap fds
 *   pread64 / pwrite64  block fds        ppoll     waiting for taps / deadlines
 *   clock_gettime                        arch_prctl(ARCH_SET_FS)
 *   exit_group
 * Devices are addressed by handle (= manifest index); the fd behind each one is
 * boot_info->devices[handle].host_fd. Arguments are checked here too, so a
 * runtime bug gives MIRAGE_R_EINVAL rather than a seccomp kill.
 */
#include "platform.h"

/* x86_64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define SYS_READ 0
#define SYS_WRITE 1
#define SYS_PREAD64 17
#define SYS_PWRITE64 18
#define SYS_ARCH_PRCTL 158
#define SYS_CLOCK_GETTIME 228
#define SYS_EXIT_GROUP 231
#define SYS_PPOLL 271

#define ARCH_SET_FS 0x1002
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define POLLIN 0x001
#define POLLOUT 0x004
#define EINTR 4
#define EAGAIN 11

struct spt_timespec {
    int64_t tv_sec;
    int64_t tv_nsec;
};

struct spt_pollfd {
    int32_t fd;
    int16_t events;
    int16_t revents;
};

/* The entry point normally defines it; weak so a runtime that does wins without a clash. */
__attribute__((weak)) struct mirage_boot_info *platform_boot_info;

static uint64_t monotonic_at_boot;

/* Linux x86_64 convention: number in rax, args in rdi rsi rdx r10 r8 r9; rcx and r11 clobbered. */
static long sys3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
    return ret;
}

static long sys5(long nr, long a, long b, long c, long d, long e)
{
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

static uint64_t clock_ns(long clock)
{
    struct spt_timespec ts;
    if (sys3(SYS_CLOCK_GETTIME, clock, (long)&ts, 0) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void remember_boot_time(void)
{
    if (monotonic_at_boot == 0)
        monotonic_at_boot = clock_ns(CLOCK_MONOTONIC);
}

void platform_set_tls(uint64_t fs_base)
{
    remember_boot_time(); /* the first thing the entry point does: a good "boot" instant */
    sys3(SYS_ARCH_PRCTL, ARCH_SET_FS, (long)fs_base, 0);
}

/* Writes all of it; waits (ppoll) while a non-blocking stdout/stderr is full. */
static void write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        long n = sys3(SYS_WRITE, fd, (long)data, (long)len);
        if (n == -EINTR)
            continue;
        if (n == -EAGAIN) {
            struct spt_pollfd p = {.fd = fd, .events = POLLOUT, .revents = 0};
            sys5(SYS_PPOLL, (long)&p, 1, 0, 0, 8);
            continue;
        }
        if (n <= 0)
            return; /* the console is gone: nothing better to do with the bytes */
        data += n;
        len -= (size_t)n;
    }
}

void platform_console_write(const char *data, size_t len)
{
    write_all(1, data, len);
}

/* console.error goes to the tender's stderr, as it does on unix. */
void platform_console_write_stream(int stream, const char *data, size_t len)
{
    write_all(stream == 2 ? 2 : 1, data, len);
}

uint64_t platform_walltime_ns(void)
{
    return clock_ns(CLOCK_REALTIME);
}

uint64_t platform_monotonic_ns(void)
{
    remember_boot_time();
    return clock_ns(CLOCK_MONOTONIC) - monotonic_at_boot;
}

/* The attached device `handle` of `kind`, or NULL. */
static const struct mirage_device_info *device(uint64_t handle, uint32_t kind)
{
    const struct mirage_boot_info *bi = platform_boot_info;
    if (bi == 0 || handle >= bi->device_count || handle >= MIRAGE_MAX_DEVICES)
        return 0;
    const struct mirage_device_info *d = &bi->devices[handle];
    if (!d->attached || d->kind != kind || d->host_fd < 0)
        return 0;
    return d;
}

uint64_t platform_poll(uint64_t deadline_ns)
{
    struct spt_pollfd fds[MIRAGE_MAX_DEVICES];
    uint32_t handle_of[MIRAGE_MAX_DEVICES];
    int n = 0;
    const struct mirage_boot_info *bi = platform_boot_info;
    for (uint32_t i = 0; bi != 0 && i < bi->device_count && i < MIRAGE_MAX_DEVICES; i++) {
        const struct mirage_device_info *d = device(i, MIRAGE_DEV_NET);
        if (d == 0)
            continue;
        fds[n].fd = (int32_t)d->host_fd;
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        handle_of[n++] = i;
    }
    struct spt_timespec timeout, *tp = 0;
    if (deadline_ns != UINT64_MAX) {
        uint64_t now = platform_monotonic_ns();
        uint64_t wait = deadline_ns > now ? deadline_ns - now : 0;
        timeout.tv_sec = (int64_t)(wait / 1000000000ULL);
        timeout.tv_nsec = (int64_t)(wait % 1000000000ULL);
        tp = &timeout;
    }
    /* No signal mask: ppoll ignores the size then, 8 is the kernel's sigset size anyway. */
    long r = sys5(SYS_PPOLL, (long)fds, n, (long)tp, 0, 8);
    uint64_t ready = 0;
    for (int k = 0; r > 0 && k < n; k++)
        if (fds[k].revents & POLLIN)
            ready |= 1ULL << handle_of[k];
    return ready;
}

int platform_net_write(uint64_t handle, const uint8_t *frame, size_t len)
{
    const struct mirage_device_info *d = device(handle, MIRAGE_DEV_NET);
    if (d == 0 || len < 14 || len > (size_t)d->mtu + 14)
        return MIRAGE_R_EINVAL;
    long n;
    do
        n = sys3(SYS_WRITE, d->host_fd, (long)frame, (long)len);
    while (n == -EINTR);
    return n == (long)len ? MIRAGE_R_OK : MIRAGE_R_EUNSPEC;
}

int platform_net_read(uint64_t handle, uint8_t *buf, size_t size, size_t *frame_len)
{
    const struct mirage_device_info *d = device(handle, MIRAGE_DEV_NET);
    if (d == 0 || size == 0)
        return MIRAGE_R_EINVAL;
    long n;
    do
        n = sys3(SYS_READ, d->host_fd, (long)buf, (long)size);
    while (n == -EINTR);
    if (n == -EAGAIN)
        return MIRAGE_R_AGAIN;
    if (n < 0)
        return MIRAGE_R_EUNSPEC;
    *frame_len = (size_t)n;
    return MIRAGE_R_OK;
}

/* Whole blocks inside the device. */
static const struct mirage_device_info *block_range(uint64_t handle, uint64_t offset, size_t len)
{
    const struct mirage_device_info *d = device(handle, MIRAGE_DEV_BLOCK);
    if (d == 0 || d->block_size == 0)
        return 0;
    if (offset % d->block_size != 0 || len % d->block_size != 0)
        return 0;
    if (offset > d->capacity || len > d->capacity - offset)
        return 0;
    return d;
}

/* pread64/pwrite64 until done: a regular file may return short counts. */
static int block_io(long nr, uint64_t handle, uint64_t offset, uint8_t *data, size_t len)
{
    const struct mirage_device_info *d = block_range(handle, offset, len);
    if (d == 0)
        return MIRAGE_R_EINVAL;
    while (len > 0) {
        long n = sys5(nr, d->host_fd, (long)data, (long)len, (long)offset, 0);
        if (n == -EINTR)
            continue;
        if (n <= 0)
            return MIRAGE_R_EUNSPEC;
        data += n;
        offset += (uint64_t)n;
        len -= (size_t)n;
    }
    return MIRAGE_R_OK;
}

int platform_block_write(uint64_t handle, uint64_t offset, const uint8_t *data, size_t len)
{
    return block_io(SYS_PWRITE64, handle, offset, (uint8_t *)data, len);
}

int platform_block_read(uint64_t handle, uint64_t offset, uint8_t *data, size_t len)
{
    return block_io(SYS_PREAD64, handle, offset, data, len);
}

_Noreturn void platform_halt(int exit_code, const char *reason)
{
    if (reason != 0 && reason[0] != '\0') {
        size_t len = 0;
        while (reason[len] != '\0')
            len++;
        write_all(2, reason, len);
        if (reason[len - 1] != '\n')
            write_all(2, "\n", 1);
    }
    for (;;)
        sys3(SYS_EXIT_GROUP, exit_code & 0xff, 0, 0);
}
