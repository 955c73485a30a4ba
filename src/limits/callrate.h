/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbound call frequency per extension ("at most 5 outbound calls in 1
 * second per extension", custom rules per user, group, tenant and time
 * window): one integer GCRA token bucket per extension in a bounded,
 * sharded table. The caller resolves the extension's tenant, user and
 * groups and passes the tenant's local minute of day and weekday, so this
 * module knows no time zones, no store and no SIP; what a refusal turns
 * into (a 503 with Retry-After, an event, a CDR) is the proxy's business.
 */
#ifndef SW_LIMITS_CALLRATE_H
#define SW_LIMITS_CALLRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The default rule: 5 calls per 1 s per extension (PortSIP's default). */
#define LIMITS_CALLRATE_DEFAULT_CALLS    5u
#define LIMITS_CALLRATE_DEFAULT_PERIOD_S 1u
/* Extensions tracked at most by default: 65,536 entries of 120 bytes. */
#define LIMITS_CALLRATE_DEFAULT_CAP 65536u
/* Rules of at most this many calls are exact sliding windows. */
#define LIMITS_CALLRATE_EXACT_MAX 16u
/* Bounds of a rule. */
#define LIMITS_CALLRATE_MAX_CALLS    100000u
#define LIMITS_CALLRATE_MAX_PERIOD_S 86400u
#define LIMITS_CALLRATE_MAX_RULES    65536u

/*
 * Who a rule applies to. The most specific rule wins: USER over GROUP over
 * TENANT over the rule set's default. Among the rules of the winning scope
 * that apply now, one with a time window beats an all-day one; among
 * those, the lowest sustained rate (calls / period) wins, then the lowest
 * id. So a user's all-day rule beats their group's night rule, and a
 * group's night rule beats the same group's all-day rule at night.
 */
enum limits_scope {
    LIMITS_SCOPE_DEFAULT = 0, /* the rule set's default (rule id 0) */
    LIMITS_SCOPE_TENANT = 1,  /* every extension of tenant_id */
    LIMITS_SCOPE_GROUP = 2,   /* members of group subject_id */
    LIMITS_SCOPE_USER = 3,    /* user subject_id */
};

/*
 * One custom rule: 'calls' per 'period_s'. Up to LIMITS_CALLRATE_EXACT_MAX
 * calls the rule is exact: a call passes only when fewer than 'calls'
 * passed in the last period_s (a log of the last calls' times). Larger
 * rules are a token bucket of 'calls' tokens refilled one per
 * period_s / calls (GCRA): the long-run rate is exact but one window of
 * period_s may see up to twice 'calls'.
 * calls == 0 means "no limit" (an exemption, e.g. for a call-centre
 * group). Time window: from_min..to_min, minutes of the tenant's local
 * day, 'to' excluded; from_min > to_min wraps midnight ("18:00-08:00" is
 * 1080..480) and the part after midnight belongs to the day it started
 * for 'weekdays'; from_min == to_min means all day. weekdays: bit d for
 * struct tm's tm_wday d (bit 0 Sunday); 0 means every day.
 */
struct limits_callrate_rule {
    uint32_t id;             /* caller's rule id, unique, >= 1 */
    enum limits_scope scope; /* TENANT, GROUP or USER */
    int64_t tenant_id;       /* >= 1 */
    int64_t subject_id;      /* user or group id (>= 1); 0 for TENANT */
    uint32_t calls;          /* 0 (unlimited) .. LIMITS_CALLRATE_MAX_CALLS */
    uint32_t period_s;       /* 1 .. LIMITS_CALLRATE_MAX_PERIOD_S */
    uint16_t from_min;       /* 0..1439 */
    uint16_t to_min;         /* 0..1439 */
    uint8_t weekdays;        /* bits 0..6; 0 = every day */
};

/* Immutable rule set (opaque), shared by all threads. */
struct limits_callrate_rules;

/*
 * Build a rule set from 'rules' (copied; n may be 0) with the default
 * rule 'default_calls' per 'default_period_s' (same bounds as a rule;
 * calls 0 = no default limit). -EINVAL when a rule or the default is out
 * of range (*bad_index = the rule's index, or n for the default;
 * 'bad_index' may be NULL), -EEXIST for a duplicate id (*bad_index = the
 * second), -E2BIG past LIMITS_CALLRATE_MAX_RULES, -ENOMEM. Returns 0 with
 * *out owned by the caller. Not on the hot path: it allocates.
 */
int limits_callrate_rules_new(const struct limits_callrate_rule *rules,
                              size_t n, uint32_t default_calls,
                              uint32_t default_period_s,
                              struct limits_callrate_rules **out,
                              size_t *bad_index);

/* NULL is a no-op. No take() may still be using it. */
void limits_callrate_rules_free(struct limits_callrate_rules *rs);

/* The per-extension bucket table (opaque). */
struct limits_callrate;

/*
 * Create a table for at most 'cap' extensions (8..2^26; 0 means
 * LIMITS_CALLRATE_DEFAULT_CAP). When full, the least recently calling
 * extension of a shard is forgotten: its bucket starts full again on its
 * next call. Returns 0, -EINVAL or -ENOMEM.
 */
int limits_callrate_new(size_t cap, struct limits_callrate **out);

/* NULL is a no-op; no other thread may be using it. */
void limits_callrate_free(struct limits_callrate *cr);

enum limits_callrate_res {
    LIMITS_CALLRATE_ALLOW = 0, /* a token was taken */
    LIMITS_CALLRATE_REFUSE,    /* over the rule: refuse the call */
};

/* One outbound call attempt. */
struct limits_callrate_req {
    int64_t tenant_id;        /* >= 1 */
    int64_t user_id;          /* >= 1 */
    const int64_t *group_ids; /* the user's groups; may be NULL if n 0 */
    size_t n_groups;
    uint16_t minute_of_day; /* tenant-local, 0..1439 */
    uint8_t weekday;        /* tenant-local tm_wday, 0 (Sunday)..6 */
    uint64_t now_ms;        /* monotonic milliseconds */
};

/* The rule applied, and when a refused caller may try again. */
struct limits_callrate_result {
    uint32_t rule_id;        /* 0: the default rule */
    enum limits_scope scope; /* scope of that rule */
    uint32_t calls;          /* its calls per period (0: unlimited) */
    uint32_t period_s;
    uint32_t retry_after_ms; /* when REFUSE: until a token is back, >= 1 */
};

/*
 * Count one outbound call attempt of req's extension under the rule of
 * 'rs' that applies to it now, and fill 'out' (may be NULL). A refused
 * attempt takes no token. When the rule applying to an extension changes
 * (a time window opens or closes, a rule is edited), its bucket starts
 * full under the new rule. Any thread; one shard lock; no allocation.
 * Returns REFUSE also for an invalid request (ids < 1, minute or weekday
 * out of range) with rule_id 0 and retry_after_ms 0.
 */
enum limits_callrate_res limits_callrate_take(
    struct limits_callrate *cr, const struct limits_callrate_rules *rs,
    const struct limits_callrate_req *req, struct limits_callrate_result *out);

/*
 * The rule that would apply to 'req' (now_ms unused), without taking a
 * token: for the CLI and the refusal text. Fills 'out' (retry 0). Returns
 * 0 or -EINVAL for an invalid request.
 */
int limits_callrate_rule_for(const struct limits_callrate_rules *rs,
                             const struct limits_callrate_req *req,
                             struct limits_callrate_result *out);

/* Forget one extension's bucket (e.g. user deleted). Returns 0/-ENOENT. */
int limits_callrate_forget(struct limits_callrate *cr, int64_t tenant_id,
                           int64_t user_id);

struct limits_callrate_stats {
    size_t cap;         /* extensions at most */
    size_t n_entries;   /* extensions tracked */
    uint64_t evictions; /* extensions forgotten to make room */
    uint64_t allowed;   /* calls allowed */
    uint64_t refused;   /* calls refused */
    size_t mem_bytes;   /* bytes allocated, fixed */
};

/* Counters; locks each shard in turn. Any thread. */
void limits_callrate_stats(struct limits_callrate *cr,
                           struct limits_callrate_stats *out);

#endif
