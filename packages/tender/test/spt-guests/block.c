/*
 * Block round trip on device "storage" (handle 0): reads block 0 (the test puts
 * "mirage-spt block test" there), writes a pattern to blocks 1..2 and reads it
 * back, then checks that misaligned, out-of-range and wrong-handle requests are
 * refused with MIRAGE_R_EINVAL without reaching the host.
 */
#include "guest.h"

MIRAGE_GUEST_NOTES(1, {{"storage", MIRAGE_DEV_BLOCK, 0}});

static uint8_t buf[2048];

static int expect(const char *what, int got, int want)
{
    put_str(got == want ? "ok " : "FAIL ");
    put_str(what);
    put_str("\n");
    return got == want;
}

int guest_main(struct mirage_boot_info *bi)
{
    int ok = 1;
    const struct mirage_device_info *d = &bi->devices[0];
    put_line("capacity", d->capacity);
    put_line("block_size", d->block_size);
    ok &= expect("read block 0", platform_block_read(0, 0, buf, 512), MIRAGE_R_OK);
    ok &= expect("block 0 content", memcmp(buf, "mirage-spt block test", 21), 0);
    for (int i = 0; i < 1024; i++)
        buf[i] = (uint8_t)(i * 7 + 1);
    ok &= expect("write blocks 1-2", platform_block_write(0, 512, buf, 1024), MIRAGE_R_OK);
    memset(buf, 0, sizeof buf);
    ok &= expect("read blocks 1-2", platform_block_read(0, 512, buf, 1024), MIRAGE_R_OK);
    int same = 1;
    for (int i = 0; i < 1024; i++)
        same &= buf[i] == (uint8_t)(i * 7 + 1);
    ok &= expect("blocks 1-2 content", same, 1);
    ok &= expect("last block", platform_block_read(0, d->capacity - 512, buf, 512), MIRAGE_R_OK);
    ok &= expect("misaligned offset", platform_block_read(0, 100, buf, 512), MIRAGE_R_EINVAL);
    ok &= expect("partial block", platform_block_read(0, 0, buf, 100), MIRAGE_R_EINVAL);
    ok &= expect("past the end", platform_block_read(0, d->capacity, buf, 512), MIRAGE_R_EINVAL);
    ok &= expect("straddling the end", platform_block_write(0, d->capacity - 512, buf, 1024), MIRAGE_R_EINVAL);
    ok &= expect("huge offset", platform_block_read(0, UINT64_MAX - 511, buf, 512), MIRAGE_R_EINVAL);
    ok &= expect("bad handle", platform_block_read(5, 0, buf, 512), MIRAGE_R_EINVAL);
    ok &= expect("net on a block handle", platform_net_write(0, buf, 60), MIRAGE_R_EINVAL);
    return ok ? 0 : 3;
}
