/*
 * The only native code of the unix target: open a Linux tap device and watch its
 * fd for readability. Frames themselves are read and written from JavaScript with
 * node:fs on the returned fd; nothing here looks at them.
 *
 *   open(name: string) -> fd (number)      throws Error with .code = errno name
 *   watch(fd, onReadable) -> handle        calls onReadable() when fd is readable
 *   unwatch(handle)                        stops watching; the fd stays open
 *
 * Why a watcher: libuv classifies a tap fd as a file, so net.Socket refuses it and
 * fs reads run on the thread pool; a uv_poll_t on the main loop wakes us only when
 * a frame is queued, with no thread and no busy loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static napi_value throw_errno(napi_env env, int err, const char *what) {
  napi_value msg, code, error;
  char text[256];
  snprintf(text, sizeof text, "%s: %s", what, strerror(err));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
  /* The errno symbol (ENOENT, EPERM, ...) so JS can explain what to do. */
  const char *name = err == ENOENT ? "ENOENT" : err == EPERM ? "EPERM" : err == EACCES ? "EACCES"
                   : err == EBUSY ? "EBUSY" : err == EINVAL ? "EINVAL" : err == ENODEV ? "ENODEV" : "EIO";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_set_named_property(env, error, "code", code);
  napi_throw(env, error);
  return NULL;
}

static napi_value tap_open(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1], result;
  char name[IFNAMSIZ + 1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(name): name must be a string");
    return NULL;
  }
  if (len == 0 || len >= IFNAMSIZ) return throw_errno(env, EINVAL, "tap name must be 1-15 bytes");
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "open /dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI; /* raw Ethernet frames, no packet-info prefix */
  memcpy(ifr.ifr_name, name, len);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, err, "TUNSETIFF");
  }
  CHECK(napi_create_int32(env, fd, &result));
  return result;
}

/* A watcher lives until both its uv handle is closed and its JS handle is collected. */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int state; /* 0 watching, 1 closing, 2 closed */
  int finalized;
} watcher_t;

static void on_poll(uv_poll_t *poll, int status, int events) {
  watcher_t *w = (watcher_t *)poll->data;
  napi_handle_scope scope;
  napi_value callback, recv, result, args[2];
  napi_open_handle_scope(w->env, &scope);
  napi_get_reference_value(w->env, w->callback, &callback);
  napi_get_global(w->env, &recv); /* make_callback wants an object receiver */
  napi_create_int32(w->env, status, &args[0]);
  napi_create_int32(w->env, events, &args[1]);
  /* make_callback (not call_function) so promise jobs queued by JS run afterwards. */
  if (napi_make_callback(w->env, w->context, recv, callback, 2, args, &result) == napi_pending_exception) {
    /* Nobody above us can catch it: report it like any uncaught exception. */
    napi_value error;
    napi_get_and_clear_last_exception(w->env, &error);
    napi_fatal_exception(w->env, error);
  }
  napi_close_handle_scope(w->env, scope);
}

static void on_close(uv_handle_t *handle) {
  watcher_t *w = handle->data;
  w->state = 2;
  if (w->finalized) free(w);
}

static void stop(napi_env env, watcher_t *w) {
  if (w->state != 0) return;
  w->state = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(env, w->callback);
  napi_async_destroy(env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_close);
}

static void on_finalize(napi_env env, void *data, void *hint) {
  watcher_t *w = data;
  (void)hint;
  w->finalized = 1;
  if (w->state == 0) stop(env, w);
  else if (w->state == 2) free(w);
}

static napi_value tap_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name, external;
  napi_valuetype type;
  int32_t fd;
  uv_loop_t *loop;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "watch(fd, onReadable): bad arguments");
    return NULL;
  }
  CHECK(napi_get_uv_event_loop(env, &loop));
  watcher_t *w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "watch");
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w); /* uv_poll_init failed before registering the handle */
    return throw_errno(env, -rc, "uv_poll_init");
  }
  w->env = env;
  w->poll.data = w;
  CHECK(napi_create_reference(env, argv[1], 1, &w->callback));
  CHECK(napi_create_string_utf8(env, "mirage_tap", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &w->context));
  CHECK(napi_create_external(env, w, on_finalize, NULL, &external));
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);
  if (rc != 0) {
    stop(env, w);
    return throw_errno(env, -rc, "uv_poll_start");
  }
  return external;
}

static napi_value tap_unwatch(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "unwatch(handle): not a watcher");
    return NULL;
  }
  stop(env, (watcher_t *)data);
  return NULL;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value fn;
  CHECK(napi_create_function(env, "open", NAPI_AUTO_LENGTH, tap_open, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "open", fn));
  CHECK(napi_create_function(env, "watch", NAPI_AUTO_LENGTH, tap_watch, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "watch", fn));
  CHECK(napi_create_function(env, "unwatch", NAPI_AUTO_LENGTH, tap_unwatch, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "unwatch", fn));
  return exports;
}
