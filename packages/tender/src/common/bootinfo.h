/*
 * Laying out the boot info area: struct mirage_boot_info, then the command line
 * (guest arguments joined by spaces), then argv[] and its strings.
 */
#ifndef TENDER_BOOTINFO_H
#define TENDER_BOOTINFO_H

#include <stdint.h>
#include "mirage_abi.h"

/* `area` is the host view of MIRAGE_BOOT_INFO_SIZE bytes that the guest sees at
 * `guest_addr`. Zeroes the area, fills abi_version, target, cmdline, argc, argv and
 * the entropy seed; the caller fills memory, clocks and devices. Dies when the
 * arguments do not fit. */
struct mirage_boot_info *bootinfo_build(uint8_t *area, uint64_t guest_addr, uint32_t target, int argc,
                                        char **argv);

#endif
