/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The failure table: a flat array scanned linearly. Sign-ins are rare and
 * each costs an Argon2 verification, so a scan of a few thousand entries
 * is noise; in exchange there is no hashing to attack and eviction is
 * simple. Each entry keeps a fixed-window count (window starts at its
 * first failure) and the end of its block.
 */
#include "admin/throttle.h"

#include <stdlib.h>
#include <string.h>

struct thr_entry {
    uint8_t ip[16];
    bool used;
    uint32_t count;            /* failures in the current window */
    uint64_t window_start_ms;  /* first failure of the window */
    uint64_t last_ms;          /* latest failure */
    uint64_t blocked_until_ms; /* 0 = not blocked */
};

struct admin_throttle {
    uint32_t cap;
    uint32_t n_used;
    struct thr_entry e[];
};

struct admin_throttle *admin_throttle_new(uint32_t cap)
{
    if (cap < 16 || cap > (1u << 20)) {
        return NULL;
    }
    struct admin_throttle *t =
        calloc(1, sizeof(*t) + (size_t)cap * sizeof(t->e[0]));
    if (t) {
        t->cap = cap;
    }
    return t;
}

void admin_throttle_free(struct admin_throttle *t)
{
    free(t);
}

/* Index of the entry of 'ip16', or t->cap when there is none. */
static uint32_t find(const struct admin_throttle *t, const uint8_t ip16[16])
{
    for (uint32_t i = 0; i < t->cap; i++) {
        if (t->e[i].used && memcmp(t->e[i].ip, ip16, 16) == 0) {
            return i;
        }
    }
    return t->cap;
}

/* A free slot, else the entry that matters least: not blocked and stalest,
 * or, when everything is blocked, the block that ends first. */
static struct thr_entry *slot(struct admin_throttle *t, uint64_t now_ms)
{
    struct thr_entry *best = NULL;
    bool best_blocked = true;
    for (uint32_t i = 0; i < t->cap; i++) {
        struct thr_entry *e = &t->e[i];
        if (!e->used) {
            return e;
        }
        bool blocked = e->blocked_until_ms > now_ms;
        if (!best || (best_blocked && !blocked)) {
            best = e;
            best_blocked = blocked;
            continue;
        }
        if (blocked == best_blocked
            && (blocked ? e->blocked_until_ms < best->blocked_until_ms
                        : e->last_ms < best->last_ms)) {
            best = e;
        }
    }
    t->n_used--;
    return best;
}

bool admin_throttle_blocked(const struct admin_throttle *t,
                            const uint8_t ip16[16], uint64_t now_ms,
                            uint32_t *left_s)
{
    uint32_t i = find(t, ip16);
    if (i == t->cap || t->e[i].blocked_until_ms <= now_ms) {
        return false;
    }
    const struct thr_entry *e = &t->e[i];
    if (left_s) {
        *left_s = (uint32_t)((e->blocked_until_ms - now_ms + 999) / 1000);
    }
    return true;
}

bool admin_throttle_fail(struct admin_throttle *t, const uint8_t ip16[16],
                         uint64_t now_ms, uint32_t max_failures,
                         uint32_t period_s, uint32_t block_s, uint32_t *count)
{
    uint32_t i = find(t, ip16);
    struct thr_entry *e = i < t->cap ? &t->e[i] : NULL;
    if (!e) {
        e = slot(t, now_ms);
        memset(e, 0, sizeof(*e));
        memcpy(e->ip, ip16, 16);
        e->used = true;
        t->n_used++;
    }
    bool was_blocked = e->blocked_until_ms > now_ms;
    if (e->count == 0 || now_ms - e->window_start_ms >= period_s * 1000ull) {
        /* A new window: a block that ran out starts from zero too. */
        e->count = 0;
        e->window_start_ms = now_ms;
    }
    if (e->count < UINT32_MAX) {
        e->count++;
    }
    e->last_ms = now_ms;
    if (count) {
        *count = e->count;
    }
    if (!was_blocked && e->count >= max_failures) {
        e->blocked_until_ms = now_ms + block_s * 1000ull;
        /* Counting starts again after the block. */
        e->count = 0;
        return true;
    }
    return false;
}

void admin_throttle_clear(struct admin_throttle *t, const uint8_t ip16[16])
{
    uint32_t i = find(t, ip16);
    if (i < t->cap) {
        memset(&t->e[i], 0, sizeof(t->e[i]));
        t->n_used--;
    }
}

uint32_t admin_throttle_count(const struct admin_throttle *t)
{
    return t->n_used;
}
