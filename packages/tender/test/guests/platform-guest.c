/*
 * Exercises the guest runtime's hvt platform layer (packages/guest/src/
 * platform-hvt.c) against the real tender. Modes (first guest argument):
 *   block        write, read back and compare blocks on "disk"; bad requests must
 *                come back as MIRAGE_R_EINVAL without reaching the tender
 *   echo IP N    answer ARP (RFC 826) and ICMP echo (RFC 792) for IP on "service"
 *                until N echo requests were answered (exit 0) or 20 s passed (exit 3)
 *   sleep MS     poll until MS milliseconds have passed, then exit 0
 */
#include "guest.h"
#include "platform.h"

MIRAGE_ABI_NOTE();
MIRAGE_MANIFEST(2, {"service", MIRAGE_DEV_NET, 0}, {"disk", MIRAGE_DEV_BLOCK, 0});

#define NET 0
#define DISK 1

static uint8_t frame[2048];
static uint8_t blocks[2][4096];

static void say(const char *s) { platform_console_write(s, strlen(s)); }

static int block_mode(void)
{
    for (int i = 0; i < 4096; i++) blocks[0][i] = (uint8_t)(i * 7 + 3);
    if (platform_block_write(DISK, 512, blocks[0], 4096) != MIRAGE_R_OK) return 10;
    if (platform_block_read(DISK, 512, blocks[1], 4096) != MIRAGE_R_OK) return 11;
    for (int i = 0; i < 4096; i++)
        if (blocks[0][i] != blocks[1][i]) return 12;
    if (platform_block_read(DISK, 100, blocks[1], 512) != MIRAGE_R_EINVAL) return 13;
    if (platform_block_read(DISK, boot_info->devices[DISK].capacity, blocks[1], 512) != MIRAGE_R_EINVAL) return 14;
    if (platform_block_write(NET, 0, blocks[0], 512) != MIRAGE_R_EINVAL) return 15;
    size_t n;
    if (platform_net_read(NET, frame, 100, &n) != MIRAGE_R_EINVAL) return 16;
    say("block ok\n");
    platform_console_write_stream(2, "block stderr\n", 13);
    return 0;
}

static uint32_t parse_ip(const char *s)
{
    uint32_t ip = 0, part = 0;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') part = part * 10 + (uint32_t)(*s - '0');
        else {
            ip = ip << 8 | part;
            part = 0;
            if (*s == '\0') return ip;
        }
    }
}

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* RFC 1071 Internet checksum. */
static uint16_t checksum(const uint8_t *p, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += be16(p + i);
    if (n & 1) sum += (uint32_t)p[n - 1] << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void set_checksum(uint8_t *field, const uint8_t *p, size_t n)
{
    field[0] = field[1] = 0;
    uint16_t c = checksum(p, n);
    field[0] = (uint8_t)(c >> 8);
    field[1] = (uint8_t)c;
}

/* Returns 1 when the frame was an echo request we answered. */
static int answer(uint32_t ip, const uint8_t *mac, size_t len)
{
    uint8_t *eth = frame;
    if (len < 42) return 0;
    uint16_t type = be16(eth + 12);
    if (type == 0x0806) {
        uint8_t *arp = eth + 14;
        if (be16(arp + 6) != 1 || be32(arp + 24) != ip) return 0;
        memcpy(eth, arp + 8, 6); /* to the requester */
        memcpy(eth + 6, mac, 6);
        arp[7] = 2;                  /* reply */
        memcpy(arp + 18, arp + 8, 10); /* target = old sender */
        memcpy(arp + 8, mac, 6);
        put32(arp + 14, ip);
        platform_net_write(NET, frame, 42);
        return 0;
    }
    if (type != 0x0800) return 0;
    uint8_t *iph = eth + 14;
    size_t ihl = (size_t)(iph[0] & 15) * 4, total = be16(iph + 2);
    if (ihl < 20 || total < ihl + 8 || 14 + total > len || iph[9] != 1 || be32(iph + 16) != ip) return 0;
    uint8_t *icmp = iph + ihl;
    if (icmp[0] != 8) return 0;
    uint8_t tmp[6];
    memcpy(tmp, eth + 6, 6);
    memcpy(eth, tmp, 6);
    memcpy(eth + 6, mac, 6);
    memcpy(iph + 16, iph + 12, 4);
    put32(iph + 12, ip);
    iph[8] = 64;
    set_checksum(iph + 10, iph, ihl);
    icmp[0] = 0;
    set_checksum(icmp + 2, icmp, total - ihl);
    platform_net_write(NET, frame, 14 + total);
    return 1;
}

static int echo_mode(const char *ip_text, const char *count_text)
{
    uint32_t ip = parse_ip(ip_text);
    int want = (int)parse_ip(count_text), answered = 0;
    const uint8_t *mac = boot_info->devices[NET].mac;
    uint64_t deadline = platform_monotonic_ns() + 20000000000ULL;
    say("echo ready\n");
    while (answered < want) {
        if (platform_monotonic_ns() >= deadline) return 3;
        uint64_t ready = platform_poll(deadline);
        if (!(ready & (1u << NET))) continue;
        for (;;) {
            size_t n;
            int r = platform_net_read(NET, frame, sizeof frame, &n);
            if (r != MIRAGE_R_OK) break;
            answered += answer(ip, mac, n);
        }
    }
    say("echo done\n");
    return 0;
}

int main(int argc, char **argv)
{
    platform_boot_info = boot_info;
    if (argc >= 1 && strcmp(argv[0], "block") == 0) return block_mode();
    if (argc >= 3 && strcmp(argv[0], "echo") == 0) return echo_mode(argv[1], argv[2]);
    if (argc >= 2 && strcmp(argv[0], "sleep") == 0) {
        uint64_t until = platform_monotonic_ns() + (uint64_t)parse_ip(argv[1]) * 1000000ULL;
        while (platform_monotonic_ns() < until) platform_poll(until);
        return 0;
    }
    platform_halt(2, "platform-guest: unknown mode");
}
