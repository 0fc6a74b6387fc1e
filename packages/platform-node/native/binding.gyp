{
  "targets": [
    {
      "target_name": "mirage_tap",
      "sources": ["tap.c"],
      "cflags": ["-Wall", "-Wextra", "-Werror"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
