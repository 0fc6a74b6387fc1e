/*
 * Loading a guest image: a static, non-PIE x86_64 ELF executable carrying the
 * MIRAGE-TS notes (ABI version + target, device manifest). Every field read from
 * the file is checked before use; a bad image ends the tender with one line.
 */
#ifndef TENDER_ELF_IMAGE_H
#define TENDER_ELF_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "mirage_abi.h"

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
    uint64_t vaddr, memsz, filesz, offset;
    uint32_t flags; /* PF_R | PF_W | PF_X */
};

struct elf_image {
    const char *path;
    uint8_t *file; /* the whole file, malloc'd */
    size_t file_size;
    uint64_t entry;
    uint64_t end; /* highest vaddr + memsz of any PT_LOAD */
    unsigned segment_count;
    struct elf_segment segments[ELF_MAX_SEGMENTS];
    bool has_abi_note;
    struct mirage_note_abi abi;
    bool has_manifest;
    struct mirage_manifest manifest; /* zeroed (count 0) when the image has none */
};

/* Reads and validates `path`: segments must lie in [MIRAGE_GUEST_MIN_VADDR, limit).
 * Checks the ABI note against MIRAGE_ABI_VERSION and `target`. Dies on any problem. */
void elf_load_file(const char *path, uint64_t limit, uint32_t target, struct elf_image *img);

/* Same checks on an in-memory image; returns NULL on success or a static/thread-unsafe
 * message describing the first problem (the fuzz harness calls this directly). */
const char *elf_parse(const uint8_t *file, size_t size, uint64_t limit, uint32_t target,
                      struct elf_image *img);

/* Copies the PT_LOAD segments to `base + vaddr` and zeroes their bss parts. */
void elf_copy_segments(const struct elf_image *img, uint8_t *base);

#endif
