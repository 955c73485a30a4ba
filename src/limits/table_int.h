/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside src/limits/ only: the bounded, sharded table the call limiters
 * keep their per-extension, per-trunk and per-tenant state in. Keys are
 * (kind, a, b) integers; payloads are fixed-size, zeroed on creation and
 * owned by the caller's module. Memory is allocated once at creation and
 * never grows; a full shard either evicts its least recently used entry
 * or refuses to create one, as chosen at creation.
 */
#ifndef SW_LIMITS_TABLE_INT_H
#define SW_LIMITS_TABLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Smallest and largest capacity accepted. */
#define LIM_TAB_MIN_CAP 8u
#define LIM_TAB_MAX_CAP (1u << 26)
/* Largest payload accepted, bytes. */
#define LIM_TAB_MAX_PAYLOAD 4096u

struct lim_key {
    uint32_t kind; /* module-defined, never 0 */
    uint64_t a;
    uint64_t b;
};

struct lim_tab_stats {
    size_t cap;         /* entries at most */
    size_t n_entries;   /* entries in use */
    uint64_t inserts;   /* entries created */
    uint64_t evictions; /* entries evicted to make room */
    uint64_t refused;   /* creations refused: shard full, no eviction */
    size_t mem_bytes;   /* bytes allocated, fixed */
    unsigned n_shards;
};

struct lim_tab;

/*
 * Create a table of 'cap' entries (LIM_TAB_MIN_CAP..LIM_TAB_MAX_CAP) with
 * 'payload_size' bytes each (1..LIM_TAB_MAX_PAYLOAD, 8-byte aligned).
 * With 'evict', creating an entry in a full shard evicts its least
 * recently used one; without, it fails. Returns 0, -EINVAL or -ENOMEM.
 */
int lim_tab_new(size_t cap, size_t payload_size, bool evict,
                struct lim_tab **out);

/* NULL is a no-op; no other thread may use the table. */
void lim_tab_free(struct lim_tab *t);

/* Bytes lim_tab_new() allocates for these parameters; 0 if refused. */
size_t lim_tab_mem_bound(size_t cap, size_t payload_size);

/* The shard holding 'k'. Lock shards in ascending order only. */
unsigned lim_tab_shard_of(const struct lim_tab *t, const struct lim_key *k);
void lim_tab_lock(struct lim_tab *t, unsigned shard);
void lim_tab_unlock(struct lim_tab *t, unsigned shard);

/*
 * Under the lock of 'shard' (which must be k's): the payload of 'k', or
 * NULL when absent. With 'create', a missing entry is made (payload zeroed,
 * *created set when 'created' is not NULL); NULL then only when the shard
 * is full and the table does not evict. A found or made entry becomes the
 * most recently used. The pointer is valid while the lock is held and no
 * other entry of the shard is created or deleted through an evicting
 * table.
 */
void *lim_tab_get(struct lim_tab *t, unsigned shard, const struct lim_key *k,
                  bool create, bool *created);

/* Under the lock of 'shard': the same without the LRU move (a look). */
void *lim_tab_peek(struct lim_tab *t, unsigned shard, const struct lim_key *k);

/* Under the lock of 'shard': delete the entry whose payload is 'p'. */
void lim_tab_del(struct lim_tab *t, unsigned shard, void *p);

/*
 * Visit every entry, one shard locked at a time; 'fn' must not call back
 * into the table. Returning true deletes the entry visited.
 */
typedef bool lim_tab_visit_fn(void *ud, const struct lim_key *k, void *p);
void lim_tab_foreach(struct lim_tab *t, lim_tab_visit_fn *fn, void *ud);

void lim_tab_stats(struct lim_tab *t, struct lim_tab_stats *out);

/* Keyed 64-bit hash of bytes under the table's secret seed. */
uint64_t lim_tab_hash_bytes(const struct lim_tab *t, const void *p, size_t n);

#endif
