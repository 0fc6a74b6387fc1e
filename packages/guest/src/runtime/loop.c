/*
 * The event loop, exactly as packages/platform-unikernel/src/bindings.ts describes it:
 * run pending jobs until none; call the idle handler with the ready set, which
 * delivers frames and runs due timers and returns the next deadline (monotonic ns)
 * or -1; run jobs again; then sleep in platform_poll until that deadline or network
 * input (if those last jobs ran anything, the handler is asked again first, as they
 * may have set an earlier timer). When no deadline, no acquired net device and no job remain, nothing can
 * ever happen again: say so and exit 1 (an app ends by calling mirageHost.exit).
 */
#include <math.h>

#include "js-runtime.h"

JSValue mirage_idle_handler = {.tag = JS_TAG_UNDEFINED}; /* JS_UNDEFINED, as a constant */
uint64_t mirage_net_acquired;

#define NO_DEADLINE UINT64_MAX

/* Returns how many jobs ran. */
static unsigned long run_jobs(JSContext *ctx)
{
    JSRuntime *rt = JS_GetRuntime(ctx);
    unsigned long ran = 0;
    for (;;) {
        JSContext *job_ctx;
        int r = JS_ExecutePendingJob(rt, &job_ctx);
        if (r == 0) break;
        if (r < 0) mirage_die_with_exception(job_ctx, "Uncaught ");
        ran++;
    }
    mirage_check_rejections(ctx);
    return ran;
}

/* Calls the idle handler; returns its deadline in ns, or NO_DEADLINE. */
static uint64_t call_idle_handler(JSContext *ctx, uint64_t ready)
{
    JSValue arg = JS_NewInt64(ctx, (int64_t)ready);
    JSValue handler = JS_DupValue(ctx, mirage_idle_handler); /* it may replace itself */
    JSValue ret = JS_Call(ctx, handler, JS_UNDEFINED, 1, &arg);
    JS_FreeValue(ctx, handler);
    if (JS_IsException(ret)) mirage_die_with_exception(ctx, "Uncaught ");
    double d;
    int bad = JS_ToFloat64(ctx, &d, ret);
    JS_FreeValue(ctx, ret);
    if (bad) mirage_die_with_exception(ctx, "Uncaught ");
    if (isnan(d)) {
        mirage_console_printf(2, "mirage guest: the idle handler returned NaN instead of a deadline\n");
        platform_halt(1, NULL);
    }
    if (d < 0) return NO_DEADLINE;
    if (d >= 18446744073709549568.0) return NO_DEADLINE - 1;
    return (uint64_t)d;
}

_Noreturn void mirage_event_loop(JSContext *ctx)
{
    uint64_t ready = 0;
    for (;;) {
        run_jobs(ctx);
        uint64_t deadline = NO_DEADLINE;
        if (!JS_IsUndefined(mirage_idle_handler)) {
            deadline = call_idle_handler(ctx, ready);
            /* Jobs run after the handler may have set a timer its deadline does not
             * know about: ask the handler again before sleeping. */
            if (run_jobs(ctx) > 0) {
                ready = 0;
                continue;
            }
        }
        if (deadline == NO_DEADLINE && mirage_net_acquired == 0) {
            mirage_console_printf(2, "mirage guest: nothing left to do (no timer, no network device, no pending job) "
                                     "and the app did not call exit; exiting with status 1\n");
            platform_halt(1, NULL);
        }
        ready = platform_poll(deadline);
    }
}
