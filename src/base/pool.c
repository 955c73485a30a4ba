/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Size classes of 16 bytes up to 512, carved from 256 KiB blocks mapped
 * straight from the kernel; freed objects go on their class's free list.
 * Blocks are returned only at pool_fini: the pool holds the high-water mark
 * of the long-lived objects, which is what they are for.
 */
#include "base/pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct pool_block {
    struct pool_block *next;
    size_t len;
};

/* The block header takes one grain-aligned slot at the start. */
#define HDR_LEN \
    ((sizeof(struct pool_block) + POOL_GRAIN - 1) & ~(size_t)(POOL_GRAIN - 1))

void pool_init(struct pool *p)
{
    memset(p, 0, sizeof(*p));
    pthread_mutex_init(&p->mu, NULL);
}

void pool_fini(struct pool *p)
{
    struct pool_block *b = p->blocks;
    while (b) {
        struct pool_block *next = b->next;
        munmap(b, b->len);
        b = next;
    }
    p->blocks = NULL;
    pthread_mutex_destroy(&p->mu);
}

static size_t class_of(size_t n)
{
    return (n + POOL_GRAIN - 1) / POOL_GRAIN - 1;
}

void *pool_alloc(struct pool *p, size_t n)
{
    if (n == 0 || n > POOL_MAX_SIZE) {
        return n ? malloc(n) : NULL;
    }
    size_t c = class_of(n);
    size_t sz = (c + 1) * POOL_GRAIN;
    void *obj = NULL;

    pthread_mutex_lock(&p->mu);
    if (p->free[c]) {
        obj = p->free[c];
        memcpy(&p->free[c], obj, sizeof(void *));
    } else {
        if (!p->cur || (size_t)(p->end - p->cur) < sz) {
            void *m = mmap(NULL, POOL_BLOCK_LEN, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (m == MAP_FAILED) {
                pthread_mutex_unlock(&p->mu);
                return NULL;
            }
            struct pool_block *b = m;
            b->len = POOL_BLOCK_LEN;
            b->next = p->blocks;
            p->blocks = b;
            p->n_blocks++;
            p->cur = (char *)m + HDR_LEN;
            p->end = (char *)m + POOL_BLOCK_LEN;
        }
        obj = p->cur;
        p->cur += sz;
    }
    pthread_mutex_unlock(&p->mu);
    return obj;
}

void pool_free(struct pool *p, void *ptr, size_t n)
{
    if (!ptr) {
        return;
    }
    if (n > POOL_MAX_SIZE) {
        free(ptr);
        return;
    }
    size_t c = class_of(n);
    pthread_mutex_lock(&p->mu);
    memcpy(ptr, &p->free[c], sizeof(void *));
    p->free[c] = ptr;
    pthread_mutex_unlock(&p->mu);
}

size_t pool_bytes(const struct pool *p)
{
    return p->n_blocks * POOL_BLOCK_LEN;
}
