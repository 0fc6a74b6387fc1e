/*
 * The hvt platform: every service is a hypercall to mirage-hvt (mirage_abi.h).
 * A hypercall is a 32-bit store of the argument struct's address to the struct's
 * slot in the hypercall MMIO page; the store exits to the tender, which serves the
 * call and resumes us after it. Clocks never exit: monotonic time is the TSC.
 *
 * Arguments are checked here against the boot info first, so a mistake in JS (a
 * misaligned block offset, a short buffer) becomes MIRAGE_R_EINVAL. The tender
 * treats the same mistakes in a raw hypercall as hostile and stops the guest.
 */
#include "platform.h"

/* boot.c owns the definition; weak so test guests can link this file alone. */
__attribute__((weak)) struct mirage_boot_info *platform_boot_info;

#define PUTS_MAX (64 * 1024)

static inline void hypercall(unsigned nr, void *arg)
{
    volatile uint32_t *slot = (volatile uint32_t *)(uintptr_t)(MIRAGE_HYPERCALL_MMIO_BASE +
                                                                MIRAGE_HYPERCALL_MMIO_STRIDE * (uint64_t)nr);
    /* "memory": the tender reads the struct and writes its OUT fields. */
    __asm__ volatile("movl %0, (%1)" : : "r"((uint32_t)(uintptr_t)arg), "r"(slot) : "memory");
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void platform_set_tls(uint64_t fs_base)
{
    struct mirage_hc_set_tls a = {fs_base};
    hypercall(MIRAGE_HC_SET_TLS, &a);
}

void platform_console_write(const char *data, size_t len)
{
    while (len > 0) {
        size_t n = len > PUTS_MAX ? PUTS_MAX : len;
        struct mirage_hc_puts a = {(uint64_t)(uintptr_t)data, n};
        hypercall(MIRAGE_HC_PUTS, &a);
        data += n;
        len -= n;
    }
}

/* Keeps the app's stderr apart from its stdout, as on the unix target. */
void platform_console_write_stream(int stream, const char *data, size_t len)
{
    while (len > 0) {
        size_t n = len > PUTS_MAX ? PUTS_MAX : len;
        struct mirage_hc_console a = {stream == 2 ? 2 : 1, (uint64_t)(uintptr_t)data, n};
        hypercall(MIRAGE_HC_CONSOLE, &a);
        data += n;
        len -= n;
    }
}

uint64_t platform_walltime_ns(void)
{
    struct mirage_hc_walltime a = {0};
    hypercall(MIRAGE_HC_WALLTIME, &a);
    return a.nsecs;
}

/* ns = ticks * 1e9 / hz without 128-bit division (no libgcc): whole seconds
 * first, then the remainder, which is below hz (< 2^34), so rem * 1e9 < 2^64. */
uint64_t platform_monotonic_ns(void)
{
    const struct mirage_boot_info *bi = platform_boot_info;
    uint64_t ticks = rdtsc() - bi->tsc_at_boot, hz = bi->tsc_freq_hz;
    return ticks / hz * 1000000000ULL + ticks % hz * 1000000000ULL / hz;
}

uint64_t platform_poll(uint64_t deadline_ns)
{
    struct mirage_hc_poll a = {deadline_ns, 0, 0};
    hypercall(MIRAGE_HC_POLL, &a);
    return a.ret == MIRAGE_R_OK ? a.ready_set : 0;
}

static const struct mirage_device_info *device(uint64_t handle, uint32_t kind)
{
    const struct mirage_boot_info *bi = platform_boot_info;
    if (handle >= bi->device_count || !bi->devices[handle].attached || bi->devices[handle].kind != kind) return 0;
    return &bi->devices[handle];
}

int platform_net_write(uint64_t handle, const uint8_t *frame, size_t len)
{
    const struct mirage_device_info *d = device(handle, MIRAGE_DEV_NET);
    if (d == 0 || len == 0 || len > (size_t)d->mtu + 14) return MIRAGE_R_EINVAL;
    struct mirage_hc_net_write a = {handle, (uint64_t)(uintptr_t)frame, len, 0};
    hypercall(MIRAGE_HC_NET_WRITE, &a);
    return (int)a.ret;
}

int platform_net_read(uint64_t handle, uint8_t *buf, size_t size, size_t *frame_len)
{
    const struct mirage_device_info *d = device(handle, MIRAGE_DEV_NET);
    *frame_len = 0;
    if (d == 0 || size < (size_t)d->mtu + 14) return MIRAGE_R_EINVAL; /* the tender never truncates */
    struct mirage_hc_net_read a = {handle, (uint64_t)(uintptr_t)buf, size, 0};
    hypercall(MIRAGE_HC_NET_READ, &a);
    if (a.ret == MIRAGE_R_OK) *frame_len = (size_t)a.len;
    return (int)a.ret;
}

static int block_io(unsigned nr, uint64_t handle, uint64_t offset, const uint8_t *data, size_t len)
{
    const struct mirage_device_info *d = device(handle, MIRAGE_DEV_BLOCK);
    if (d == 0 || len == 0 || offset % d->block_size != 0 || len % d->block_size != 0 || len > d->capacity ||
        offset > d->capacity - len)
        return MIRAGE_R_EINVAL;
    struct mirage_hc_block_io a = {handle, offset, (uint64_t)(uintptr_t)data, len, 0};
    hypercall(nr, &a);
    return (int)a.ret;
}

int platform_block_write(uint64_t handle, uint64_t offset, const uint8_t *data, size_t len)
{
    return block_io(MIRAGE_HC_BLOCK_WRITE, handle, offset, data, len);
}

int platform_block_read(uint64_t handle, uint64_t offset, uint8_t *data, size_t len)
{
    return block_io(MIRAGE_HC_BLOCK_READ, handle, offset, data, len);
}

_Noreturn void platform_halt(int exit_code, const char *reason)
{
    struct mirage_hc_halt a = {(uint64_t)(exit_code & 255), (uint64_t)(uintptr_t)reason};
    for (;;) hypercall(MIRAGE_HC_HALT, &a); /* the tender never resumes a halt */
}
