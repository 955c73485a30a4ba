/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bump allocator for per-message allocations: everything allocated while
 * handling one message comes from its arena and dies with it. A first block
 * can be caller-provided (on the stack); further blocks come from the heap,
 * bounded by a total ceiling.
 */
#ifndef SW_BASE_ARENA_H
#define SW_BASE_ARENA_H

#include <stddef.h>

#include "base/sv.h"

struct arena_blk;

struct arena {
    char *cur;              /* next free byte in the current block */
    char *end;              /* end of the current block */
    struct arena_blk *heap; /* heap blocks, freed at fini/reset */
    size_t used;            /* bytes handed out */
    size_t max_bytes;       /* ceiling for 'used' */
    char *first;            /* caller-provided first block (not owned) */
    size_t first_len;
};

void arena_init(struct arena *a, void *first, size_t first_len,
                size_t max_bytes);
void arena_reset(struct arena *a);
void arena_fini(struct arena *a);
/* 16-byte aligned, uninitialised; NULL when the ceiling is reached. */
void *arena_alloc(struct arena *a, size_t n);
void *arena_zalloc(struct arena *a, size_t n);
/* Copy a view into the arena (NUL-terminated); SV_NULL on failure. */
struct sv arena_dup_sv(struct arena *a, struct sv v);

#endif
