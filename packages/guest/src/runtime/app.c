/*
 * Starts QuickJS with limits derived from the boot info, loads the app's bytecode,
 * and reports what kills an app: an uncaught exception or a rejection nobody handled
 * by the time the job queue drains (like Node), with the error's stack, exit 1.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "js-runtime.h"

#define MIB ((size_t)1 << 20)
#define STACK_HEAD_LINES 20
#define STACK_TAIL_LINES 5

static JSRuntime *js_rt;
static size_t js_memory_limit, js_memory_spare;

struct rejection {
    JSValue promise, reason;
};
static struct rejection *rejections;
static size_t rejection_count, rejection_cap;

static void track_rejection(JSContext *ctx, JSValueConst promise, JSValueConst reason, JS_BOOL is_handled, void *opaque)
{
    (void)opaque;
    if (is_handled) {
        for (size_t i = 0; i < rejection_count; i++) {
            if (JS_VALUE_GET_PTR(rejections[i].promise) != JS_VALUE_GET_PTR(promise)) continue;
            JS_FreeValue(ctx, rejections[i].promise);
            JS_FreeValue(ctx, rejections[i].reason);
            rejections[i] = rejections[--rejection_count];
            return;
        }
        return;
    }
    if (rejection_count == rejection_cap) {
        size_t cap = rejection_cap ? rejection_cap * 2 : 8;
        struct rejection *grown = realloc(rejections, cap * sizeof *grown);
        if (!grown) mirage_fatal("mirage guest: out of memory tracking a rejected promise");
        rejections = grown;
        rejection_cap = cap;
    }
    rejections[rejection_count].promise = JS_DupValue(ctx, promise);
    rejections[rejection_count].reason = JS_DupValue(ctx, reason);
    rejection_count++;
}

/* Gives the reporter the memory kept in reserve, so "out of memory" can be printed. */
static void release_spare_memory(void)
{
    if (js_rt) JS_SetMemoryLimit(js_rt, js_memory_limit + js_memory_spare);
}

/* Prints a stack trace, eliding the middle of a very deep one (a stack overflow
 * has thousands of frames). */
static void print_stack(const char *s)
{
    size_t lines = 0;
    for (const char *p = s; *p; p++) lines += *p == '\n';
    size_t line = 0;
    const char *p = s;
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (line < STACK_HEAD_LINES || line + STACK_TAIL_LINES >= lines) {
            mirage_console(2, p, len);
            mirage_console(2, "\n", 1);
        } else if (line == STACK_HEAD_LINES) {
            mirage_console_printf(2, "    ... %zu more frames ...\n", lines - STACK_HEAD_LINES - STACK_TAIL_LINES);
        }
        line++;
        p += len + (end != NULL);
    }
}

/*
 * QuickJS's allocation hooks: its default accounting against the memory limit, plus
 * a count of the requests refused. When memory runs out QuickJS throws
 * InternalError "out of memory", but when even that error cannot be allocated the
 * exception is left as `null`, and the app fails with a bare "null"; the count
 * tells the two apart from an app that threw null itself.
 */
static size_t js_refusals;

static void *js_hook_malloc(JSMallocState *s, size_t size)
{
    void *p = s->malloc_size + size > s->malloc_limit ? NULL : malloc(size);
    if (!p) {
        js_refusals++;
        return NULL;
    }
    s->malloc_count++;
    s->malloc_size += malloc_usable_size(p);
    return p;
}

static void js_hook_free(JSMallocState *s, void *p)
{
    if (!p) return;
    s->malloc_count--;
    s->malloc_size -= malloc_usable_size(p);
    free(p);
}

static void *js_hook_realloc(JSMallocState *s, void *p, size_t size)
{
    if (!p) return size ? js_hook_malloc(s, size) : NULL;
    if (size == 0) {
        js_hook_free(s, p);
        return NULL;
    }
    size_t old = malloc_usable_size(p);
    void *q = s->malloc_size - old + size > s->malloc_limit ? NULL : realloc(p, size);
    if (!q) {
        js_refusals++;
        return NULL;
    }
    s->malloc_size = s->malloc_size - old + malloc_usable_size(q);
    return q;
}

static size_t js_hook_usable_size(const void *p)
{
    return malloc_usable_size((void *)p);
}

static const JSMallocFunctions js_hooks = {js_hook_malloc, js_hook_free, js_hook_realloc, js_hook_usable_size};

/* Whether memory ran out: QuickJS or the C side was refused an allocation. */
bool mirage_out_of_memory(void)
{
    struct mg_heap_stats st;
    mg_heap_stats(&st);
    return js_refusals > 0 || st.failures > 0;
}

void mirage_report_out_of_memory(void)
{
    if (mirage_out_of_memory())
        mirage_console_printf(2, "mirage guest: out of memory (%zu KiB for JS); raise --mem\n", js_memory_limit / 1024);
}

void mirage_print_value(JSContext *ctx, JSValueConst value, const char *prefix)
{
    if (JS_IsNull(value) && mirage_out_of_memory()) {
        mirage_console_printf(2, "%sInternalError: out of memory\n", prefix);
        return;
    }
    const char *text = JS_ToCString(ctx, value);
    mirage_console_printf(2, "%s%s\n", prefix, text ? text : "[value could not be converted to a string]");
    if (text) JS_FreeCString(ctx, text);
    else JS_FreeValue(ctx, JS_GetException(ctx));
    if (!JS_IsError(ctx, value)) return;
    JSValue stack = JS_GetPropertyStr(ctx, value, "stack");
    if (!JS_IsUndefined(stack) && !JS_IsException(stack)) {
        const char *s = JS_ToCString(ctx, stack);
        if (s) {
            print_stack(s);
            JS_FreeCString(ctx, s);
        }
    }
    JS_FreeValue(ctx, stack);
}

_Noreturn void mirage_die_with_exception(JSContext *ctx, const char *prefix)
{
    release_spare_memory();
    JSValue exc = JS_GetException(ctx);
    mirage_print_value(ctx, exc, prefix);
    mirage_report_out_of_memory();
    platform_halt(1, NULL); /* the error is already on stderr */
}

void mirage_check_rejections(JSContext *ctx)
{
    if (rejection_count == 0) return;
    release_spare_memory();
    mirage_print_value(ctx, rejections[0].reason, "Uncaught (in promise) ");
    if (rejection_count > 1) mirage_console_printf(2, "(and %zu more unhandled rejections)\n", rejection_count - 1);
    mirage_report_out_of_memory();
    platform_halt(1, NULL);
}

/* JS gets the heap minus a spare part for the C side and for reporting errors. */
static void set_limits(JSRuntime *rt)
{
    struct mg_heap_stats st;
    mg_heap_stats(&st);
    size_t heap = st.top_bytes;
    js_memory_spare = heap / 16 < MIB ? MIB : heap / 16;
    if (js_memory_spare > 8 * MIB) js_memory_spare = 8 * MIB;
    js_memory_limit = heap > 2 * js_memory_spare ? heap - 2 * js_memory_spare : heap / 2;
    JS_SetMemoryLimit(rt, js_memory_limit);
    /* QuickJS checks its stack at JS calls, the parser and regexps; C frames between
     * checks (and this report's own frames) need the rest. */
    JS_SetMaxStackSize(rt, mirage_stack_reserve - mirage_stack_reserve / 4);
}

_Noreturn void mirage_run_app(void)
{
    JSRuntime *rt = JS_NewRuntime2(&js_hooks, NULL);
    if (!rt) mirage_fatal("mirage guest: cannot create the JS runtime (heap too small?)");
    js_rt = rt;
    set_limits(rt);
    JS_SetHostPromiseRejectionTracker(rt, track_rejection, NULL);
    JSContext *ctx = JS_NewContext(rt);
    if (!ctx) mirage_fatal("mirage guest: cannot create the JS context (heap too small?)");
    if (mirage_install_bindings(ctx) < 0) mirage_die_with_exception(ctx, "mirage guest: installing mirageHost: ");

    JSValue fn = JS_ReadObject(ctx, mirage_app_bytecode, (size_t)mirage_app_bytecode_len, JS_READ_OBJ_BYTECODE);
    if (JS_IsException(fn)) mirage_die_with_exception(ctx, "mirage guest: loading the app's bytecode: ");
    JSValue result = JS_EvalFunction(ctx, fn); /* consumes fn */
    if (JS_IsException(result)) mirage_die_with_exception(ctx, "Uncaught ");
    JS_FreeValue(ctx, result);
    mirage_event_loop(ctx);
}
