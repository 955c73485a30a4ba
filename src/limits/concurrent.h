/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Concurrent call counters: per extension, per trunk (global) and per
 * (trunk, tenant), as PortSIP limits a trunk "at both the global and
 * tenant levels". A call acquires every level it needs at once, all or
 * none, and holds a small handle recording what it took; releasing the
 * handle gives exactly that back, once, however many times a dialog's
 * cleanup runs. The limits themselves come with each request (from the
 * caller's trunk and user configuration), so a reload applies to the next
 * call without touching this table. Which SIP answer a refusal becomes
 * (486 for the extension, 503 for a trunk) is the proxy's business.
 */
#ifndef SW_LIMITS_CONCURRENT_H
#define SW_LIMITS_CONCURRENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Counters held at most by default (3 per call at most; freed at zero). */
#define LIMITS_CC_DEFAULT_CAP 196608u

struct limits_cc;

/*
 * Create a table for at most 'cap' live counters (8..2^26; 0 means
 * LIMITS_CC_DEFAULT_CAP). A counter exists only while some call holds it,
 * so 'cap' bounds live (extension + trunk + trunk-tenant) triples, never
 * the number of users. Returns 0, -EINVAL or -ENOMEM.
 */
int limits_cc_new(size_t cap, struct limits_cc **out);

/* NULL is a no-op; no other thread may be using it. */
void limits_cc_free(struct limits_cc *cc);

/* Levels, also the bits of limits_cc_handle.levels. */
enum limits_cc_level {
    LIMITS_CC_LEVEL_EXT = 1u << 0,          /* (tenant, user) */
    LIMITS_CC_LEVEL_TRUNK_TENANT = 1u << 1, /* (trunk, tenant) */
    LIMITS_CC_LEVEL_TRUNK = 1u << 2,        /* trunk, all tenants */
};

/*
 * One call's needs. A level is taken when its id is set (user_id >= 1 for
 * EXT; trunk_id >= 1 for both trunk levels, which need tenant_id >= 1);
 * its max 0 means unlimited, but the call is still counted, so a limit
 * set later is exact at once.
 */
struct limits_cc_req {
    int64_t tenant_id;         /* >= 1 */
    int64_t user_id;           /* 0: no extension level */
    int64_t trunk_id;          /* 0: no trunk levels (internal call) */
    uint32_t ext_max;          /* calls at once for the extension */
    uint32_t trunk_tenant_max; /* for this tenant on the trunk */
    uint32_t trunk_max;        /* on the trunk, all tenants */
};

/*
 * What a call holds. Zero it (or LIMITS_CC_HANDLE_INIT) before the first
 * acquire; it lives in the caller's dialog. 'held' is the release guard.
 */
struct limits_cc_handle {
    _Atomic uint32_t held; /* 1 while the counters below are held */
    uint32_t levels;       /* enum limits_cc_level bits taken */
    int64_t tenant_id;
    int64_t user_id;
    int64_t trunk_id;
};

#define LIMITS_CC_HANDLE_INIT \
    {                         \
        0                     \
    }

enum limits_cc_res {
    LIMITS_CC_OK = 0,       /* every level taken; 'h' holds them */
    LIMITS_CC_EXT,          /* the extension is at ext_max */
    LIMITS_CC_TRUNK_TENANT, /* the tenant is at trunk_tenant_max */
    LIMITS_CC_TRUNK,        /* the trunk is at trunk_max */
    LIMITS_CC_FULL,         /* no room for a new counter: refuse (503) */
    LIMITS_CC_INVALID,      /* bad ids, or 'h' already holds a call */
};

/*
 * Take one call on every level 'req' names, atomically: the shards of the
 * (up to three) counters are locked together (in ascending order), every
 * limit is checked, and either all counters are incremented and 'h'
 * records them, or none is and 'h' is left as it was. On refusal the
 * first level at its limit is reported, checked in the order EXT,
 * TRUNK_TENANT, TRUNK. Any thread; no allocation.
 */
enum limits_cc_res limits_cc_acquire(struct limits_cc *cc,
                                     const struct limits_cc_req *req,
                                     struct limits_cc_handle *h);

/*
 * Give back what 'h' holds and mark it empty. Safe to call again, and
 * from two threads at once on the same handle: exactly one call releases,
 * the others do nothing. A zeroed handle is a no-op. Counters never go
 * below zero (a release of counters that are not there, e.g. from a
 * copied handle, is counted in stats.underflows instead). Returns 1 when
 * this call released, 0 when there was nothing to release. Any thread.
 */
int limits_cc_release(struct limits_cc *cc, struct limits_cc_handle *h);

/* Calls counted now on one level (for status/CLI); 0 when none. */
uint32_t limits_cc_count(struct limits_cc *cc, enum limits_cc_level level,
                         int64_t tenant_id, int64_t user_id, int64_t trunk_id);

struct limits_cc_stats {
    size_t cap;          /* live counters at most */
    size_t n_entries;    /* live counters */
    uint64_t acquired;   /* successful acquires */
    uint64_t refused;    /* refused acquires, any reason */
    uint64_t released;   /* effective releases */
    uint64_t underflows; /* decrements of absent counters (a bug upstream) */
    size_t mem_bytes;    /* bytes allocated, fixed */
};

void limits_cc_stats(struct limits_cc *cc, struct limits_cc_stats *out);

#endif
