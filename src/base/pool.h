/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A size-class allocator for small, long-lived objects (bindings, cache
 * entries). They come from their own large blocks, apart from the heap
 * where per-message and per-transaction memory churns, so memory freed by
 * short-lived objects can go back to the system instead of being pinned by
 * a long-lived neighbour on the same page. Thread-safe (one mutex).
 */
#ifndef SW_BASE_POOL_H
#define SW_BASE_POOL_H

#include <pthread.h>
#include <stddef.h>

#define POOL_GRAIN     16
#define POOL_MAX_SIZE  512 /* larger requests go to malloc */
#define POOL_N_CLASSES (POOL_MAX_SIZE / POOL_GRAIN)
#define POOL_BLOCK_LEN (256u * 1024u)

struct pool_block;

struct pool {
    pthread_mutex_t mu;
    void *free[POOL_N_CLASSES]; /* free lists, one per size class */
    struct pool_block *blocks;  /* all blocks, for pool_fini */
    char *cur;                  /* unused tail of the newest block */
    char *end;
    size_t n_blocks;
};

void pool_init(struct pool *p);
/* Release every block (objects still allocated become invalid). */
void pool_fini(struct pool *p);
/* 16-byte aligned, uninitialised; NULL when out of memory. */
void *pool_alloc(struct pool *p, size_t n);
/* 'n' must be the size given to pool_alloc. NULL is a no-op. */
void pool_free(struct pool *p, void *ptr, size_t n);
/* Bytes held in blocks (used or free), for memory figures. */
size_t pool_bytes(const struct pool *p);

#endif
