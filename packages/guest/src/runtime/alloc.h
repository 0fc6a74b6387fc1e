/*
 * The guest's heap allocator: boundary tags with size-class free lists over one
 * contiguous region [start, limit) that it never leaves. Single-threaded (the guest
 * has one thread). Built into the guest as malloc & co. (see alloc.c, MIRAGE_GUEST)
 * and natively, under mg_* names, for the host test harness (test/alloc-harness.c).
 */
#ifndef MIRAGE_ALLOC_H
#define MIRAGE_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Hands the region to the allocator; later calls start from scratch. */
void mg_heap_init(void *start, void *limit);

void *mg_malloc(size_t size);
void mg_free(void *ptr);
void *mg_calloc(size_t count, size_t size);
void *mg_realloc(void *ptr, size_t size);
void *mg_memalign(size_t align, size_t size);
size_t mg_usable_size(const void *ptr);

struct mg_heap_stats {
    size_t region_bytes;  /* limit - start */
    size_t in_use_bytes;  /* sum of chunk sizes handed out (headers included) */
    size_t free_bytes;    /* bytes in free lists */
    size_t top_bytes;     /* untouched space at the top */
    size_t free_chunks;   /* chunks in free lists */
    size_t failures;      /* requests refused for want of space since init */
};
void mg_heap_stats(struct mg_heap_stats *out);

/* Walks every chunk and checks the tags and lists; returns 0 or a line number. */
int mg_heap_check(void);

#endif /* MIRAGE_ALLOC_H */
