/*
 * Entropy for crypto.getRandomValues and friends. Preferred: RDRAND (Intel SDM vol.
 * 1, 7.3.17), retried a few times as Intel advises, when CPUID.1:ECX[30] says it is
 * there. Otherwise, or if RDRAND keeps failing: a ChaCha20 keystream (RFC 8439 2.3)
 * keyed with the tender's getrandom() seed mixed with the TSC at boot; the block
 * counter only goes up, so the stream never repeats within one boot.
 */
#include <string.h>

#include "runtime.h"

static int have_rdrand;
static uint32_t chacha_state[16];
static uint8_t chacha_block[64];
static size_t chacha_used = 64;

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
    __asm__ volatile("cpuid" : "=a"(out[0]), "=b"(out[1]), "=c"(out[2]), "=d"(out[3]) : "a"(leaf), "c"(sub));
}

static inline uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

#define QUARTER(a, b, c, d) \
    a += b, d ^= a, d = rotl(d, 16), c += d, b ^= c, b = rotl(b, 12), \
    a += b, d ^= a, d = rotl(d, 8), c += d, b ^= c, b = rotl(b, 7)

static void chacha_next_block(void)
{
    uint32_t x[16];
    memcpy(x, chacha_state, sizeof x);
    for (int i = 0; i < 10; i++) {
        QUARTER(x[0], x[4], x[8], x[12]);
        QUARTER(x[1], x[5], x[9], x[13]);
        QUARTER(x[2], x[6], x[10], x[14]);
        QUARTER(x[3], x[7], x[11], x[15]);
        QUARTER(x[0], x[5], x[10], x[15]);
        QUARTER(x[1], x[6], x[11], x[12]);
        QUARTER(x[2], x[7], x[8], x[13]);
        QUARTER(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + chacha_state[i];
        memcpy(chacha_block + 4 * i, &v, 4);
    }
    if (++chacha_state[12] == 0) chacha_state[13]++; /* 64-bit block counter */
    chacha_used = 0;
}

static int rdrand64(uint64_t *out)
{
    for (int tries = 0; tries < 10; tries++) {
        unsigned char ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
        if (ok) return 1;
    }
    return 0;
}

void mirage_entropy_init(void)
{
    uint32_t r[4];
    cpuid(0, 0, r);
    if (r[0] >= 1) {
        cpuid(1, 0, r);
        have_rdrand = (r[2] >> 30) & 1;
    }
    static const char sigma[16] = "expand 32-byte k";
    memcpy(chacha_state, sigma, 16);
    memcpy(chacha_state + 4, platform_boot_info->seed, 32);
    uint64_t tsc = mirage_rdtsc();
    chacha_state[4] ^= (uint32_t)tsc;
    chacha_state[5] ^= (uint32_t)(tsc >> 32);
    chacha_state[12] = chacha_state[13] = 0;
    chacha_state[14] = (uint32_t)tsc; /* nonce */
    chacha_state[15] = 0x6d697261;
    uint64_t probe;
    if (have_rdrand && !rdrand64(&probe)) have_rdrand = 0;
}

const char *mirage_entropy_source(void) { return have_rdrand ? "rdrand" : "chacha20(boot seed, tsc)"; }

void mirage_entropy_fill(uint8_t *buf, size_t len)
{
    while (len > 0 && have_rdrand) {
        uint64_t v;
        if (!rdrand64(&v)) {
            have_rdrand = 0;
            break;
        }
        size_t n = len < 8 ? len : 8;
        memcpy(buf, &v, n);
        buf += n;
        len -= n;
    }
    while (len > 0) {
        if (chacha_used == 64) chacha_next_block();
        size_t n = 64 - chacha_used;
        if (n > len) n = len;
        memcpy(buf, chacha_block + chacha_used, n);
        memset(chacha_block + chacha_used, 0, n); /* used bytes never come out again */
        chacha_used += n;
        buf += n;
        len -= n;
    }
}
