/*
 * globalThis.mirageHost: the contract in packages/platform-unikernel/src/bindings.ts.
 * This file has the console, clocks, entropy, argv, idle handler and exit; the
 * devices are in bindings-io.c. Every argument is checked and a bad one throws a JS
 * error naming the call; nothing here trusts JS values.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "js-runtime.h"

/* Bytes of a typed array (a view on an ArrayBuffer), or NULL with an exception set. */
uint8_t *mirage_bytes_of(JSContext *ctx, JSValueConst v, size_t *len, const char *call);

uint8_t *mirage_bytes_of(JSContext *ctx, JSValueConst v, size_t *len, const char *call)
{
    size_t offset, length, per_element;
    if (!JS_IsObject(v)) {
        JS_ThrowTypeError(ctx, "mirageHost.%s: expected a Uint8Array", call);
        return NULL;
    }
    JSValue buffer = JS_GetTypedArrayBuffer(ctx, v, &offset, &length, &per_element);
    if (JS_IsException(buffer)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        JS_ThrowTypeError(ctx, "mirageHost.%s: expected a Uint8Array", call);
        return NULL;
    }
    size_t buffer_len;
    uint8_t *base = JS_GetArrayBuffer(ctx, &buffer_len, buffer);
    JS_FreeValue(ctx, buffer);
    if (!base) return NULL; /* detached: QuickJS has thrown a TypeError */
    if (offset > buffer_len || length > buffer_len - offset) {
        JS_ThrowRangeError(ctx, "mirageHost.%s: view outside its buffer", call);
        return NULL;
    }
    *len = length;
    return base + offset;
}

JSValue mirage_throw_error(JSContext *ctx, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    JSValue err = JS_NewError(ctx);
    if (JS_IsException(err)) return err;
    JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    return JS_Throw(ctx, err);
}

static JSValue host_console_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int32_t stream;
    if (argc < 2 || JS_ToInt32(ctx, &stream, argv[0])) return JS_ThrowTypeError(ctx, "mirageHost.consoleWrite(stream, text): missing arguments");
    if (stream != 1 && stream != 2) return JS_ThrowRangeError(ctx, "mirageHost.consoleWrite: stream must be 1 or 2, got %d", stream);
    size_t len;
    const char *text = JS_ToCStringLen(ctx, &len, argv[1]);
    if (!text) return JS_EXCEPTION;
    mirage_console(stream, text, len);
    JS_FreeCString(ctx, text);
    return JS_UNDEFINED;
}

static JSValue host_monotonic_ns(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewFloat64(ctx, (double)platform_monotonic_ns());
}

static JSValue host_wall_clock_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val, (void)argc, (void)argv;
    return JS_NewFloat64(ctx, (double)platform_walltime_ns() / 1e6);
}

static JSValue host_entropy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    size_t len;
    uint8_t *buf = mirage_bytes_of(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, &len, "entropy");
    if (!buf) return JS_EXCEPTION;
    mirage_entropy_fill(buf, len);
    return JS_UNDEFINED;
}

static JSValue host_set_idle_handler(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 1 || !JS_IsFunction(ctx, argv[0])) return JS_ThrowTypeError(ctx, "mirageHost.setIdleHandler: expected a function");
    JS_FreeValue(ctx, mirage_idle_handler);
    mirage_idle_handler = JS_DupValue(ctx, argv[0]);
    return JS_UNDEFINED;
}

static JSValue host_exit(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    double code;
    if (argc < 1 || !JS_IsNumber(argv[0]) || JS_ToFloat64(ctx, &code, argv[0]) || code != floor(code) || code < 0 || code > 255)
        return JS_ThrowRangeError(ctx, "mirageHost.exit: the code must be an integer in 0..255");
    /* The app's runtime printed why it fails; say so when memory ran out (its
     * message may then be a bare "null", see mirage_out_of_memory). */
    if (code != 0) mirage_report_out_of_memory();
    platform_halt((int)code, NULL); /* the console is unbuffered: nothing to flush */
}

static const JSCFunctionListEntry host_functions[] = {
    JS_CFUNC_DEF("consoleWrite", 2, host_console_write),
    JS_CFUNC_DEF("monotonicNs", 0, host_monotonic_ns),
    JS_CFUNC_DEF("wallClockMs", 0, host_wall_clock_ms),
    JS_CFUNC_DEF("entropy", 1, host_entropy),
    JS_CFUNC_DEF("setIdleHandler", 1, host_set_idle_handler),
    JS_CFUNC_DEF("exit", 1, host_exit),
};

static JSValue make_argv(JSContext *ctx)
{
    JSValue arr = JS_NewArray(ctx);
    if (JS_IsException(arr)) return arr;
    const struct mirage_boot_info *bi = platform_boot_info;
    char *const *args = (char *const *)(uintptr_t)bi->argv;
    for (uint64_t i = 0; args && i < bi->argc; i++) {
        if (!args[i]) break;
        if (JS_SetPropertyUint32(ctx, arr, (uint32_t)i, JS_NewString(ctx, args[i])) < 0) {
            JS_FreeValue(ctx, arr);
            return JS_EXCEPTION;
        }
    }
    return arr;
}

int mirage_install_bindings(JSContext *ctx)
{
    JSValue host = JS_NewObject(ctx);
    if (JS_IsException(host)) return -1;
    JS_SetPropertyFunctionList(ctx, host, host_functions, sizeof host_functions / sizeof host_functions[0]);
    const char *target = mirage_app_target == MIRAGE_TARGET_HVT ? "hvt" : "spt";
    JSValue argv = make_argv(ctx);
    if (JS_IsException(argv)) goto fail;
    if (JS_DefinePropertyValueStr(ctx, host, "abiVersion", JS_NewInt32(ctx, MIRAGE_ABI_VERSION), JS_PROP_ENUMERABLE) < 0 ||
        JS_DefinePropertyValueStr(ctx, host, "target", JS_NewString(ctx, target), JS_PROP_ENUMERABLE) < 0 ||
        JS_DefinePropertyValueStr(ctx, host, "argv", argv, JS_PROP_ENUMERABLE) < 0 ||
        mirage_bindings_add_io(ctx, host) < 0)
        goto fail;
    JSValue global = JS_GetGlobalObject(ctx);
    int r = JS_DefinePropertyValueStr(ctx, global, "mirageHost", host, JS_PROP_CONFIGURABLE);
    JS_FreeValue(ctx, global);
    return r < 0 ? -1 : 0;
fail:
    JS_FreeValue(ctx, host);
    return -1;
}
