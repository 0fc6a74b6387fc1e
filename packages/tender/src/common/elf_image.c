#define _GNU_SOURCE
#include "elf_image.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_IMAGE_BYTES (1ULL << 30)
#define MAX_PHDRS 64

static char message[256];

static const char *fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return message;
}

static bool valid_device_name(const char *name)
{
    size_t n = strnlen(name, MIRAGE_DEVICE_NAME_MAX);
    if (n == 0 || n == MIRAGE_DEVICE_NAME_MAX) return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

static const char *check_manifest(const uint8_t *desc, uint64_t size, struct elf_image *img)
{
    /* The descriptor may stop after the last used entry, but never before the header. */
    const uint64_t header = offsetof(struct mirage_manifest, entries);
    if (size < header || size > sizeof(struct mirage_manifest))
        return fail("device manifest note has a bad size (%llu bytes)", (unsigned long long)size);
    struct mirage_manifest *m = &img->manifest;
    memset(m, 0, sizeof *m);
    memcpy(m, desc, size);
    if (m->version != MIRAGE_ABI_VERSION)
        return fail("device manifest has version %u, this tender reads version %d", m->version, MIRAGE_ABI_VERSION);
    if (m->count > MIRAGE_MAX_DEVICES)
        return fail("device manifest lists %u devices (at most %d)", m->count, MIRAGE_MAX_DEVICES);
    if (header + (uint64_t)m->count * sizeof(struct mirage_manifest_entry) > size)
        return fail("device manifest note is truncated (%u devices in %llu bytes)", m->count, (unsigned long long)size);
    for (uint32_t i = 0; i < m->count; i++) {
        struct mirage_manifest_entry *e = &m->entries[i];
        if (!valid_device_name(e->name)) return fail("device manifest entry %u has an invalid name", i);
        if (e->kind != MIRAGE_DEV_NET && e->kind != MIRAGE_DEV_BLOCK)
            return fail("device manifest entry \"%s\" has unknown kind %u", e->name, e->kind);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->entries[j].name, e->name) == 0)
                return fail("device manifest names \"%s\" twice", e->name);
    }
    img->has_manifest = true;
    return NULL;
}

/* Walks one PT_NOTE segment (ELF spec "Note Section": namesz, descsz, type, then
 * name and desc, each padded to the segment's alignment, 4 or 8). */
static const char *parse_notes(const uint8_t *p, uint64_t size, uint64_t align, struct elf_image *img)
{
    uint64_t pos = 0;
    while (size - pos >= 12) {
        uint32_t namesz, descsz, type;
        memcpy(&namesz, p + pos, 4);
        memcpy(&descsz, p + pos + 4, 4);
        memcpy(&type, p + pos + 8, 4);
        pos += 12;
        uint64_t name_padded = ((uint64_t)namesz + align - 1) & ~(align - 1);
        uint64_t desc_padded = ((uint64_t)descsz + align - 1) & ~(align - 1);
        if (!range_ok(pos, name_padded, size)) return fail("a note's name runs past its segment");
        const uint8_t *name = p + pos;
        pos += name_padded;
        if (!range_ok(pos, descsz, size)) return fail("a note's descriptor runs past its segment");
        const uint8_t *desc = p + pos;
        pos = desc_padded > size - pos ? size : pos + desc_padded;
        if (namesz != sizeof MIRAGE_NOTE_NAME || memcmp(name, MIRAGE_NOTE_NAME, sizeof MIRAGE_NOTE_NAME) != 0)
            continue; /* someone else's note (GNU build id, ...) */
        if (type == MIRAGE_NOTE_ABI) {
            if (img->has_abi_note) return fail("two MIRAGE-TS ABI notes");
            if (descsz != sizeof(struct mirage_note_abi)) return fail("MIRAGE-TS ABI note has a bad size (%u bytes)", descsz);
            memcpy(&img->abi, desc, sizeof img->abi);
            img->has_abi_note = true;
        } else if (type == MIRAGE_NOTE_MANIFEST) {
            if (img->has_manifest) return fail("two MIRAGE-TS device manifests");
            const char *err = check_manifest(desc, descsz, img);
            if (err != NULL) return err;
        }
    }
    return NULL;
}

static const char *target_name(uint32_t t)
{
    return t == MIRAGE_TARGET_HVT ? "hvt" : t == MIRAGE_TARGET_SPT ? "spt" : "unknown";
}

static const char *check_load(const Elf64_Phdr *ph, size_t size, uint64_t limit, struct elf_image *img)
{
    if (img->segment_count == ELF_MAX_SEGMENTS) return fail("more than %d loadable segments", ELF_MAX_SEGMENTS);
    if (ph->p_filesz > ph->p_memsz) return fail("a segment's file size exceeds its memory size");
    if (!range_ok(ph->p_offset, ph->p_filesz, size)) return fail("a segment runs past the end of the file (truncated image?)");
    if (ph->p_vaddr < MIRAGE_GUEST_MIN_VADDR)
        return fail("a segment starts at 0x%llx, below the guest area at 0x%llx (link at 0x100000)",
                    (unsigned long long)ph->p_vaddr, (unsigned long long)MIRAGE_GUEST_MIN_VADDR);
    if (!range_ok(ph->p_vaddr, ph->p_memsz, limit))
        return fail("--mem is too small: a segment [0x%llx, +0x%llx) ends past the %llu KiB of guest memory; raise --mem",
                    (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz, (unsigned long long)(limit >> 10));
    struct elf_segment *s = &img->segments[img->segment_count++];
    s->vaddr = ph->p_vaddr;
    s->memsz = ph->p_memsz;
    s->filesz = ph->p_filesz;
    s->offset = ph->p_offset;
    s->flags = ph->p_flags;
    if (ph->p_vaddr + ph->p_memsz > img->end) img->end = ph->p_vaddr + ph->p_memsz;
    return NULL;
}

const char *elf_parse(const uint8_t *file, size_t size, uint64_t limit, uint32_t target, struct elf_image *img)
{
    memset(img, 0, sizeof *img);
    Elf64_Ehdr eh;
    if (size < 4 || memcmp(file, ELFMAG, SELFMAG) != 0) return fail("not an ELF file");
    if (size < sizeof eh) return fail("truncated ELF header");
    memcpy(&eh, file, sizeof eh);
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
        return fail("not a 64-bit little-endian x86_64 ELF file");
    if (eh.e_type != ET_EXEC) return fail("not a static executable (ET_EXEC); link with -static -no-pie");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
        return fail("bad program header table");
    if (!range_ok(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr), size))
        return fail("program header table runs past the end of the file (truncated image?)");
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, file + eh.e_phoff + (uint64_t)i * sizeof ph, sizeof ph);
        const char *err = NULL;
        if (ph.p_type == PT_LOAD) {
            err = check_load(&ph, size, limit, img);
        } else if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) {
            err = fail("a dynamically linked executable; link with -static");
        } else if (ph.p_type == PT_NOTE) {
            if (!range_ok(ph.p_offset, ph.p_filesz, size)) err = fail("a note segment runs past the end of the file (truncated image?)");
            else err = parse_notes(file + ph.p_offset, ph.p_filesz, ph.p_align == 8 ? 8 : 4, img);
        }
        if (err != NULL) return err;
    }
    if (img->segment_count == 0) return fail("no loadable segments");
    bool entry_ok = false;
    for (unsigned i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        if ((s->flags & PF_X) && eh.e_entry >= s->vaddr && eh.e_entry - s->vaddr < s->memsz) entry_ok = true;
    }
    if (!entry_ok) return fail("entry point 0x%llx is not in an executable segment", (unsigned long long)eh.e_entry);
    img->entry = eh.e_entry;
    if (!img->has_abi_note) return fail("not a mirage-ts image (no MIRAGE-TS ABI note)");
    if (img->abi.abi_version != MIRAGE_ABI_VERSION)
        return fail("image was built for ABI version %u, this tender speaks version %d (rebuild the image)",
                    img->abi.abi_version, MIRAGE_ABI_VERSION);
    if (img->abi.target != target)
        return fail("image is for the %s target (%u), not %s; run it with mirage-%s", target_name(img->abi.target),
                    img->abi.target, target_name(target), target_name(img->abi.target));
    return NULL;
}

void elf_load_file(const char *path, uint64_t limit, uint32_t target, struct elf_image *img)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die_errno("cannot open image %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0) die_errno("%s", path);
    if (!S_ISREG(st.st_mode)) die("%s: not a regular file", path);
    if ((uint64_t)st.st_size > MAX_IMAGE_BYTES) die("%s: image larger than 1 GiB", path);
    size_t size = (size_t)st.st_size;
    uint8_t *buf = malloc(size ? size : 1);
    if (buf == NULL) die("out of memory reading %s", path);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) die_errno("reading %s", path);
        if (n == 0) break;
        got += (size_t)n;
    }
    close(fd);
    const char *err = elf_parse(buf, got, limit, target, img);
    if (err != NULL) die("%s: %s", path, err);
    img->path = path;
    img->file = buf;
    img->file_size = got;
}

void elf_copy_segments(const struct elf_image *img, uint8_t *base)
{
    for (unsigned i = 0; i < img->segment_count; i++) {
        const struct elf_segment *s = &img->segments[i];
        memcpy(base + s->vaddr, img->file + s->offset, s->filesz);
        memset(base + s->vaddr + s->filesz, 0, s->memsz - s->filesz);
    }
}
