/*
 * The guest runtime's view of its platform: one implementation per target
 * (platform-hvt.c makes hypercalls, platform-spt.c makes raw Linux system calls).
 * Everything above this line (allocator, libc shims, QuickJS, bindings, event loop)
 * is shared by both targets.
 */
#ifndef MIRAGE_PLATFORM_H
#define MIRAGE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include "mirage_abi.h"

/* Set once by the entry point before anything else runs. */
extern struct mirage_boot_info *platform_boot_info;

/* Called first by the entry point; installs the thread pointer (FS base). */
void platform_set_tls(uint64_t fs_base);

void platform_console_write(const char *data, size_t len);
/* Optional (weak): a platform that can keep stdout (1) and stderr (2) apart defines
 * it; without it everything goes through platform_console_write. */
void platform_console_write_stream(int stream, const char *data, size_t len) __attribute__((weak));
uint64_t platform_walltime_ns(void);
uint64_t platform_monotonic_ns(void); /* from 0 at boot */

/* Sleeps until deadline_ns (monotonic, UINT64_MAX = no deadline) or until a net
 * device has input; returns the ready set (bit i = device i). */
uint64_t platform_poll(uint64_t deadline_ns);

/* Return MIRAGE_R_* (read: MIRAGE_R_AGAIN when nothing is queued). */
int platform_net_write(uint64_t handle, const uint8_t *frame, size_t len);
int platform_net_read(uint64_t handle, uint8_t *buf, size_t size, size_t *frame_len);
int platform_block_write(uint64_t handle, uint64_t offset, const uint8_t *data, size_t len);
int platform_block_read(uint64_t handle, uint64_t offset, uint8_t *data, size_t len);

_Noreturn void platform_halt(int exit_code, const char *reason);

#endif /* MIRAGE_PLATFORM_H */
