/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Toll-fraud watch ("unusual call patterns, spikes in international calls,
 * high costs"): per extension and per tenant, sliding-window counts of
 * international calls, distinct destinations and calls outside office
 * hours, each against a warning and a critical threshold. A warning is
 * raised once when a metric first crosses it in a window; a critical
 * crossing suspends outbound calling (the extension's, or for tenant
 * thresholds the whole tenant's) until an admin lifts it. The caller
 * classifies the call (international, outside office hours) and persists
 * suspensions through limits_fraud_list()/limits_fraud_suspend(); events,
 * logs and SIP answers are the proxy's business.
 */
#ifndef SW_LIMITS_FRAUD_H
#define SW_LIMITS_FRAUD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

/* Windows at most; each is a ring of LIMITS_FRAUD_SLOTS slots. */
#define LIMITS_FRAUD_WINDOWS 3
#define LIMITS_FRAUD_SLOTS   12
/*
 * Distinct destinations remembered per extension / per tenant: the most
 * recently called ones, so a distinct count is exact up to this cap and
 * saturates there (dest thresholds above it are clamped to it).
 */
#define LIMITS_FRAUD_EXT_DEST_CAP    64
#define LIMITS_FRAUD_TENANT_DEST_CAP 256
/* Window lengths accepted: multiples of LIMITS_FRAUD_SLOTS seconds. */
#define LIMITS_FRAUD_MIN_WINDOW_S 60u
#define LIMITS_FRAUD_MAX_WINDOW_S (7u * 86400u)

enum limits_fraud_metric {
    LIMITS_FRAUD_INTL = 0, /* international calls */
    LIMITS_FRAUD_DEST = 1, /* distinct destinations */
    LIMITS_FRAUD_OOH = 2,  /* calls outside office hours */
    LIMITS_FRAUD_METRICS = 3,
    LIMITS_FRAUD_ADMIN = 3, /* suspension reason only: set by an admin */
};

enum limits_fraud_scope {
    LIMITS_FRAUD_SCOPE_EXT = 0,    /* one extension */
    LIMITS_FRAUD_SCOPE_TENANT = 1, /* all extensions of a tenant */
    LIMITS_FRAUD_SCOPES = 2,
};

enum limits_fraud_level {
    LIMITS_FRAUD_NONE = 0,
    LIMITS_FRAUD_WARNING = 1,
    LIMITS_FRAUD_CRITICAL = 2,
};

/* One threshold pair; 0 switches that level off. warn <= crit if both. */
struct limits_fraud_thr {
    uint32_t warn;
    uint32_t crit;
};

/* Thresholds for every scope, window and metric. */
struct limits_fraud_policy {
    struct limits_fraud_thr thr[LIMITS_FRAUD_SCOPES][LIMITS_FRAUD_WINDOWS]
                               [LIMITS_FRAUD_METRICS];
};

struct limits_fraud_settings {
    size_t ext_cap;    /* extensions tracked at most (LRU beyond) */
    size_t tenant_cap; /* tenants tracked at most (LRU beyond) */
    size_t susp_cap;   /* suspensions held at most (never evicted) */
    uint32_t window_s[LIMITS_FRAUD_WINDOWS]; /* 0: window unused; [0] set */
    struct limits_fraud_policy policy;       /* when a call brings none */
};

/*
 * The defaults (the references give no numbers for these; chosen so a
 * burst at the default 5 calls/s trips within seconds while a busy office
 * stays quiet): ext_cap 16384 (~11.8 MiB bound), tenant_cap 1024
 * (~2.3 MiB), susp_cap 4096; windows 1 h and 24 h. Warning / critical:
 *   extension, 1 h:  international 10 / 30, destinations 20 / 40,
 *                    outside hours 10 / 30
 *   extension, 24 h: international 50 / 150, destinations 50 / 64,
 *                    outside hours 40 / 120
 *   tenant, 1 h:     international 100 / 300, destinations 150 / 256,
 *                    outside hours 100 / 300
 *   tenant, 24 h:    international 500 / 1500, destinations off,
 *                    outside hours 400 / 1200
 */
void limits_fraud_settings_default(struct limits_fraud_settings *s);

/*
 * Check a policy against settings' windows: -EINVAL when warn > crit for
 * a pair with both set, or a threshold is set for an unused window.
 */
int limits_fraud_policy_check(const struct limits_fraud_settings *s,
                              const struct limits_fraud_policy *p);

struct limits_fraud;

/*
 * Create the watch. 'now_ms' is the monotonic clock later calls use (it
 * must not go back from there). -EINVAL when a cap is out of range
 * (8..2^26), window 0 is unset, a window is not a multiple of
 * LIMITS_FRAUD_SLOTS s in [MIN, MAX]_WINDOW_S, or the policy fails
 * limits_fraud_policy_check(); -ENOMEM. 's' is copied.
 */
int limits_fraud_new(const struct limits_fraud_settings *s, uint64_t now_ms,
                     struct limits_fraud **out);

/* NULL is a no-op; no other thread may be using it. */
void limits_fraud_free(struct limits_fraud *fw);

/* One outbound call to watch (external calls only, the caller decides). */
struct limits_fraud_call {
    int64_t tenant_id;     /* >= 1 */
    int64_t user_id;       /* >= 1 */
    bool is_international; /* by the tenant's country profile */
    bool is_outside_hours; /* by the tenant's office hours and holidays */
    struct sv dest;        /* normalised number (E.164 digits); empty:
                            * not counted as a destination */
    uint64_t now_ms;       /* monotonic ms */
    int64_t wall_s;        /* unix s, stamped on suspensions */
    const struct limits_fraud_policy *policy; /* NULL: the settings' */
};

/* One threshold crossing. */
struct limits_fraud_alert {
    enum limits_fraud_level level;
    enum limits_fraud_scope scope;
    enum limits_fraud_metric metric;
    uint32_t window;    /* index into settings.window_s */
    uint32_t window_s;  /* its length */
    uint32_t count;     /* the metric's value after this call */
    uint32_t threshold; /* the threshold crossed */
};

#define LIMITS_FRAUD_MAX_ALERTS \
    (LIMITS_FRAUD_SCOPES * LIMITS_FRAUD_WINDOWS * LIMITS_FRAUD_METRICS)

struct limits_fraud_result {
    /* CRITICAL: some metric of the extension or its tenant is at or over
     * its critical threshold after this call (and that scope is
     * suspended); WARNING: a warning was raised by this call; else NONE. */
    enum limits_fraud_level level;
    bool ext_suspended_now;    /* this call suspended the extension */
    bool tenant_suspended_now; /* this call suspended the tenant */
    size_t n_alerts;
    /* Warnings raised by this call (each once per crossing: raised again
     * only after the metric fell below the warning level), and the
     * critical crossings behind a suspension made by this call. */
    struct limits_fraud_alert alerts[LIMITS_FRAUD_MAX_ALERTS];
};

/*
 * Count 'call' for its extension and its tenant and check thresholds.
 * Returns the level (also in out->level; 'out' may be NULL), or
 * LIMITS_FRAUD_NONE for an invalid call (ids < 1). Counting continues for
 * a suspended extension. Any thread; two shard locks in turn, plus the
 * suspension table on a critical; no allocation. If the suspension table
 * is full, the level is still CRITICAL (stats.susp_refused counts it).
 */
enum limits_fraud_level
limits_fraud_record(struct limits_fraud *fw,
                    const struct limits_fraud_call *call,
                    struct limits_fraud_result *out);

/*
 * Is outbound calling suspended for this extension, or for its whole
 * tenant? Lock-free while nothing at all is suspended. Any thread.
 */
bool limits_fraud_is_suspended(struct limits_fraud *fw, int64_t tenant_id,
                               int64_t user_id);

/* A suspension, for persistence and display. */
struct limits_fraud_susp {
    int64_t tenant_id;
    int64_t user_id;                 /* 0: the whole tenant */
    int64_t since_wall_s;            /* unix s */
    enum limits_fraud_scope scope;   /* thresholds that tripped */
    enum limits_fraud_metric metric; /* LIMITS_FRAUD_ADMIN: set by hand */
    uint32_t window_s;
    uint32_t count;
    uint32_t threshold;
};

/*
 * Add a suspension (restore from the store at start-up, or an admin's
 * manual suspension). Returns 0, -EEXIST (already suspended; unchanged),
 * -EINVAL (tenant_id < 1, user_id < 0) or -ENOSPC (table full).
 */
int limits_fraud_suspend(struct limits_fraud *fw,
                         const struct limits_fraud_susp *s);

/*
 * Lift a suspension (user_id 0: the tenant's) and forget that scope's
 * counters, so its next call starts from zero instead of tripping again.
 * Returns 0 or -ENOENT.
 */
int limits_fraud_lift(struct limits_fraud *fw, int64_t tenant_id,
                      int64_t user_id);

/*
 * Copy up to 'cap' suspensions into 'out' (order unspecified; 'out' may
 * be NULL when cap is 0) and return how many there are in all. No lock is
 * held while the caller uses the copies.
 */
size_t limits_fraud_list(struct limits_fraud *fw, struct limits_fraud_susp *out,
                         size_t cap);

/* Current counts of one extension (user_id >= 1) or tenant (user_id 0). */
struct limits_fraud_counts {
    uint32_t count[LIMITS_FRAUD_WINDOWS][LIMITS_FRAUD_METRICS];
};

/* Fill 'out' at 'now_ms' without counting. Returns 0 or -ENOENT. */
int limits_fraud_peek(struct limits_fraud *fw, int64_t tenant_id,
                      int64_t user_id, uint64_t now_ms,
                      struct limits_fraud_counts *out);

struct limits_fraud_stats {
    size_t n_ext;          /* extensions tracked */
    size_t n_tenant;       /* tenants tracked */
    size_t n_susp;         /* suspensions held */
    uint64_t evictions;    /* idle extensions / tenants forgotten */
    uint64_t recorded;     /* calls recorded */
    uint64_t warnings;     /* warnings raised */
    uint64_t suspensions;  /* suspensions made by record() */
    uint64_t susp_refused; /* suspensions lost: table full */
    size_t mem_bytes;      /* bytes allocated, fixed */
};

void limits_fraud_stats(struct limits_fraud *fw,
                        struct limits_fraud_stats *out);

#endif
