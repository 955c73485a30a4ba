/* SPDX-License-Identifier: Apache-2.0 */
/* Bump allocator with an optional caller-provided first block. */
#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_blk {
    struct arena_blk *next;
    size_t len;
    _Alignas(16) char data[];
};

void arena_init(struct arena *a, void *first, size_t first_len,
                size_t max_bytes)
{
    memset(a, 0, sizeof(*a));
    a->first = first;
    a->first_len = first_len;
    a->max_bytes = max_bytes;
    a->cur = first;
    a->end = first ? (char *)first + first_len : NULL;
}

void arena_fini(struct arena *a)
{
    struct arena_blk *b = a->heap;
    while (b) {
        struct arena_blk *next = b->next;
        free(b);
        b = next;
    }
    a->heap = NULL;
}

void arena_reset(struct arena *a)
{
    arena_fini(a);
    arena_init(a, a->first, a->first_len, a->max_bytes);
}

void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0 || n > a->max_bytes - a->used) {
        return NULL;
    }
    uintptr_t cur = ((uintptr_t)a->cur + 15) & ~(uintptr_t)15;
    if (a->cur && cur + n <= (uintptr_t)a->end) {
        a->cur = (char *)(cur + n);
        a->used += n;
        return (void *)cur;
    }
    size_t blk_len = n > 4096 ? n : 4096;
    struct arena_blk *b = malloc(sizeof(*b) + blk_len);
    if (!b) {
        return NULL;
    }
    b->next = a->heap;
    b->len = blk_len;
    a->heap = b;
    a->cur = b->data + n;
    a->end = b->data + blk_len;
    a->used += n;
    return b->data;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p) {
        memset(p, 0, n);
    }
    return p;
}

struct sv arena_dup_sv(struct arena *a, struct sv v)
{
    char *p = arena_alloc(a, v.len + 1);
    if (!p) {
        return SV_NULL;
    }
    if (v.len) {
        memcpy(p, v.p, v.len);
    }
    p[v.len] = '\0';
    return sv_make(p, v.len);
}
