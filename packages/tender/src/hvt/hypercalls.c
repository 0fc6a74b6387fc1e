/*
 * The hypercalls, one function each. The guest passes the guest-physical address
 * of an argument struct; we copy it in (never read guest memory twice), check
 * every field, act, and copy the OUT fields back. Anything a correct guest
 * runtime never does (an address outside memory, a bad handle, an unaligned block
 * offset, an oversized frame) is refused as a bad hypercall and stops the guest.
 */
#define _GNU_SOURCE
#include "hvt.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PUTS_MAX (64 * 1024)
#define HALT_REASON_MAX 200

static enum hc_result bad(struct hvt *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static enum hc_result bad(struct hvt *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->why, sizeof h->why, fmt, ap);
    va_end(ap);
    return HC_BAD;
}

/* Host pointer to guest [addr, addr + len), or NULL when any byte is outside memory. */
static uint8_t *guest_range(struct hvt *h, uint64_t addr, uint64_t len)
{
    return range_ok(addr, len, h->mem_size) ? h->mem + addr : NULL;
}

static void copy_out(struct hvt *h, uint64_t addr, const void *src, size_t size)
{
    memcpy(h->mem + addr, src, size); /* addr was checked by the copy in */
}

static struct tender_device *device(struct hvt *h, uint64_t handle, uint32_t kind)
{
    if (handle >= h->devices->count || h->devices->dev[handle].kind != kind) return NULL;
    return &h->devices->dev[handle];
}

/* Writes all of [p, p + n) to fd, waiting while a non-blocking pipe is full. */
static void write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            ppoll(&pfd, 1, NULL, NULL);
            continue;
        }
        if (w <= 0) return; /* reader gone (EPIPE): drop the console output */
        p += w;
        n -= (size_t)w;
    }
}

/* IN: nothing. OUT: nsecs = host wall clock. */
static enum hc_result hc_walltime(struct hvt *h, uint64_t addr)
{
    struct mirage_hc_walltime a;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    a.nsecs = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
    copy_out(h, addr, &a, sizeof a);
    return HC_CONTINUE;
}

/* IN: data, len (<= 64 KiB). Writes the bytes to the tender's stdout. */
static enum hc_result hc_puts(struct hvt *h, const struct mirage_hc_puts *a)
{
    if (a->len > PUTS_MAX) return bad(h, "puts: length %llu over %d", (unsigned long long)a->len, PUTS_MAX);
    uint8_t *p = guest_range(h, a->data, a->len);
    if (p == NULL) return bad(h, "puts: buffer 0x%llx+%llu outside guest memory", (unsigned long long)a->data, (unsigned long long)a->len);
    write_all(1, p, a->len);
    return HC_CONTINUE;
}

/* IN: stream (1 or 2), data, len (<= 64 KiB). Writes to the tender's stdout or stderr. */
static enum hc_result hc_console(struct hvt *h, const struct mirage_hc_console *a)
{
    if (a->stream != 1 && a->stream != 2) return bad(h, "console: stream %llu is not 1 or 2", (unsigned long long)a->stream);
    if (a->len > PUTS_MAX) return bad(h, "console: length %llu over %d", (unsigned long long)a->len, PUTS_MAX);
    uint8_t *p = guest_range(h, a->data, a->len);
    if (p == NULL) return bad(h, "console: buffer 0x%llx+%llu outside guest memory", (unsigned long long)a->data, (unsigned long long)a->len);
    write_all((int)a->stream, p, a->len);
    return HC_CONTINUE;
}

/* IN: deadline_ns (guest monotonic). OUT: ready_set, ret. Sleeps in ppoll until a
 * tap is readable or the deadline passes; the guest's clock is the host's
 * monotonic clock shifted to 0 at boot, so the deadline converts directly. */
static enum hc_result hc_poll(struct hvt *h, uint64_t addr, struct mirage_hc_poll *a)
{
    struct pollfd fds[MIRAGE_MAX_DEVICES];
    unsigned handle_of[MIRAGE_MAX_DEVICES];
    nfds_t n = 0;
    for (unsigned i = 0; i < h->devices->count; i++) {
        if (h->devices->dev[i].kind != MIRAGE_DEV_NET) continue;
        fds[n] = (struct pollfd){.fd = h->devices->dev[i].fd, .events = POLLIN};
        handle_of[n++] = i;
    }
    struct timespec ts, *timeout = NULL;
    if (a->deadline_ns != UINT64_MAX) {
        uint64_t now = host_clock_ns(CLOCK_MONOTONIC) - h->mono_at_boot_ns;
        uint64_t wait = a->deadline_ns > now ? a->deadline_ns - now : 0;
        if (h->poll_cap_ns != 0 && wait > h->poll_cap_ns) wait = h->poll_cap_ns;
        ts.tv_sec = (time_t)(wait / 1000000000ULL);
        ts.tv_nsec = (long)(wait % 1000000000ULL);
        timeout = &ts;
    } else if (h->poll_cap_ns != 0) {
        ts.tv_sec = 0;
        ts.tv_nsec = (long)h->poll_cap_ns;
        timeout = &ts;
    }
    int r = ppoll(fds, n, timeout, NULL);
    a->ready_set = 0;
    a->ret = MIRAGE_R_OK;
    if (r < 0 && errno != EINTR) a->ret = MIRAGE_R_EUNSPEC;
    for (nfds_t i = 0; r > 0 && i < n; i++)
        if (fds[i].revents != 0) a->ready_set |= 1ULL << handle_of[i]; /* errors too: the read reports them */
    copy_out(h, addr, a, sizeof *a);
    return HC_CONTINUE;
}

/* IN: handle. OUT: mac, mtu, ret. */
static enum hc_result hc_net_info(struct hvt *h, uint64_t addr, struct mirage_hc_net_info *a)
{
    struct tender_device *d = device(h, a->handle, MIRAGE_DEV_NET);
    if (d == NULL) return bad(h, "net info: %llu is not a net device handle", (unsigned long long)a->handle);
    memcpy(a->mac, d->mac, 6);
    a->mtu = d->mtu;
    a->ret = MIRAGE_R_OK;
    copy_out(h, addr, a, sizeof *a);
    return HC_CONTINUE;
}

/* IN: handle, data, len (1..mtu + 14). OUT: ret. One frame to the tap. */
static enum hc_result hc_net_write(struct hvt *h, uint64_t addr, struct mirage_hc_net_write *a)
{
    struct tender_device *d = device(h, a->handle, MIRAGE_DEV_NET);
    if (d == NULL) return bad(h, "net write: %llu is not a net device handle", (unsigned long long)a->handle);
    if (a->len == 0 || a->len > (uint64_t)d->mtu + 14)
        return bad(h, "net write: frame length %llu not in 1..%u", (unsigned long long)a->len, d->mtu + 14);
    uint8_t *p = guest_range(h, a->data, a->len);
    if (p == NULL) return bad(h, "net write: frame 0x%llx+%llu outside guest memory", (unsigned long long)a->data, (unsigned long long)a->len);
    ssize_t w;
    do w = write(d->fd, p, a->len);
    while (w < 0 && errno == EINTR);
    a->ret = w == (ssize_t)a->len ? MIRAGE_R_OK : MIRAGE_R_EUNSPEC;
    copy_out(h, addr, a, sizeof *a);
    return HC_CONTINUE;
}

/* IN: handle, data, len (buffer size, >= mtu + 14). OUT: len (frame size), ret
 * (MIRAGE_R_AGAIN when the tap has nothing queued). */
static enum hc_result hc_net_read(struct hvt *h, uint64_t addr, struct mirage_hc_net_read *a)
{
    struct tender_device *d = device(h, a->handle, MIRAGE_DEV_NET);
    if (d == NULL) return bad(h, "net read: %llu is not a net device handle", (unsigned long long)a->handle);
    if (a->len < (uint64_t)d->mtu + 14)
        return bad(h, "net read: buffer of %llu bytes is smaller than mtu + 14 (%u)", (unsigned long long)a->len, d->mtu + 14);
    uint64_t size = a->len > 65536 ? 65536 : a->len;
    uint8_t *p = guest_range(h, a->data, size);
    if (p == NULL) return bad(h, "net read: buffer 0x%llx+%llu outside guest memory", (unsigned long long)a->data, (unsigned long long)a->len);
    ssize_t r;
    do r = read(d->fd, p, size);
    while (r < 0 && errno == EINTR);
    if (r > 0) {
        a->len = (uint64_t)r;
        a->ret = MIRAGE_R_OK;
    } else {
        a->len = 0;
        a->ret = (r < 0 && errno == EAGAIN) ? MIRAGE_R_AGAIN : MIRAGE_R_EUNSPEC;
    }
    copy_out(h, addr, a, sizeof *a);
    return HC_CONTINUE;
}

/* IN: handle. OUT: capacity, block_size, ret. */
static enum hc_result hc_block_info(struct hvt *h, uint64_t addr, struct mirage_hc_block_info *a)
{
    struct tender_device *d = device(h, a->handle, MIRAGE_DEV_BLOCK);
    if (d == NULL) return bad(h, "block info: %llu is not a block device handle", (unsigned long long)a->handle);
    a->capacity = d->capacity;
    a->block_size = TENDER_BLOCK_SIZE;
    a->ret = MIRAGE_R_OK;
    copy_out(h, addr, a, sizeof *a);
    return HC_CONTINUE;
}

/* IN: handle, offset, data, len; both offset and len whole blocks inside the device. */
static enum hc_result block_io(struct hvt *h, uint64_t addr, struct mirage_hc_block_io *a, bool write)
{
    const char *op = write ? "block write" : "block read";
    struct tender_device *d = device(h, a->handle, MIRAGE_DEV_BLOCK);
    if (d == NULL) return bad(h, "%s: %llu is not a block device handle", op, (unsigned long long)a->handle);
    if (a->offset % TENDER_BLOCK_SIZE != 0 || a->len % TENDER_BLOCK_SIZE != 0 || a->len == 0)
        return bad(h, "%s: offset %llu / length %llu not whole %d-byte blocks", op, (unsigned long long)a->offset,
                   (unsigned long long)a->len, TENDER_BLOCK_SIZE);
    if (!range_ok(a->offset, a->len, d->capacity))
        return bad(h, "%s: %llu+%llu past the device's %llu bytes", op, (unsigned long long)a->offset,
                   (unsigned long long)a->len, (unsigned long long)d->capacity);
    uint8_t *p = guest_range(h, a->data, a->len);
    if (p == NULL) return bad(h, "%s: buffer 0x%llx+%llu outside guest memory", op, (unsigned long long)a->data, (unsigned long long)a->len);
    uint64_t done = 0;
    a->ret = MIRAGE_R_OK;
    while (done < a->len) {
        ssize_t n = write ? pwrite(d->fd, p + done, a->len - done, (off_t)(a->offset + done))
                          : pread(d->fd, p + done, a->len - done, (off_t)(a->offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            a->ret = MIRAGE_R_EUNSPEC; /* I/O error, or the file shrank under us */
            break;
        }
        done += (uint64_t)n;
    }
    copy_out(h, addr, a, sizeof *a);
    return HC_CONTINUE;
}

/* IN: exit_code (0..255), cookie (guest address of a NUL-terminated reason, or 0). */
static enum hc_result hc_halt(struct hvt *h, const struct mirage_hc_halt *a)
{
    if (a->exit_code > 255) return bad(h, "halt: exit code %llu over 255", (unsigned long long)a->exit_code);
    h->exit_code = (int)a->exit_code;
    h->why[0] = '\0';
    if (a->cookie != 0) {
        /* The reason may end anywhere before the end of memory; copy at most
         * HALT_REASON_MAX printable bytes of it. */
        if (a->cookie >= h->mem_size) return bad(h, "halt: reason at 0x%llx outside guest memory", (unsigned long long)a->cookie);
        uint64_t avail = h->mem_size - a->cookie;
        size_t n = 0;
        for (; n < HALT_REASON_MAX && n < avail && h->mem[a->cookie + n] != '\0'; n++) {
            char c = (char)h->mem[a->cookie + n];
            h->why[n] = (c >= 0x20 && c < 0x7f) ? c : '?';
        }
        h->why[n] = '\0';
    }
    return HC_HALT;
}

/* IN: fs_base, a canonical lower-half address (musl's thread pointer). */
static enum hc_result hc_set_tls(struct hvt *h, const struct mirage_hc_set_tls *a)
{
    if (a->fs_base >= (1ULL << 47)) return bad(h, "set tls: 0x%llx is not a lower-half address", (unsigned long long)a->fs_base);
    h->tls_pending = true;
    h->tls_base = a->fs_base;
    return HC_CONTINUE;
}

/* Copies the argument struct in, or refuses the call when it is not inside memory. */
#define ARGS(type, var)                                                                                  \
    type var;                                                                                            \
    if (guest_range(h, addr, sizeof var) == NULL)                                                        \
        return bad(h, "%s: argument struct at 0x%llx outside guest memory", #type + 17, (unsigned long long)addr); \
    memcpy(&var, h->mem + addr, sizeof var)

enum hc_result hvt_hypercall(struct hvt *h, uint64_t nr, uint64_t addr)
{
    switch (nr) {
    case MIRAGE_HC_WALLTIME: { ARGS(struct mirage_hc_walltime, a); return hc_walltime(h, addr); }
    case MIRAGE_HC_PUTS: { ARGS(struct mirage_hc_puts, a); return hc_puts(h, &a); }
    case MIRAGE_HC_POLL: { ARGS(struct mirage_hc_poll, a); return hc_poll(h, addr, &a); }
    case MIRAGE_HC_NET_INFO: { ARGS(struct mirage_hc_net_info, a); return hc_net_info(h, addr, &a); }
    case MIRAGE_HC_NET_WRITE: { ARGS(struct mirage_hc_net_write, a); return hc_net_write(h, addr, &a); }
    case MIRAGE_HC_NET_READ: { ARGS(struct mirage_hc_net_read, a); return hc_net_read(h, addr, &a); }
    case MIRAGE_HC_BLOCK_INFO: { ARGS(struct mirage_hc_block_info, a); return hc_block_info(h, addr, &a); }
    case MIRAGE_HC_BLOCK_WRITE: { ARGS(struct mirage_hc_block_io, a); return block_io(h, addr, &a, true); }
    case MIRAGE_HC_BLOCK_READ: { ARGS(struct mirage_hc_block_io, a); return block_io(h, addr, &a, false); }
    case MIRAGE_HC_HALT: { ARGS(struct mirage_hc_halt, a); return hc_halt(h, &a); }
    case MIRAGE_HC_SET_TLS: { ARGS(struct mirage_hc_set_tls, a); return hc_set_tls(h, &a); }
    case MIRAGE_HC_CONSOLE: { ARGS(struct mirage_hc_console, a); return hc_console(h, &a); }
    default: return bad(h, "unknown hypercall number %llu", (unsigned long long)nr);
    }
}
