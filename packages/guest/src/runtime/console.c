/*
 * Console output and the stdio entry points QuickJS uses (printf, fprintf, fputc
 * ...). musl's own stdout/stderr would write through writev/ioctl system calls,
 * so stdout and stderr here are two tokens (not real FILEs: only the calls below
 * accept them), and every write goes straight to platform_console_write,
 * unbuffered (the JS side writes whole lines).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define CONSOLE_CHUNK 65536 /* the hvt console hypercall takes at most 64 KiB */

static unsigned char stdout_token, stderr_token, stdin_token;
FILE *const stdout = (FILE *)&stdout_token;
FILE *const stderr = (FILE *)&stderr_token;
FILE *const stdin = (FILE *)&stdin_token;

/* Stream 2 for stderr, 1 for anything else (there are no other open files). */
static int stream_of(FILE *f) { return f == stderr ? 2 : 1; }

void mirage_console(int stream, const char *data, size_t len)
{
    while (len > 0) {
        size_t n = len < CONSOLE_CHUNK ? len : CONSOLE_CHUNK;
        if (platform_console_write_stream) platform_console_write_stream(stream, data, n);
        else platform_console_write(data, n); /* one stream: the tender's stdout */
        data += n;
        len -= n;
    }
}

static int console_vprintf(int stream, const char *fmt, va_list ap)
{
    char small[512];
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0) return n;
    if ((size_t)n < sizeof small) {
        mirage_console(stream, small, (size_t)n);
        return n;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        mirage_console(stream, small, sizeof small - 1);
        return n;
    }
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    mirage_console(stream, big, (size_t)n);
    free(big);
    return n;
}

void mirage_console_printf(int stream, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    console_vprintf(stream, fmt, ap);
    va_end(ap);
}

_Noreturn void mirage_fatal(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg - 1, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n > sizeof msg - 2) n = sizeof msg - 2;
    msg[n] = '\n';
    mirage_console(2, msg, (size_t)n + 1);
    platform_halt(1, NULL); /* the reason is on stderr already */
}

/* Not vfprintf: musl's snprintf family formats through it into string FILEs. */
int vprintf(const char *fmt, va_list ap) { return console_vprintf(1, fmt, ap); }

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = console_vprintf(stream_of(f), fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = console_vprintf(1, fmt, ap);
    va_end(ap);
    return n;
}

/* Not fwrite: musl's vfprintf needs __fwritex, which shares fwrite's archive member. */

int fputs(const char *s, FILE *f)
{
    mirage_console(stream_of(f), s, strlen(s));
    return 0;
}

int puts(const char *s)
{
    mirage_console(1, s, strlen(s));
    mirage_console(1, "\n", 1);
    return 0;
}

int fputc(int c, FILE *f)
{
    char ch = (char)c;
    mirage_console(stream_of(f), &ch, 1);
    return (unsigned char)c;
}

int putc(int c, FILE *f) { return fputc(c, f); }
int putchar(int c) { return fputc(c, stdout); }
int fflush(FILE *f) { (void)f; return 0; }

/* musl locks FILEs (its string FILEs too) with futex-based locks; with one thread
 * they are never contended, and these keep the futex system calls out of the image. */
int __lockfile(FILE *f);
void __unlockfile(FILE *f);
void __lock(volatile int *l);
void __unlock(volatile int *l);
int __lockfile(FILE *f) { (void)f; return 1; }
void __unlockfile(FILE *f) { (void)f; }
void __lock(volatile int *l) { (void)l; }
void __unlock(volatile int *l) { (void)l; }
