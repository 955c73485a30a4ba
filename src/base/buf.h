/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growable byte buffer with a ceiling fixed at init. Appends past the
 * ceiling fail with -ENOSPC and leave the buffer unchanged, so a builder
 * can write freely and check once at the end via buf->err.
 */
#ifndef SW_BASE_BUF_H
#define SW_BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "base/sv.h"

struct buf {
    char *p;        /* owned heap storage, NUL-terminated when len < cap */
    size_t len;     /* bytes used */
    size_t cap;     /* bytes allocated */
    size_t max_len; /* ceiling for len */
    int err;        /* first error seen by an append (sticky), 0 if none */
};

void buf_init(struct buf *b, size_t max_len);
void buf_fini(struct buf *b);
void buf_reset(struct buf *b);
int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t len);
int buf_append_sv(struct buf *b, struct sv v);
int buf_append_cstr(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Drop the first n bytes (stream consumers). */
void buf_consume(struct buf *b, size_t n);

static inline struct sv buf_sv(const struct buf *b)
{
    return sv_make(b->p, b->len);
}

#endif
