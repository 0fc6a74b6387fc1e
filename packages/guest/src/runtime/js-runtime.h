/* The QuickJS half of the runtime: shared between app.c, bindings*.c and loop.c. */
#ifndef MIRAGE_JS_RUNTIME_H
#define MIRAGE_JS_RUNTIME_H

#include <stdbool.h>

#include "quickjs.h"
#include "runtime.h"

/* Installs globalThis.mirageHost (bindings.c). */
int mirage_install_bindings(JSContext *ctx);
int mirage_bindings_add_io(JSContext *ctx, JSValueConst host); /* bindings-io.c */

/* Throws a plain Error with a formatted message; returns JS_EXCEPTION (bindings.c). */
JSValue mirage_throw_error(JSContext *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Event-loop state the bindings set (loop.c). */
extern JSValue mirage_idle_handler; /* JS_UNDEFINED until setIdleHandler */
extern uint64_t mirage_net_acquired; /* bit i: net handle i was acquired */

/* Runs jobs, the idle handler and platform_poll until the app exits (loop.c). */
_Noreturn void mirage_event_loop(JSContext *ctx);

/* Error reporting (app.c): prints the pending exception with its stack and exits 1. */
_Noreturn void mirage_die_with_exception(JSContext *ctx, const char *prefix);
void mirage_print_value(JSContext *ctx, JSValueConst value, const char *prefix);
/* Whether memory ran out (app.c), and a one-line hint on stderr if so. */
bool mirage_out_of_memory(void);
void mirage_report_out_of_memory(void);
/* Unhandled rejections: called after the job queue is empty; exits 1 if any remain. */
void mirage_check_rejections(JSContext *ctx);

#endif /* MIRAGE_JS_RUNTIME_H */
