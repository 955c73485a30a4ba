/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fixed-size miss counter per source for the provisioning enumeration
 * detector. A linear scan over the slots is enough: the table is small
 * and only requests that already missed (unknown tokens) reach it.
 */
#include "prov/guess.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int prov_guess_init(struct prov_guess *g, size_t cap, uint32_t max,
                    uint64_t window_ms)
{
    memset(g, 0, sizeof(*g));
    if (cap == 0 || cap > (1u << 20) || max == 0 || window_ms == 0) {
        return -EINVAL;
    }
    g->slots = calloc(cap, sizeof(g->slots[0]));
    if (g->slots == NULL) {
        return -ENOMEM;
    }
    g->cap = cap;
    g->max = max;
    g->window_ms = window_ms;
    return 0;
}

void prov_guess_fini(struct prov_guess *g)
{
    free(g->slots);
    memset(g, 0, sizeof(*g));
}

static bool same_key(const struct prov_guess_slot *s, const void *key,
                     size_t len)
{
    return s->key_len == len && memcmp(s->key, key, len) == 0;
}

static bool expired(const struct prov_guess *g, const struct prov_guess_slot *s,
                    uint64_t now_ms)
{
    return now_ms >= s->first_ms && now_ms - s->first_ms >= g->window_ms;
}

int prov_guess_miss(struct prov_guess *g, const void *key, size_t key_len,
                    uint64_t now_ms, bool *ban)
{
    *ban = false;
    if (key == NULL || key_len == 0 || key_len > PROV_GUESS_KEY_MAX) {
        return -EINVAL;
    }
    struct prov_guess_slot *hit = NULL;
    struct prov_guess_slot *free_slot = NULL;
    struct prov_guess_slot *oldest = NULL;
    for (size_t i = 0; i < g->cap; i++) {
        struct prov_guess_slot *s = &g->slots[i];
        if (s->key_len == 0 || expired(g, s, now_ms)) {
            if (s->key_len != 0 && same_key(s, key, key_len)) {
                hit = s; /* its window is over: it restarts below */
                break;
            }
            if (free_slot == NULL) {
                free_slot = s;
            }
            continue;
        }
        if (same_key(s, key, key_len)) {
            hit = s;
            break;
        }
        if (oldest == NULL || s->last_ms < oldest->last_ms) {
            oldest = s;
        }
    }
    if (hit == NULL) {
        hit = free_slot;
        if (hit == NULL) {
            hit = oldest;
            g->evicted++;
        }
        memset(hit, 0, sizeof(*hit));
        memcpy(hit->key, key, key_len);
        hit->key_len = (uint8_t)key_len;
        hit->first_ms = now_ms;
    } else if (expired(g, hit, now_ms)) {
        hit->count = 0;
        hit->first_ms = now_ms;
    }
    hit->count++;
    hit->last_ms = now_ms;
    uint32_t n = hit->count;
    if (n >= g->max) {
        *ban = true;
        memset(hit, 0, sizeof(*hit));
    }
    return (int)(n > INT32_MAX ? INT32_MAX : n);
}

uint32_t prov_guess_count(const struct prov_guess *g, const void *key,
                          size_t key_len, uint64_t now_ms)
{
    for (size_t i = 0; i < g->cap; i++) {
        const struct prov_guess_slot *s = &g->slots[i];
        if (s->key_len != 0 && same_key(s, key, key_len)) {
            return expired(g, s, now_ms) ? 0 : s->count;
        }
    }
    return 0;
}
