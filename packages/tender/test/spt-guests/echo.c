/*
 * Network guest on device "service": answers ARP requests (RFC 826) for the IPv4
 * address in argv[0] and ICMP echo requests (RFC 792) to it, so Linux's `ping`
 * in the test's namespace gets replies. Exits 0 after argv[1] (default 3) echo
 * replies, or 2 after 20 s without any frame.
 */
#include "guest.h"

MIRAGE_GUEST_NOTES(1, {{"service", MIRAGE_DEV_NET, 0}});

static uint8_t frame[2048];
static uint8_t my_mac[6], my_ip[4];

static int parse_ipv4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 3)
            v = v * 10 + (unsigned)(*s++ - '0'), digits++;
        if (digits == 0 || v > 255 || *s != (i == 3 ? '\0' : '.'))
            return 0;
        out[i] = (uint8_t)v;
        s++;
    }
    return 1;
}

static uint16_t checksum(const uint8_t *p, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The request becomes the reply in place: swap Ethernet addresses, ours as source. */
static void turn_around(void)
{
    memcpy(frame, frame + 6, 6);
    memcpy(frame + 6, my_mac, 6);
}

static int answer_arp(size_t len)
{
    uint8_t *a = frame + 14;
    if (len < 42 || a[6] != 0 || a[7] != 1 || memcmp(a + 24, my_ip, 4) != 0)
        return 0; /* not a request for us */
    a[7] = 2;
    memcpy(a + 18, a + 8, 10); /* target = requester's (mac, ip) */
    memcpy(a + 8, my_mac, 6);
    memcpy(a + 14, my_ip, 4);
    turn_around();
    return platform_net_write(0, frame, 42) == MIRAGE_R_OK;
}

static int answer_echo(size_t len)
{
    uint8_t *ip = frame + 14;
    if (len < 34 || (ip[0] >> 4) != 4 || ip[9] != 1 || memcmp(ip + 16, my_ip, 4) != 0)
        return 0;
    size_t ihl = (size_t)(ip[0] & 15) * 4, total = (size_t)(ip[2] << 8 | ip[3]);
    if (ihl < 20 || total < ihl + 8 || 14 + total > len)
        return 0;
    uint8_t *icmp = ip + ihl;
    if (icmp[0] != 8)
        return 0;
    uint8_t peer[4];
    memcpy(peer, ip + 12, 4);
    memcpy(ip + 12, my_ip, 4);
    memcpy(ip + 16, peer, 4); /* swapping keeps the IP header checksum valid */
    icmp[0] = 0;
    icmp[2] = icmp[3] = 0;
    uint16_t c = checksum(icmp, total - ihl);
    icmp[2] = (uint8_t)(c >> 8);
    icmp[3] = (uint8_t)c;
    turn_around();
    return platform_net_write(0, frame, 14 + total) == MIRAGE_R_OK;
}

static void put_mac(const uint8_t *m)
{
    static const char hex[] = "0123456789abcdef";
    char s[18];
    for (int i = 0; i < 6; i++) {
        s[i * 3] = hex[m[i] >> 4];
        s[i * 3 + 1] = hex[m[i] & 15];
        s[i * 3 + 2] = i == 5 ? '\0' : ':';
    }
    put_str(s);
}

int guest_main(struct mirage_boot_info *bi)
{
    char **argv = (char **)bi->argv;
    if (bi->argc < 1 || !parse_ipv4(argv[0], my_ip))
        platform_halt(1, "echo: usage: echo.spt IPV4 [COUNT]");
    uint64_t want = 3;
    if (bi->argc >= 2) {
        want = 0;
        for (const char *p = argv[1]; *p >= '0' && *p <= '9'; p++)
            want = want * 10 + (uint64_t)(*p - '0');
    }
    memcpy(my_mac, bi->devices[0].mac, 6);
    put_str("mac ");
    put_mac(my_mac);
    put_str("\n");
    put_line("mtu", bi->devices[0].mtu);
    put_str("ready\n");

    uint64_t arps = 0, echoes = 0, frames = 0;
    uint64_t idle_until = platform_monotonic_ns() + 20000000000ULL;
    while (echoes < want) {
        uint64_t ready = platform_poll(idle_until);
        if (ready == 0) {
            if (platform_monotonic_ns() >= idle_until)
                platform_halt(2, "echo: 20 s without a frame");
            continue;
        }
        for (;;) {
            size_t len = 0;
            int r = platform_net_read(0, frame, sizeof frame, &len);
            if (r == MIRAGE_R_AGAIN)
                break;
            if (r != MIRAGE_R_OK)
                platform_halt(3, "echo: net read failed");
            frames++;
            uint16_t type = (uint16_t)(frame[12] << 8 | frame[13]);
            if (len >= 14 && type == 0x0806)
                arps += (uint64_t)answer_arp(len);
            else if (len >= 14 && type == 0x0800)
                echoes += (uint64_t)answer_echo(len);
        }
        idle_until = platform_monotonic_ns() + 20000000000ULL;
    }
    put_line("frames", frames);
    put_line("arp replies", arps);
    put_line("echo replies", echoes);
    return 0;
}
