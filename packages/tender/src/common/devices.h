/*
 * Attaching the image's manifest devices to host resources (taps and files).
 * Handle i == manifest entry i; the guest names devices only by handle.
 */
#ifndef TENDER_DEVICES_H
#define TENDER_DEVICES_H

#include <stdint.h>
#include "args.h"
#include "mirage_abi.h"

#define TENDER_NET_MTU 1500
#define TENDER_BLOCK_SIZE 512

struct tender_device {
    const char *name;
    uint32_t kind;  /* MIRAGE_DEV_* */
    int fd;         /* tap or block file */
    uint8_t mac[6]; /* net */
    uint16_t mtu;   /* net */
    uint64_t capacity; /* block, bytes */
};

struct tender_devices {
    unsigned count; /* == manifest count; every one is attached */
    struct tender_device dev[MIRAGE_MAX_DEVICES];
};

/* Matches the command line against the manifest (every manifest device attached,
 * no attachment for a name the image lacks, kinds agree), opens the taps and files.
 * Dies with one clear line on any mismatch or open failure. */
void devices_attach(const struct mirage_manifest *m, const struct tender_args *a, struct tender_devices *out);

/* Fills boot_info->device_count and devices[] (host_fd = -1 unless expose_fds). */
void devices_describe(const struct tender_devices *d, struct mirage_boot_info *bi, int expose_fds);

/* Opens the existing tap `ifname` (IFF_TAP | IFF_NO_PI, non-blocking). */
int tap_open(const char *ifname);

#endif
