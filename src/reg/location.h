/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The location service: which contacts are registered for which extension
 * (RFC 3261 §10.3), shared by every worker thread. The table is split into
 * shards, each behind its own mutex, keyed by the user's database id. It
 * records which extensions changed so the persister can write them to the
 * store in batches; it never touches the store itself.
 */
#ifndef SW_REG_LOCATION_H
#define SW_REG_LOCATION_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/pool.h"
#include "base/sv.h"

#define REG_LOC_SHARDS 64

/* Where a binding was registered from (the reachable source, RFC 3581). */
struct reg_src {
    uint8_t transport; /* enum net_proto value */
    uint8_t family;    /* AF_INET or AF_INET6 */
    uint16_t port;     /* host order */
    uint8_t ip[16];    /* 4 or 16 bytes used */
};

/* A read-only view of one binding, valid only inside a callback. */
struct reg_binding_view {
    int64_t user_id;
    int64_t tenant_id;
    struct sv aor;     /* "ext@domain" */
    struct sv contact; /* Contact URI as registered */
    struct sv call_id;
    struct sv user_agent; /* may be empty, truncated to 128 bytes */
    uint32_t cseq;
    int64_t expires_at;    /* wall clock, unix seconds */
    int64_t registered_at; /* wall clock, unix seconds */
    struct reg_src src;
};

typedef void reg_binding_fn(void *ud, const struct reg_binding_view *b);

/* One Contact of a REGISTER, already validated by the registrar. */
struct reg_contact_req {
    struct sv uri;
    uint32_t expires_s; /* 0 = remove */
};

/* The request-wide parts of a REGISTER. */
struct reg_update {
    int64_t user_id;
    int64_t tenant_id;
    struct sv aor;
    struct sv call_id;
    uint32_t cseq;
    struct sv user_agent;
    struct reg_src src;
    bool remove_all;       /* Contact: * with Expires: 0 */
    unsigned max_contacts; /* per extension; oldest is evicted beyond it */
    int64_t now_s;
};

enum reg_loc_res {
    REG_LOC_OK = 0,
    REG_LOC_OUT_OF_ORDER, /* same Call-ID, CSeq not higher: RFC 3261 §10.3 */
    REG_LOC_NOMEM,
};

struct reg_loc_shard;

struct reg_loc {
    struct reg_loc_shard *shards; /* REG_LOC_SHARDS of them */
    struct pool pool;             /* bindings and extensions */
    pthread_mutex_t dirty_mu;
    int64_t *dirty; /* user ids changed since the last drain */
    size_t n_dirty;
    size_t dirty_cap;
};

int reg_loc_init(struct reg_loc *loc);
void reg_loc_fini(struct reg_loc *loc);

/*
 * Apply a REGISTER atomically: either every contact is added, refreshed or
 * removed, or nothing changes. Afterwards 'emit' is called (under the shard
 * lock: it must not call back into the table) for every binding the
 * extension now has, so the caller can list them in the 200. Marks the
 * extension dirty. Any thread.
 */
enum reg_loc_res reg_loc_apply(struct reg_loc *loc, const struct reg_update *u,
                               const struct reg_contact_req *contacts,
                               size_t n_contacts, reg_binding_fn *emit,
                               void *ud);

/* Put back a binding read from the store at start (not marked dirty). */
int reg_loc_restore(struct reg_loc *loc, const struct reg_binding_view *b);

/* Calls 'fn' for each live binding of one extension / of all (tenant_id 0
 * means every tenant). Under the shard lock, one shard at a time. */
void reg_loc_lookup(struct reg_loc *loc, int64_t user_id, int64_t now_s,
                    reg_binding_fn *fn, void *ud);
void reg_loc_foreach(struct reg_loc *loc, int64_t tenant_id, int64_t now_s,
                     reg_binding_fn *fn, void *ud);

/* Drop every binding of an extension (user deleted); marks it dirty. */
void reg_loc_remove_user(struct reg_loc *loc, int64_t user_id);

/* Remove expired bindings; returns how many. Not marked dirty: the store
 * drops expired rows on its own. */
size_t reg_loc_purge(struct reg_loc *loc, int64_t now_s);

/*
 * Take the set of extensions changed since the last call. Returns a heap
 * array the caller frees (NULL with *n = 0 when nothing changed).
 */
int64_t *reg_loc_dirty_take(struct reg_loc *loc, size_t *n);

/* Queue an extension for the persister again (after a failed write). */
void reg_loc_mark_dirty(struct reg_loc *loc, int64_t user_id);

/*
 * For the persister: true when the store may hold rows of 'user_id' for
 * contacts the table no longer has (a binding was removed, replaced by
 * another contact, evicted or expired, or the extension is new to the
 * table or gone from it), so all its rows must be replaced; false when
 * writing its current bindings over the rows of the same contacts is
 * enough. Clears the mark. Any thread; one shard lock.
 */
bool reg_loc_rows_stale_take(struct reg_loc *loc, int64_t user_id);

/* Set the mark again (a write that took it failed). */
void reg_loc_rows_stale_set(struct reg_loc *loc, int64_t user_id);

size_t reg_loc_count(struct reg_loc *loc, int64_t now_s);

#endif
