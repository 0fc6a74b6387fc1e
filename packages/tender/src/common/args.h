/*
 * Command line of both tenders:
 *   mirage-hvt [--mem=MiB] [--net:NAME=TAP] [--net-mac:NAME=MAC] [--block:NAME=FILE]
 *              [--] IMAGE [guest arguments...]
 * Everything after IMAGE belongs to the guest, options included.
 */
#ifndef TENDER_ARGS_H
#define TENDER_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include "mirage_abi.h"

#define TENDER_DEFAULT_MEM_MIB 128
#define TENDER_MAX_MEM_MIB 4096 /* hypercall structs are passed as 32-bit addresses */

struct tender_net_arg {
    const char *name;
    const char *tap;  /* NULL when only --net-mac was given */
    uint8_t mac[6];
    bool has_mac;
};

struct tender_block_arg {
    const char *name;
    const char *file;
};

struct tender_args {
    uint64_t mem_mib;
    bool mem_given;
    unsigned net_count;
    struct tender_net_arg nets[MIRAGE_MAX_DEVICES];
    unsigned block_count;
    struct tender_block_arg blocks[MIRAGE_MAX_DEVICES];
    const char *image;
    int guest_argc;
    char **guest_argv; /* points into the tender's argv */
};

/* Parses argv or dies with a clear message (prints usage and exits 0 on --help). */
void args_parse(int argc, char **argv, struct tender_args *out);

/* Parses "aa:bb:cc:dd:ee:ff"; false when malformed. */
bool parse_mac(const char *text, uint8_t mac[6]);

#endif
