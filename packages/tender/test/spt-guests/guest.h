/*
 * Shared bits of the C test guests for mirage-spt: the entry (crt.c) calls
 * guest_main(boot info) and halts with its result. MIRAGE_GUEST_NOTES declares
 * the image's ABI note and device manifest.
 */
#ifndef SPT_TEST_GUEST_H
#define SPT_TEST_GUEST_H

#include "platform.h"

#ifndef GUEST_ABI_VERSION
#define GUEST_ABI_VERSION MIRAGE_ABI_VERSION
#endif
#ifndef GUEST_TARGET
#define GUEST_TARGET MIRAGE_TARGET_SPT
#endif

struct guest_note_abi {
    uint32_t namesz, descsz, type;
    char name[12]; /* "MIRAGE-TS\0" padded to 4 bytes */
    struct mirage_note_abi desc;
};

struct guest_note_manifest {
    uint32_t namesz, descsz, type;
    char name[12];
    struct mirage_manifest desc;
};

/* Usage: MIRAGE_GUEST_NOTES(2, {{"service", MIRAGE_DEV_NET, 0}, {"storage", MIRAGE_DEV_BLOCK, 0}}) */
#define MIRAGE_GUEST_NOTES(count, ...)                                                                    \
    __attribute__((section(".note.mirage"), aligned(4), used)) static const struct guest_note_abi        \
        guest_abi_note = {sizeof MIRAGE_NOTE_NAME, sizeof(struct mirage_note_abi), MIRAGE_NOTE_ABI,        \
                          MIRAGE_NOTE_NAME, {GUEST_ABI_VERSION, GUEST_TARGET}};                             \
    __attribute__((section(".note.mirage"), aligned(4), used)) static const struct guest_note_manifest   \
        guest_manifest_note = {sizeof MIRAGE_NOTE_NAME, sizeof(struct mirage_manifest),                     \
                               MIRAGE_NOTE_MANIFEST, MIRAGE_NOTE_NAME, {MIRAGE_ABI_VERSION, count, __VA_ARGS__}}

int guest_main(struct mirage_boot_info *bi);

/* crt.c: the few libc functions the compiler may call, and tiny console helpers. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void put_str(const char *s);
void put_u64(uint64_t v);
void put_line(const char *label, uint64_t v); /* "label v\n" */
size_t guest_strlen(const char *s);
int guest_streq(const char *a, const char *b);

#endif
