/*
 * mirageHost's devices. A handle is the device's index in the image's manifest
 * (mirage_abi.h); acquire looks the name up there and checks the tender attached it.
 * Reads and writes check handle, kind, lengths and offsets before the platform call,
 * and turn a platform error into a JS Error.
 */
#include <math.h>
#include <string.h>

#include "js-runtime.h"

uint8_t *mirage_bytes_of(JSContext *ctx, JSValueConst v, size_t *len, const char *call);

static const char *kind_name(uint32_t kind) { return kind == MIRAGE_DEV_NET ? "net" : "block"; }

/* Finds `name` of `kind`; returns the handle or -1 with an exception set. */
static int acquire(JSContext *ctx, JSValueConst name_value, uint32_t kind, const char *call)
{
    const char *name = JS_ToCString(ctx, name_value);
    if (!name) return -1;
    const struct mirage_manifest *m = mirage_app_manifest;
    int found = -1;
    for (uint32_t i = 0; i < m->count && i < MIRAGE_MAX_DEVICES; i++)
        if (strncmp(m->entries[i].name, name, MIRAGE_DEVICE_NAME_MAX) == 0) found = (int)i;
    if (found < 0) {
        JS_ThrowReferenceError(ctx, "mirageHost.%s: no device named \"%s\" in this image's manifest", call, name);
    } else if (m->entries[found].kind != kind) {
        JS_ThrowTypeError(ctx, "mirageHost.%s: device \"%s\" is a %s device, not %s", call, name, kind_name(m->entries[found].kind), kind_name(kind));
        found = -1;
    } else if ((uint32_t)found >= platform_boot_info->device_count || !platform_boot_info->devices[found].attached) {
        mirage_throw_error(ctx, "mirageHost.%s: device \"%s\" was not attached by the tender", call, name);
        found = -1;
    }
    JS_FreeCString(ctx, name);
    return found;
}

/* Checks a handle argument; returns it or -1 with an exception set. */
static int check_handle(JSContext *ctx, JSValueConst v, uint32_t kind, const char *call)
{
    double d;
    if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &d, v) || d != floor(d) || d < 0 || d >= mirage_app_manifest->count ||
        d >= platform_boot_info->device_count) {
        JS_ThrowRangeError(ctx, "mirageHost.%s: bad device handle", call);
        return -1;
    }
    int h = (int)d;
    if (mirage_app_manifest->entries[h].kind != kind || !platform_boot_info->devices[h].attached) {
        JS_ThrowRangeError(ctx, "mirageHost.%s: handle %d is not an attached %s device", call, h, kind_name(kind));
        return -1;
    }
    return h;
}

static JSValue platform_error(JSContext *ctx, int r, const char *call)
{
    if (r == MIRAGE_R_EINVAL) return JS_ThrowRangeError(ctx, "mirageHost.%s: the tender refused the request (handle, length or offset)", call);
    return mirage_throw_error(ctx, "mirageHost.%s: host I/O error (%d)", call, r);
}

static JSValue host_net_acquire(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int h = acquire(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, MIRAGE_DEV_NET, "netAcquire");
    if (h < 0) return JS_EXCEPTION;
    const struct mirage_device_info *d = &platform_boot_info->devices[h];
    JSValue mac_buf = JS_NewArrayBufferCopy(ctx, d->mac, sizeof d->mac);
    if (JS_IsException(mac_buf)) return mac_buf;
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue ctor = JS_GetPropertyStr(ctx, global, "Uint8Array");
    JS_FreeValue(ctx, global);
    JSValue mac = JS_CallConstructor(ctx, ctor, 1, (JSValueConst *)&mac_buf);
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, mac_buf);
    if (JS_IsException(mac)) return mac;
    JSValue obj = JS_NewObject(ctx);
    if (JS_IsException(obj)) {
        JS_FreeValue(ctx, mac);
        return obj;
    }
    JS_DefinePropertyValueStr(ctx, obj, "handle", JS_NewInt32(ctx, h), JS_PROP_ENUMERABLE);
    JS_DefinePropertyValueStr(ctx, obj, "mac", mac, JS_PROP_ENUMERABLE);
    JS_DefinePropertyValueStr(ctx, obj, "mtu", JS_NewInt32(ctx, d->mtu), JS_PROP_ENUMERABLE);
    mirage_net_acquired |= (uint64_t)1 << h;
    return obj;
}

static JSValue host_net_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 2) return JS_ThrowTypeError(ctx, "mirageHost.netWrite(handle, frame): missing arguments");
    int h = check_handle(ctx, argv[0], MIRAGE_DEV_NET, "netWrite");
    if (h < 0) return JS_EXCEPTION;
    size_t len;
    uint8_t *frame = mirage_bytes_of(ctx, argv[1], &len, "netWrite");
    if (!frame) return JS_EXCEPTION;
    size_t max = (size_t)platform_boot_info->devices[h].mtu + 14;
    if (len == 0 || len > max) return JS_ThrowRangeError(ctx, "mirageHost.netWrite: frame of %zu bytes (1..%zu allowed)", len, max);
    int r = platform_net_write((uint64_t)h, frame, len);
    return r == MIRAGE_R_OK ? JS_UNDEFINED : platform_error(ctx, r, "netWrite");
}

static JSValue host_net_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 2) return JS_ThrowTypeError(ctx, "mirageHost.netRead(handle, buf): missing arguments");
    int h = check_handle(ctx, argv[0], MIRAGE_DEV_NET, "netRead");
    if (h < 0) return JS_EXCEPTION;
    size_t size, frame_len = 0;
    uint8_t *buf = mirage_bytes_of(ctx, argv[1], &size, "netRead");
    if (!buf) return JS_EXCEPTION;
    int r = platform_net_read((uint64_t)h, buf, size, &frame_len);
    if (r == MIRAGE_R_AGAIN) return JS_NewInt32(ctx, 0);
    if (r != MIRAGE_R_OK) return platform_error(ctx, r, "netRead");
    if (frame_len > size) return JS_ThrowRangeError(ctx, "mirageHost.netRead: frame larger than the buffer");
    return JS_NewInt64(ctx, (int64_t)frame_len);
}

static JSValue host_block_acquire(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int h = acquire(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, MIRAGE_DEV_BLOCK, "blockAcquire");
    if (h < 0) return JS_EXCEPTION;
    const struct mirage_device_info *d = &platform_boot_info->devices[h];
    JSValue obj = JS_NewObject(ctx);
    if (JS_IsException(obj)) return obj;
    JS_DefinePropertyValueStr(ctx, obj, "handle", JS_NewInt32(ctx, h), JS_PROP_ENUMERABLE);
    JS_DefinePropertyValueStr(ctx, obj, "capacity", JS_NewFloat64(ctx, (double)d->capacity), JS_PROP_ENUMERABLE);
    JS_DefinePropertyValueStr(ctx, obj, "blockSize", JS_NewFloat64(ctx, (double)d->block_size), JS_PROP_ENUMERABLE);
    return obj;
}

/* Shared checks of blockRead/blockWrite; returns the data pointer or NULL. */
static uint8_t *block_args(JSContext *ctx, int argc, JSValueConst *argv, const char *call, int *h, uint64_t *offset, size_t *len)
{
    if (argc < 3) {
        JS_ThrowTypeError(ctx, "mirageHost.%s(handle, offset, buf): missing arguments", call);
        return NULL;
    }
    if ((*h = check_handle(ctx, argv[0], MIRAGE_DEV_BLOCK, call)) < 0) return NULL;
    double off;
    if (!JS_IsNumber(argv[1]) || JS_ToFloat64(ctx, &off, argv[1]) || off != floor(off) || off < 0 || off > 9007199254740991.0) {
        JS_ThrowRangeError(ctx, "mirageHost.%s: offset must be a non-negative integer", call);
        return NULL;
    }
    uint8_t *data = mirage_bytes_of(ctx, argv[2], len, call);
    if (!data) return NULL;
    const struct mirage_device_info *d = &platform_boot_info->devices[*h];
    uint64_t bs = d->block_size ? d->block_size : 512;
    *offset = (uint64_t)off;
    if (*offset % bs || *len % bs) {
        JS_ThrowRangeError(ctx, "mirageHost.%s: offset and length must be multiples of the block size (%llu)", call, (unsigned long long)bs);
        return NULL;
    }
    if (*offset > d->capacity || *len > d->capacity - *offset) {
        JS_ThrowRangeError(ctx, "mirageHost.%s: %zu bytes at %llu are past the end (capacity %llu)", call, *len,
                           (unsigned long long)*offset, (unsigned long long)d->capacity);
        return NULL;
    }
    return data;
}

/* blockRead and blockWrite: whole sectors between a Uint8Array and the device. */
static JSValue block_io(JSContext *ctx, int argc, JSValueConst *argv, bool write)
{
    const char *call = write ? "blockWrite" : "blockRead";
    int h;
    uint64_t offset;
    size_t len;
    uint8_t *data = block_args(ctx, argc, argv, call, &h, &offset, &len);
    if (!data) return JS_EXCEPTION;
    if (len == 0) return JS_UNDEFINED;
    int r = write ? platform_block_write((uint64_t)h, offset, data, len) : platform_block_read((uint64_t)h, offset, data, len);
    return r == MIRAGE_R_OK ? JS_UNDEFINED : platform_error(ctx, r, call);
}

static JSValue host_block_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return block_io(ctx, argc, argv, false);
}

static JSValue host_block_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    return block_io(ctx, argc, argv, true);
}

static const JSCFunctionListEntry io_functions[] = {
    JS_CFUNC_DEF("netAcquire", 1, host_net_acquire),
    JS_CFUNC_DEF("netWrite", 2, host_net_write),
    JS_CFUNC_DEF("netRead", 2, host_net_read),
    JS_CFUNC_DEF("blockAcquire", 1, host_block_acquire),
    JS_CFUNC_DEF("blockRead", 3, host_block_read),
    JS_CFUNC_DEF("blockWrite", 3, host_block_write),
};

int mirage_bindings_add_io(JSContext *ctx, JSValueConst host)
{
    JS_SetPropertyFunctionList(ctx, host, io_functions, sizeof io_functions / sizeof io_functions[0]);
    return 0;
}
