#define _GNU_SOURCE
#include "devices.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* net/if.h clashes with linux/if.h, so declare the one function we need. */
extern unsigned int if_nametoindex(const char *ifname);

int tap_open(const char *ifname)
{
    if (strlen(ifname) >= IFNAMSIZ) die("tap name \"%s\" is too long (at most %d characters)", ifname, IFNAMSIZ - 1);
    /* Like Solo5, only attach to a tap that already exists: TUNSETIFF would
     * otherwise silently create a new, unconfigured interface nobody routes to. */
    if (if_nametoindex(ifname) == 0)
        die("tap device %s does not exist (create it first: ip tuntap add %s mode tap)", ifname, ifname);
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) die_errno("cannot open /dev/net/tun for tap %s", ifname);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    memcpy(ifr.ifr_name, ifname, strlen(ifname));
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        if (errno == EBUSY) die("tap device %s is busy (already attached to another process?)", ifname);
        if (errno == EINVAL) die("%s is not a tap device", ifname);
        die_errno("cannot attach to tap device %s", ifname);
    }
    return fd;
}

static void random_mac(uint8_t mac[6])
{
    if (getrandom(mac, 6, 0) != 6) die_errno("getrandom");
    mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02); /* unicast, locally administered (IEEE 802 §8.2) */
}

static void block_open(struct tender_device *d, const char *file)
{
    int fd = open(file, O_RDWR | O_CLOEXEC);
    if (fd < 0) die_errno("cannot open block file %s for device %s", file, d->name);
    struct stat st;
    if (fstat(fd, &st) < 0) die_errno("%s", file);
    if (!S_ISREG(st.st_mode)) die("block file %s is not a regular file", file);
    if (st.st_size == 0 || st.st_size % TENDER_BLOCK_SIZE != 0)
        die("block file %s is %lld bytes, not a non-zero multiple of %d", file, (long long)st.st_size, TENDER_BLOCK_SIZE);
    d->fd = fd;
    d->capacity = (uint64_t)st.st_size;
}

static const char *kind_name(uint32_t k)
{
    return k == MIRAGE_DEV_NET ? "net" : "block";
}

static int manifest_index(const struct mirage_manifest *m, const char *name, uint32_t kind, const char *flag)
{
    for (uint32_t i = 0; i < m->count; i++) {
        if (strcmp(m->entries[i].name, name) != 0) continue;
        if (m->entries[i].kind != kind)
            die("%s:%s: the image's device %s is a %s device", flag, name, name, kind_name(m->entries[i].kind));
        return (int)i;
    }
    char list[MIRAGE_MAX_DEVICES * (MIRAGE_DEVICE_NAME_MAX + 2) + 8] = "";
    for (uint32_t i = 0; i < m->count; i++) {
        if (m->entries[i].kind != kind) continue;
        if (list[0] != '\0') strcat(list, ", ");
        strcat(list, m->entries[i].name);
    }
    die("%s:%s: the image has no %s device named %s (it has: %s)", flag, name, kind_name(kind), name,
        list[0] ? list : "none");
}

void devices_attach(const struct mirage_manifest *m, const struct tender_args *a, struct tender_devices *out)
{
    memset(out, 0, sizeof *out);
    out->count = m->count;
    for (uint32_t i = 0; i < m->count; i++) {
        out->dev[i].name = m->entries[i].name;
        out->dev[i].kind = m->entries[i].kind;
        out->dev[i].fd = -1;
    }
    /* Check every name before opening anything, so the message is about the
     * command line rather than a side effect. */
    int net_idx[MIRAGE_MAX_DEVICES], block_idx[MIRAGE_MAX_DEVICES];
    for (unsigned i = 0; i < a->net_count; i++) net_idx[i] = manifest_index(m, a->nets[i].name, MIRAGE_DEV_NET, "--net");
    for (unsigned i = 0; i < a->block_count; i++)
        block_idx[i] = manifest_index(m, a->blocks[i].name, MIRAGE_DEV_BLOCK, "--block");
    for (uint32_t i = 0; i < m->count; i++) {
        bool given = false;
        for (unsigned j = 0; j < a->net_count; j++) given |= net_idx[j] == (int)i;
        for (unsigned j = 0; j < a->block_count; j++) given |= block_idx[j] == (int)i;
        if (!given)
            die("the image needs its %s device %s: add --%s:%s=%s", kind_name(m->entries[i].kind), m->entries[i].name,
                kind_name(m->entries[i].kind), m->entries[i].name,
                m->entries[i].kind == MIRAGE_DEV_NET ? "TAP" : "FILE");
    }
    for (unsigned j = 0; j < a->net_count; j++) {
        struct tender_device *d = &out->dev[net_idx[j]];
        d->fd = tap_open(a->nets[j].tap);
        d->mtu = TENDER_NET_MTU;
        if (a->nets[j].has_mac) memcpy(d->mac, a->nets[j].mac, 6);
        else random_mac(d->mac);
    }
    for (unsigned j = 0; j < a->block_count; j++) block_open(&out->dev[block_idx[j]], a->blocks[j].file);
}

void devices_describe(const struct tender_devices *d, struct mirage_boot_info *bi, int expose_fds)
{
    bi->device_count = d->count;
    for (unsigned i = 0; i < d->count; i++) {
        struct mirage_device_info *o = &bi->devices[i];
        memset(o, 0, sizeof *o);
        o->attached = 1;
        o->kind = d->dev[i].kind;
        if (d->dev[i].kind == MIRAGE_DEV_NET) {
            memcpy(o->mac, d->dev[i].mac, 6);
            o->mtu = d->dev[i].mtu;
        } else {
            o->capacity = d->dev[i].capacity;
            o->block_size = TENDER_BLOCK_SIZE;
        }
        o->host_fd = expose_fds ? d->dev[i].fd : -1;
    }
}
