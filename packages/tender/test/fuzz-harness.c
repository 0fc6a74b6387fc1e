/*
 * Fuzz harness for the tender's input checks, built by hvt.test.ts with
 * -fsanitize=address,undefined and linked with the real src/hvt/hypercalls.c and
 * src/common/elf_image.c:
 *
 *   fuzz-harness hypercalls SEED COUNT   random hypercall numbers, struct addresses
 *                                        and field values against 4 MiB of "guest
 *                                        memory" fenced by PROT_NONE guard pages
 *   fuzz-harness elf SEED COUNT IMAGE    random corruptions of a valid image
 *
 * Any out-of-bounds access faults on a guard page or trips a sanitizer; the test
 * asserts a clean exit 0 and the summary line.
 */
#define _GNU_SOURCE
#include "elf_image.h"
#include "hvt.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MEM (4ULL << 20)
#define PAGE 4096ULL

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64* (Vigna): deterministic for a given seed, so failures replay. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

/* Values that sit on the edges the checks care about. */
static uint64_t interesting(void)
{
    switch (rnd() % 12) {
    case 0: return 0;
    case 1: return rnd() % 64;
    case 2: return MEM - rnd() % 1024;
    case 3: return MEM + rnd() % 1024;
    case 4: return UINT64_MAX - rnd() % 1024;
    case 5: return (rnd() % 32) * 512;
    case 6: return 1ULL << (rnd() % 64);
    case 7: return rnd() % MEM;
    case 8: return 1514 + rnd() % 8 - 4;
    case 9: return 65536 + rnd() % 8 - 4;
    case 10: return (uint64_t)INT64_MAX + rnd() % 4;
    default: return rnd();
    }
}

static void fuzz_hypercalls(uint64_t count, uint64_t tally[3])
{
    /* [guard][memory][guard]: one byte past either end faults. */
    uint8_t *area = mmap(NULL, MEM + 2 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED || mprotect(area + PAGE, MEM, PROT_READ | PROT_WRITE) < 0) die_errno("mmap");
    static struct tender_devices devs;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv) < 0) die_errno("socketpair");
    char path[] = "/tmp/mirage-fuzz-XXXXXX";
    int bfd = mkstemp(path);
    if (bfd < 0 || ftruncate(bfd, 64 * 1024) < 0) die_errno("block file");
    unlink(path);
    devs.count = 3;
    devs.dev[0] = (struct tender_device){.name = "service", .kind = MIRAGE_DEV_NET, .fd = sv[0], .mtu = 1500};
    devs.dev[1] = (struct tender_device){.name = "disk", .kind = MIRAGE_DEV_BLOCK, .fd = bfd, .capacity = 64 * 1024};
    devs.dev[2] = (struct tender_device){.name = "other", .kind = MIRAGE_DEV_NET, .fd = sv[0], .mtu = 1500};
    static struct hvt h;
    h.mem = area + PAGE;
    h.mem_size = MEM;
    h.devices = &devs;
    h.poll_cap_ns = 1000; /* random deadlines must not make the run slow */
    h.mono_at_boot_ns = host_clock_ns(CLOCK_MONOTONIC);

    for (uint64_t i = 0; i < count; i++) {
        if (i % 7 == 0) {
            uint8_t frame[64] = {0};
            ssize_t ignored = write(sv[1], frame, (size_t)(14 + rnd() % 50)); /* something to read */
            (void)ignored;
        }
        uint64_t nr = rnd() % (MIRAGE_HC_MAX + 4);
        /* Half inside memory (so the handlers run), half anywhere a 32-bit store can point. */
        uint64_t addr = rnd() % 2 ? rnd() % MEM : rnd() % 4 == 0 ? (rnd() & 0xffffffffULL) : interesting() & 0xffffffffULL;
        if (addr < MEM) {
            /* Random struct contents: five 64-bit fields cover every struct. */
            for (int f = 0; f < 5 && addr + 8 * (uint64_t)f + 8 <= MEM; f++) {
                uint64_t v = interesting();
                memcpy(h.mem + addr + 8 * f, &v, 8);
            }
        }
        h.why[0] = '\0';
        h.tls_pending = false;
        enum hc_result r = hvt_hypercall(&h, nr, addr);
        if (r != HC_CONTINUE && r != HC_HALT && r != HC_BAD) abort();
        if (r == HC_BAD && h.why[0] == '\0') abort(); /* a refusal without a reason */
        if (r == HC_HALT && (h.exit_code < 0 || h.exit_code > 255)) abort();
        tally[r]++;
    }
}

static int fuzz_elf(uint64_t count, const char *image)
{
    int fd = open(image, O_RDONLY);
    if (fd < 0) die_errno("%s", image);
    static uint8_t orig[1 << 20];
    ssize_t size = read(fd, orig, sizeof orig);
    if (size <= 0) die("empty image");
    close(fd);
    static struct elf_image img;
    if (elf_parse(orig, (size_t)size, 128ULL << 20, MIRAGE_TARGET_HVT, &img) != NULL) die("the seed image is not valid");
    uint64_t ok = 0, refused = 0;
    for (uint64_t i = 0; i < count; i++) {
        size_t n = (size_t)size;
        if (rnd() % 4 == 0) n = (size_t)(rnd() % (uint64_t)size); /* truncation */
        uint8_t *copy = malloc(n ? n : 1);                      /* exact size: ASan sees overreads */
        memcpy(copy, orig, n);
        int flips = 1 + (int)(rnd() % 8);
        for (int f = 0; f < flips && n > 0; f++) {
            /* Mostly in the headers and notes, where the parser looks. */
            size_t at = rnd() % 2 ? (size_t)(rnd() % (n < 512 ? n : 512)) : (size_t)(rnd() % n);
            copy[at] = rnd() % 2 ? (uint8_t)rnd() : (uint8_t)interesting();
        }
        const char *err = elf_parse(copy, n, 128ULL << 20, MIRAGE_TARGET_HVT, &img);
        if (err == NULL) {
            ok++;
            for (unsigned s = 0; s < img.segment_count; s++)
                if (img.segments[s].vaddr < MIRAGE_GUEST_MIN_VADDR || !range_ok(img.segments[s].vaddr, img.segments[s].memsz, 128ULL << 20) ||
                    !range_ok(img.segments[s].offset, img.segments[s].filesz, n))
                    die("accepted a segment outside the limits");
            if (img.manifest.count > MIRAGE_MAX_DEVICES) die("accepted a manifest with %u devices", img.manifest.count);
        } else {
            refused++;
        }
        free(copy);
    }
    printf("elf: %llu accepted, %llu refused\n", (unsigned long long)ok, (unsigned long long)refused);
    return 0;
}

int main(int argc, char **argv)
{
    tender_name = "fuzz-harness";
    if (argc < 4) die("usage: fuzz-harness hypercalls|elf SEED COUNT [IMAGE]");
    rng_state = strtoull(argv[2], NULL, 10) * 0x9E3779B97F4A7C15ULL + 1;
    uint64_t count = strtoull(argv[3], NULL, 10);
    if (strcmp(argv[1], "hypercalls") == 0) {
        /* PUTS and CONSOLE write random guest bytes to stdout and stderr: send them
         * to /dev/null and restore both for the summary. Failures abort (a signal). */
        int null = open("/dev/null", O_WRONLY);
        int out = dup(1), err = dup(2);
        dup2(null, 1);
        dup2(null, 2);
        uint64_t tally[3] = {0, 0, 0};
        fuzz_hypercalls(count, tally);
        dup2(out, 1);
        dup2(err, 2);
        printf("hypercalls: %llu continued, %llu halted, %llu refused\n", (unsigned long long)tally[0],
               (unsigned long long)tally[1], (unsigned long long)tally[2]);
        return 0;
    }
    if (strcmp(argv[1], "elf") == 0 && argc == 5) return fuzz_elf(count, argv[4]);
    die("unknown mode %s", argv[1]);
}
