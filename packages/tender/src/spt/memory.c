/*
 * The guest's memory inside this process:
 *   [SPT_BOOT_AREA_ADDR, MIN_VADDR)  boot info, command line, argv vector and strings
 *   [MIN_VADDR, heap_start)          the image's PT_LOAD segments, with their own permissions
 *   [heap_start, mem_size)           heap (grows up) and stack (grows down from mem_size)
 * Both mappings use MAP_FIXED_NOREPLACE: if anything of the tender's (the PIE, libc,
 * its heap) sat there, mapping fails instead of silently replacing it.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "bootinfo.h"
#include "spt.h"
#include "util.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static uint64_t round_up_page(uint64_t x)
{
    return (x + SPT_PAGE - 1) & ~(SPT_PAGE - 1);
}

static uint8_t *map_fixed(uint64_t addr, uint64_t len, const char *what)
{
    void *p = mmap((void *)addr, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        die_errno("cannot map %s at 0x%llx (%llu bytes)", what, (unsigned long long)addr, (unsigned long long)len);
    if ((uint64_t)p != addr) /* kernels before 4.17 take the address as a hint */
        die("cannot map %s at 0x%llx: the kernel placed it elsewhere", what, (unsigned long long)addr);
    return p;
}

/* Segments are copied one by one, so two of them claiming the same bytes would
 * silently corrupt each other. */
static void check_no_overlap(const struct elf_image *img)
{
    for (unsigned i = 0; i < img->segment_count; i++)
        for (unsigned j = 0; j < i; j++) {
            const struct elf_segment *a = &img->segments[i], *b = &img->segments[j];
            if (a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz)
                die("%s: segments at 0x%llx and 0x%llx overlap", img->path, (unsigned long long)b->vaddr,
                    (unsigned long long)a->vaddr);
        }
}

static int page_prot(uint32_t flags)
{
    return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) | ((flags & PF_X) ? PROT_EXEC : 0);
}

/* Each image page gets the union of the permissions of the segments touching it
 * (so code is not writable); pages no segment touches become inaccessible. */
static void protect_image(const struct elf_image *img, uint64_t heap_start)
{
    uint64_t pages = (heap_start - MIRAGE_GUEST_MIN_VADDR) / SPT_PAGE;
    uint8_t *prot = calloc(pages ? pages : 1, 1);
    if (prot == NULL)
        die("out of memory");
    for (unsigned i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        uint64_t first = (s->vaddr - MIRAGE_GUEST_MIN_VADDR) / SPT_PAGE;
        uint64_t last = (round_up_page(s->vaddr + s->memsz) - MIRAGE_GUEST_MIN_VADDR) / SPT_PAGE;
        for (uint64_t p = first; p < last; p++)
            prot[p] |= (uint8_t)page_prot(s->flags);
    }
    for (uint64_t p = 0; p < pages;) {
        uint64_t q = p;
        while (q < pages && prot[q] == prot[p])
            q++;
        if (mprotect((void *)(MIRAGE_GUEST_MIN_VADDR + p * SPT_PAGE), (q - p) * SPT_PAGE, prot[p]) != 0)
            die_errno("mprotect of the image");
        p = q;
    }
    free(prot);
}

struct mirage_boot_info *spt_map_guest(const struct elf_image *img, uint64_t mem_size, int guest_argc,
                                       char **guest_argv)
{
    check_no_overlap(img);
    uint8_t *guest = map_fixed(MIRAGE_GUEST_MIN_VADDR, mem_size - MIRAGE_GUEST_MIN_VADDR, "guest memory");
    /* elf_image.c checked every segment against the file and [MIN_VADDR, mem_size);
     * the mapping is fresh, so bss parts are already zero. */
    for (unsigned i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        memcpy(guest + (s->vaddr - MIRAGE_GUEST_MIN_VADDR), img->file + s->offset, s->filesz);
    }
    uint64_t heap_start = round_up_page(img->end);
    protect_image(img, heap_start);

    uint8_t *area = map_fixed(SPT_BOOT_AREA_ADDR, MIRAGE_BOOT_INFO_SIZE, "the boot info");
    struct mirage_boot_info *bi = bootinfo_build(area, SPT_BOOT_AREA_ADDR, MIRAGE_TARGET_SPT, guest_argc, guest_argv);
    bi->mem_size = mem_size;
    bi->heap_start = heap_start;
    bi->heap_end = mem_size;
    bi->tsc_freq_hz = 0; /* spt guests read clocks with clock_gettime */
    return bi;
}
