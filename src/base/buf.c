/* SPDX-License-Identifier: Apache-2.0 */
/* Growable, capped byte buffer. */
#include "base/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_init(struct buf *b, size_t max_len)
{
    memset(b, 0, sizeof(*b));
    b->max_len = max_len;
}

void buf_fini(struct buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->err = 0;
    if (b->p) {
        b->p[0] = '\0';
    }
}

int buf_reserve(struct buf *b, size_t extra)
{
    if (b->err) {
        return b->err;
    }
    if (extra > b->max_len - b->len) {
        b->err = -ENOSPC;
        return b->err;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->err = -ENOMEM;
        return b->err;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

int buf_append(struct buf *b, const void *p, size_t len)
{
    int rc = buf_reserve(b, len);
    if (rc) {
        return rc;
    }
    if (len) {
        memcpy(b->p + b->len, p, len);
    }
    b->len += len;
    b->p[b->len] = '\0';
    return 0;
}

int buf_append_sv(struct buf *b, struct sv v)
{
    return buf_append(b, v.p, v.len);
}

int buf_append_cstr(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_append_char(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    if (b->err) {
        return b->err;
    }
    /* Format straight into the free space first: one pass when it fits
     * (the usual case once the buffer has grown), two when it does not. */
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    va_list ap2;
    va_copy(ap2, ap);
    int n = room ? vsnprintf(b->p + b->len, room, fmt, ap2)
                 : vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        if (b->p) {
            b->p[b->len] = '\0';
        }
        b->err = -EINVAL;
        return -EINVAL;
    }
    if ((size_t)n < room && (size_t)n <= b->max_len - b->len) {
        b->len += (size_t)n;
        return 0;
    }
    if (b->p) {
        b->p[b->len] = '\0'; /* undo the truncated attempt */
    }
    int rc = buf_reserve(b, (size_t)n);
    if (rc) {
        return rc;
    }
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->p, b->p + n, b->len - n);
        b->len -= n;
    }
    if (b->p) {
        b->p[b->len] = '\0';
    }
}
