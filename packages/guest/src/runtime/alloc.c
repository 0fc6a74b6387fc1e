/*
 * Boundary-tag allocator (see alloc.h).
 *
 * A chunk at address c starts with one header word: its size (a multiple of 16,
 * at least 32) | INUSE | PREV_INUSE. The payload starts at c + 8, so chunks sit at
 * 8 mod 16 and payloads are 16-byte aligned; a chunk in use owns every byte up to
 * the next header, so malloc_usable_size is exactly size - 8. A free chunk keeps
 * list links after its header and a copy of its size in its last word (the
 * footer), which lets free() find and merge a free predecessor in O(1).
 *
 * Free chunks live in 256 size-class lists: exact 16-byte classes up to 1 KiB, then
 * four classes per power of two; a bitmap finds the next non-empty class. Above the
 * last chunk lies "top", never touched; a chunk freed next to it is given back to
 * top, so the chunk below top is always in use and top needs no header of its own.
 */
#include "alloc.h"

#include <errno.h>
#include <string.h>

#define INUSE ((size_t)1)
#define PREV_INUSE ((size_t)2)
#define FLAGS (INUSE | PREV_INUSE)
#define HEADER 8
#define MIN_CHUNK 32
#define NBINS 256
#define EXACT_BINS 63 /* sizes 32 .. 1024 step 16 */

struct free_chunk {
    size_t head;
    struct free_chunk *next, *prev;
};

static uintptr_t heap_first; /* first chunk */
static uintptr_t heap_top;   /* start of the untouched area */
static uintptr_t heap_limit; /* end of the region, 8 mod 16 so top chunks fit */
static size_t heap_region;
static size_t heap_in_use;
static size_t heap_failures; /* requests refused for want of space */
static struct free_chunk *bins[NBINS];
static uint64_t bin_map[NBINS / 64];

/* Called on a corrupt heap or a bad pointer; overridable (the guest halts). */
__attribute__((weak, noreturn)) void mg_heap_corrupt(const char *what)
{
    (void)what;
    __builtin_trap();
}

static inline size_t *head_of(uintptr_t c) { return (size_t *)c; }
static inline size_t size_of(uintptr_t c) { return *head_of(c) & ~(size_t)15; }
static inline void set_footer(uintptr_t c, size_t size) { *(size_t *)(c + size - 8) = size; }

static unsigned bin_index(size_t size)
{
    if (size <= 1024) return (unsigned)(size / 16 - 2);
    unsigned log2 = 63 - (unsigned)__builtin_clzll(size);
    unsigned sub = (unsigned)(size >> (log2 - 2)) & 3;
    unsigned idx = EXACT_BINS + (log2 - 10) * 4 + sub;
    return idx < NBINS ? idx : NBINS - 1;
}

static void bin_insert(uintptr_t c, size_t size)
{
    unsigned i = bin_index(size);
    struct free_chunk *f = (struct free_chunk *)c;
    f->prev = NULL;
    f->next = bins[i];
    if (bins[i]) bins[i]->prev = f;
    bins[i] = f;
    bin_map[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bin_remove(uintptr_t c, size_t size)
{
    unsigned i = bin_index(size);
    struct free_chunk *f = (struct free_chunk *)c;
    if (f->prev) f->prev->next = f->next;
    else bins[i] = f->next;
    if (f->next) f->next->prev = f->prev;
    if (!bins[i]) bin_map[i / 64] &= ~((uint64_t)1 << (i % 64));
}

void mg_heap_init(void *start, void *limit)
{
    uintptr_t s = ((uintptr_t)start + 15) & ~(uintptr_t)15;
    uintptr_t l = (uintptr_t)limit & ~(uintptr_t)15;
    memset(bins, 0, sizeof bins);
    memset(bin_map, 0, sizeof bin_map);
    heap_in_use = 0;
    heap_failures = 0;
    if (l < s + 64) l = s + 16; /* too small: every request fails */
    heap_first = s + 8;
    heap_top = heap_first;
    heap_limit = l + 8 - 16;
    heap_region = l - s;
}

/* Chunk size for a request, or 0 when it can never fit. */
static size_t request_size(size_t n)
{
    if (n > ((size_t)1 << 48)) return 0;
    size_t size = (n + HEADER + 15) & ~(size_t)15;
    return size < MIN_CHUNK ? MIN_CHUNK : size;
}

/* Marks the chunk after c (which is in use or top) as having a used predecessor. */
static void mark_next_prev_inuse(uintptr_t c, size_t size)
{
    uintptr_t n = c + size;
    if (n != heap_top) *head_of(n) |= PREV_INUSE;
}

/* Frees the in-use chunk c, merging it with free neighbours and with top. */
static void release_chunk(uintptr_t c)
{
    size_t head = *head_of(c);
    size_t size = head & ~(size_t)15;
    uintptr_t n = c + size;
    heap_in_use -= size;
    if (!(head & PREV_INUSE)) {
        size_t psize = *(size_t *)(c - 8);
        if (psize < MIN_CHUNK || psize > c - heap_first) mg_heap_corrupt("free(): corrupt predecessor");
        c -= psize;
        bin_remove(c, psize);
        size += psize;
    }
    if (n == heap_top) {
        heap_top = c; /* the chunk below c is in use: free chunks never touch */
        return;
    }
    size_t nhead = *head_of(n);
    if (!(nhead & INUSE)) {
        size_t nsize = nhead & ~(size_t)15;
        bin_remove(n, nsize);
        size += nsize;
    } else {
        *head_of(n) = nhead & ~PREV_INUSE;
    }
    *head_of(c) = size | PREV_INUSE;
    set_footer(c, size);
    bin_insert(c, size);
}

/* Cuts chunk c (in use, `size` bytes) down to `keep` bytes, freeing the rest. */
static void trim_chunk(uintptr_t c, size_t size, size_t keep)
{
    if (size - keep < MIN_CHUNK) return;
    *head_of(c) = keep | (*head_of(c) & FLAGS);
    uintptr_t r = c + keep;
    *head_of(r) = (size - keep) | INUSE | PREV_INUSE;
    release_chunk(r);
}

static uintptr_t take_from_bins(size_t need)
{
    unsigned i = bin_index(need);
    if (i >= EXACT_BINS) { /* a range class: look for a fit inside it first */
        for (struct free_chunk *f = bins[i]; f; f = f->next)
            if (size_of((uintptr_t)f) >= need) return (uintptr_t)f;
        i++;
    }
    for (unsigned w = i / 64; w < NBINS / 64; w++) {
        uint64_t bits = bin_map[w];
        if (w == i / 64) bits &= ~(uint64_t)0 << (i % 64);
        if (bits) return (uintptr_t)bins[w * 64 + (unsigned)__builtin_ctzll(bits)];
    }
    return 0;
}

void *mg_malloc(size_t n)
{
    size_t need = request_size(n);
    if (!need) goto fail;
    uintptr_t c = take_from_bins(need);
    if (c) {
        size_t size = size_of(c);
        bin_remove(c, size);
        *head_of(c) |= INUSE;
        mark_next_prev_inuse(c, size);
        heap_in_use += size;
        trim_chunk(c, size, need);
        return (void *)(c + HEADER);
    }
    if (heap_limit - heap_top < need) goto fail;
    c = heap_top;
    *head_of(c) = need | INUSE | PREV_INUSE;
    heap_top += need;
    heap_in_use += need;
    return (void *)(c + HEADER);
fail:
    heap_failures++;
    errno = ENOMEM;
    return NULL;
}

static uintptr_t chunk_of(const void *p)
{
    uintptr_t c = (uintptr_t)p - HEADER;
    if ((uintptr_t)p % 16 || c < heap_first || c >= heap_top) mg_heap_corrupt("free(): pointer not from malloc");
    size_t head = *head_of(c);
    size_t size = head & ~(size_t)15;
    if (!(head & INUSE) || size < MIN_CHUNK || size > heap_top - c) mg_heap_corrupt("free(): double free or corrupt chunk");
    return c;
}

void mg_free(void *p)
{
    if (p) release_chunk(chunk_of(p));
}

void *mg_calloc(size_t count, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = mg_malloc(total);
    if (p) memset(p, 0, total);
    return p;
}

void *mg_realloc(void *p, size_t n)
{
    if (!p) return mg_malloc(n);
    if (n == 0) {
        mg_free(p);
        return NULL;
    }
    uintptr_t c = chunk_of(p);
    size_t size = size_of(c);
    size_t need = request_size(n);
    if (!need) {
        errno = ENOMEM;
        return NULL;
    }
    if (need <= size) {
        trim_chunk(c, size, need);
        return p;
    }
    uintptr_t nx = c + size;
    if (nx == heap_top) { /* grow into top */
        if (heap_top <= heap_limit && heap_limit - c >= need) {
            *head_of(c) = need | (*head_of(c) & FLAGS);
            heap_top = c + need;
            heap_in_use += need - size;
            return p;
        }
    } else if (!(*head_of(nx) & INUSE) && size + size_of(nx) >= need) {
        size_t nsize = size_of(nx);
        bin_remove(nx, nsize);
        size += nsize;
        heap_in_use += nsize;
        *head_of(c) = size | (*head_of(c) & FLAGS);
        mark_next_prev_inuse(c, size);
        trim_chunk(c, size, need);
        return p;
    }
    void *q = mg_malloc(n);
    if (!q) return NULL;
    memcpy(q, p, size - HEADER);
    mg_free(p);
    return q;
}

void *mg_memalign(size_t align, size_t n)
{
    if (align == 0 || (align & (align - 1))) {
        errno = EINVAL;
        return NULL;
    }
    if (align <= 16) return mg_malloc(n);
    size_t need = request_size(n);
    if (!need || align > ((size_t)1 << 40)) {
        errno = ENOMEM;
        return NULL;
    }
    uint8_t *raw = mg_malloc(need + align + MIN_CHUNK);
    if (!raw) return NULL;
    uintptr_t c = (uintptr_t)raw - HEADER;
    uintptr_t p = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
    if (p != (uintptr_t)raw && p - (uintptr_t)raw < MIN_CHUNK) p += align;
    size_t size = size_of(c);
    if (p != (uintptr_t)raw) { /* give the leading gap back as its own chunk */
        size_t lead = p - (uintptr_t)raw;
        uintptr_t c2 = p - HEADER;
        *head_of(c2) = (size - lead) | INUSE | PREV_INUSE;
        *head_of(c) = lead | (*head_of(c) & FLAGS);
        release_chunk(c); /* takes lead off the in-use count; c2 keeps the rest */
        c = c2;
        size -= lead;
    }
    trim_chunk(c, size, need);
    return (void *)(c + HEADER);
}

size_t mg_usable_size(const void *p)
{
    return p ? size_of(chunk_of(p)) - HEADER : 0;
}

void mg_heap_stats(struct mg_heap_stats *out)
{
    size_t free_bytes = 0, chunks = 0;
    for (unsigned i = 0; i < NBINS; i++)
        for (struct free_chunk *f = bins[i]; f; f = f->next) {
            free_bytes += size_of((uintptr_t)f);
            chunks++;
        }
    out->region_bytes = heap_region;
    out->in_use_bytes = heap_in_use;
    out->free_bytes = free_bytes;
    out->top_bytes = heap_top <= heap_limit ? heap_limit - heap_top : 0;
    out->free_chunks = chunks;
    out->failures = heap_failures;
}

int mg_heap_check(void)
{
    size_t free_seen = 0, used = 0;
    int prev_used = 1;
    uintptr_t c = heap_first;
    while (c < heap_top) {
        size_t head = *head_of(c), size = head & ~(size_t)15;
        if (size < MIN_CHUNK || size % 16 || size > heap_top - c) return __LINE__;
        if (!!(head & PREV_INUSE) != prev_used) return __LINE__;
        if (head & INUSE) {
            used += size;
        } else {
            if (!prev_used) return __LINE__; /* two free neighbours were not merged */
            if (*(size_t *)(c + size - 8) != size) return __LINE__;
            unsigned i = bin_index(size);
            struct free_chunk *f = bins[i];
            while (f && (uintptr_t)f != c) f = f->next;
            if (!f) return __LINE__;
            free_seen++;
        }
        prev_used = (head & INUSE) != 0;
        c += size;
    }
    if (c != heap_top || !prev_used) return __LINE__;
    if (used != heap_in_use) return __LINE__;
    size_t listed = 0;
    for (unsigned i = 0; i < NBINS; i++) {
        if (!!bins[i] != !!(bin_map[i / 64] & ((uint64_t)1 << (i % 64)))) return __LINE__;
        for (struct free_chunk *f = bins[i]; f; f = f->next) {
            if (bin_index(size_of((uintptr_t)f)) != i) return __LINE__;
            if (f->next && f->next->prev != f) return __LINE__;
            listed++;
        }
    }
    return listed == free_seen ? 0 : __LINE__;
}

#ifdef MIRAGE_GUEST
/* The guest's libc entry points; musl's own malloc members are then never linked. */
void *malloc(size_t n) __attribute__((alias("mg_malloc")));
void free(void *p) __attribute__((alias("mg_free")));
void *calloc(size_t c, size_t n) __attribute__((alias("mg_calloc")));
void *realloc(void *p, size_t n) __attribute__((alias("mg_realloc")));
void *memalign(size_t a, size_t n) __attribute__((alias("mg_memalign")));
size_t malloc_usable_size(void *p) __attribute__((alias("mg_usable_size")));
void *__libc_malloc(size_t n) __attribute__((alias("mg_malloc")));
void __libc_free(void *p) __attribute__((alias("mg_free")));
void *__libc_calloc(size_t c, size_t n) __attribute__((alias("mg_calloc")));
void *__libc_realloc(void *p, size_t n) __attribute__((alias("mg_realloc")));

void *aligned_alloc(size_t align, size_t n)
{
    return mg_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
    void *p = mg_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
#endif
