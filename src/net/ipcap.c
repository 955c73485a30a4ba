/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open stream connections per source IP, shared by every worker: a small
 * open-addressing table (linear probing, backward-shift deletion) under a
 * mutex, keyed by a seeded hash so remote peers can't aim at one slot.
 * Sized at twice the global connection cap, so it is never more than half
 * full (the global cap is taken before a slot here).
 */
#include "net/net_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "base/check.h"
#include "net/addr.h"

static uint64_t mix64(uint64_t x)
{
    /* splitmix64 finaliser */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static size_t slot_of(const struct net_ipcap *cap, const uint8_t ip[16])
{
    uint64_t a;
    uint64_t b;
    memcpy(&a, ip, 8);
    memcpy(&b, ip + 8, 8);
    return (size_t)(mix64(mix64(a ^ cap->seed) ^ b) & cap->mask);
}

int net_ipcap_init(struct net_ipcap *cap, uint32_t max_entries)
{
    size_t slots = 16;
    while (slots < (size_t)max_entries * 2) {
        slots <<= 1;
    }
    *cap = (struct net_ipcap){ 0 };
    cap->tab = calloc(slots, sizeof(*cap->tab));
    if (!cap->tab) {
        return -ENOMEM;
    }
    cap->mask = slots - 1;
    if (getrandom(&cap->seed, sizeof(cap->seed), 0)
        != (ssize_t)sizeof(cap->seed)) {
        /* Still correct, just predictable slots. */
        cap->seed = (uint64_t)(uintptr_t)cap->tab ^ 0x9e3779b97f4a7c15ULL;
    }
    int rc = uv_mutex_init(&cap->mu);
    if (rc != 0) {
        free(cap->tab);
        cap->tab = NULL;
        return rc;
    }
    return 0;
}

void net_ipcap_fini(struct net_ipcap *cap)
{
    if (!cap->tab) {
        return;
    }
    uv_mutex_destroy(&cap->mu);
    free(cap->tab);
    cap->tab = NULL;
}

bool net_ipcap_acquire(struct net_ipcap *cap, const struct net_addr *a,
                       uint32_t limit)
{
    uint8_t ip[16];
    net_addr_ip16(a, ip);
    bool ok = false;

    uv_mutex_lock(&cap->mu);
    size_t i = slot_of(cap, ip);
    for (size_t n = 0; n <= cap->mask; n++, i = (i + 1) & cap->mask) {
        struct net_ipcap_ent *e = &cap->tab[i];
        if (e->count == 0) {
            memcpy(e->ip, ip, 16);
            e->count = 1;
            ok = limit >= 1;
            if (!ok) {
                e->count = 0;
            }
            break;
        }
        if (memcmp(e->ip, ip, 16) == 0) {
            if (e->count < limit) {
                e->count++;
                ok = true;
            }
            break;
        }
    }
    uv_mutex_unlock(&cap->mu);
    return ok;
}

void net_ipcap_release(struct net_ipcap *cap, const struct net_addr *a)
{
    uint8_t ip[16];
    net_addr_ip16(a, ip);

    uv_mutex_lock(&cap->mu);
    size_t i = slot_of(cap, ip);
    size_t n = 0;
    for (; n <= cap->mask; n++, i = (i + 1) & cap->mask) {
        struct net_ipcap_ent *e = &cap->tab[i];
        /* A release always matches an acquire: the key is present. */
        SW_BUG_ON(e->count == 0);
        if (memcmp(e->ip, ip, 16) == 0) {
            break;
        }
    }
    SW_BUG_ON(n > cap->mask);
    if (--cap->tab[i].count == 0) {
        /* Backward-shift deletion keeps every probe chain unbroken. */
        size_t hole = i;
        size_t j = (i + 1) & cap->mask;
        while (cap->tab[j].count != 0) {
            size_t home = slot_of(cap, cap->tab[j].ip);
            /* Move j into the hole unless its home lies in (hole, j]. */
            bool stays = hole <= j ? (home > hole && home <= j)
                                   : (home > hole || home <= j);
            if (!stays) {
                cap->tab[hole] = cap->tab[j];
                cap->tab[j].count = 0;
                hole = j;
            }
            j = (j + 1) & cap->mask;
        }
    }
    uv_mutex_unlock(&cap->mu);
}
