/*
 * Native stress test for the guest allocator (src/runtime/alloc.c built under mg_* names).
 * Random malloc/calloc/realloc/memalign/free over a fixed region; every live block is
 * filled with a pattern derived from its id and checked before it is freed or moved;
 * the heap's tags and lists are checked regularly. Then: exhaustion returns NULL,
 * and after freeing everything the whole region can be allocated again (coalescing).
 * Usage: alloc-harness SEED ITERATIONS; prints "ok ..." and exits 0 on success.
 */
#include "../src/runtime/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REGION (32u << 20)
#define SLOTS 2048

struct slot {
    unsigned char *p;
    size_t n;
    unsigned id;
};

static struct slot slots[SLOTS];
static uint64_t rng_state;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fail(const char *what, long detail)
{
    fprintf(stderr, "FAIL: %s (%ld)\n", what, detail);
    exit(1);
}

static unsigned char pattern(unsigned id, size_t i) { return (unsigned char)(id * 131u + i * 7u); }

static void fill(struct slot *s)
{
    for (size_t i = 0; i < s->n; i++) s->p[i] = pattern(s->id, i);
}

static void verify(const struct slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s->p[i] != pattern(s->id, i)) fail("pattern damaged", (long)s->id);
}

static size_t random_size(void)
{
    switch (rnd() % 8) {
    case 0: return rnd() % 8;
    case 1: case 2: case 3: return rnd() % 256;
    case 4: case 5: return rnd() % 4096;
    case 6: return rnd() % 65536;
    default: return rnd() % (256u << 10);
    }
}

static void check_heap(void)
{
    int line = mg_heap_check();
    if (line) fail("heap check failed at alloc.c line", line);
}

static void check_block(const struct slot *s, size_t align)
{
    if ((uintptr_t)s->p % align) fail("misaligned block", (long)align);
    if (mg_usable_size(s->p) < s->n) fail("usable size smaller than request", (long)s->n);
    /* exact: the whole usable size is writable without touching a neighbour */
    memset(s->p + s->n, 0xEE, mg_usable_size(s->p) - s->n);
}

int main(int argc, char **argv)
{
    rng_state = argc > 1 ? strtoull(argv[1], NULL, 10) * 2654435761u + 1 : 1;
    long iterations = argc > 2 ? atol(argv[2]) : 200000;
    unsigned char *region = aligned_alloc(4096, REGION);
    mg_heap_init(region, region + REGION);
    unsigned next_id = 1;
    long nulls = 0;

    for (long it = 0; it < iterations; it++) {
        struct slot *s = &slots[rnd() % SLOTS];
        unsigned op = (unsigned)(rnd() % 10);
        if (s->p && op < 4) {
            verify(s, s->n);
            mg_free(s->p);
            s->p = NULL;
        } else if (s->p && op < 7) {
            size_t n = random_size();
            verify(s, s->n);
            unsigned char *q = mg_realloc(s->p, n ? n : 1);
            if (!q) { nulls++; continue; } /* the old block must be intact */
            s->p = q;
            verify(s, s->n < n ? s->n : n);
            s->n = n ? n : 1;
            fill(s);
            check_block(s, 16);
        } else if (!s->p) {
            size_t n = random_size(), align = 16;
            if (op == 7) {
                align = (size_t)32 << (rnd() % 8);
                s->p = mg_memalign(align, n);
            } else if (op == 8) {
                s->p = mg_calloc(1, n);
                if (s->p)
                    for (size_t i = 0; i < n; i++)
                        if (s->p[i]) fail("calloc not zeroed", (long)i);
            } else {
                s->p = mg_malloc(n);
            }
            if (!s->p) { nulls++; continue; }
            s->n = n;
            s->id = next_id++;
            check_block(s, align);
            fill(s);
        }
        if (it % 997 == 0) check_heap();
    }
    check_heap();

    /* exhaustion: NULL, never a crash, and the heap stays consistent */
    long got = 0;
    for (;;) {
        void *p = mg_malloc(100000);
        if (!p) break;
        got++;
    }
    if (mg_malloc((size_t)-1 / 2) || mg_calloc((size_t)1 << 40, (size_t)1 << 40)) fail("absurd request succeeded", 0);
    check_heap();

    /* free everything; coalescing must give back one region that fits nearly all of it */
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p) verify(&slots[i], slots[i].n), mg_free(slots[i].p);
        slots[i].p = NULL;
    }
    /* the exhaustion blocks are leaked on purpose above; start over for the big check */
    mg_heap_init(region, region + REGION);
    void *a = mg_malloc(REGION / 2), *b = mg_malloc(REGION / 4), *c = mg_malloc(REGION / 8);
    if (!a || !b || !c) fail("fresh heap refused", 0);
    mg_free(b);
    mg_free(a);
    mg_free(c); /* a+b merge in a list, then c merges them all into top */
    struct mg_heap_stats st;
    mg_heap_stats(&st);
    if (st.free_chunks != 0 || st.in_use_bytes != 0) fail("chunks left after freeing all", (long)st.free_chunks);
    void *all = mg_malloc(REGION - 64);
    if (!all) fail("whole region not reusable after coalescing", 0);
    mg_free(all);
    check_heap();

    /* reuse: a freed block of the same size comes back at the same address */
    void *x = mg_malloc(5000), *guard = mg_malloc(10);
    mg_free(x);
    void *y = mg_malloc(5000);
    if (x != y) fail("freed block not reused", 0);
    (void)guard;
    check_heap();

    printf("ok iterations=%ld nulls=%ld exhaustion_blocks=%ld\n", iterations, nulls, got);
    return 0;
}
