/*
 * mirage-spt: runs a mirage-ts spt image inside this very process, behind a
 * strict seccomp allow-list. Shared with mirage-hvt (src/common): the command
 * line (args.c), the image checks and MIRAGE-TS notes (elf_image.c), taps and block
 * files (devices.c), the boot info and argv layout (bootinfo.c), die() (util.c).
 * spt's own pieces:
 *   memory.c   the guest region and boot area in this process, segment permissions
 *   crash.c    guest faults -> one line and exit status 1
 *   seccomp.c  the BPF allow-list
 *   main.c     glue, fd hygiene, the jump into the guest
 * Every non-static symbol here starts with spt_.
 */
#ifndef MIRAGE_SPT_H
#define MIRAGE_SPT_H

#include <stdint.h>
#include "devices.h"
#include "elf_image.h"
#include "mirage_abi.h"

#define SPT_PAGE 4096ULL
#define SPT_MIN_FREE (1ULL << 20) /* heap + stack the guest gets at least past its image (as on hvt) */
/* The boot info, command line and argv live in their own mapping just below the image. */
#define SPT_BOOT_AREA_ADDR (MIRAGE_GUEST_MIN_VADDR - MIRAGE_BOOT_INFO_SIZE)

/* Maps [MIN_VADDR, mem_size) and copies the image in with its permissions; maps the
 * boot area and lays out the boot info and arguments there. Dies on failure. */
struct mirage_boot_info *spt_map_guest(const struct elf_image *img, uint64_t mem_size, int guest_argc,
                                       char **guest_argv);

void spt_install_crash_handlers(void);
void spt_install_seccomp(const struct tender_devices *devices);

#endif /* MIRAGE_SPT_H */
