/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the call policy: the snapshot (everything the hooks read, built
 * from the store by snap.c, immutable once published), the engine (the
 * long-lived limit tables and record queues) and the per-call state.
 */
#ifndef SW_CALLS_CALLS_INT_H
#define SW_CALLS_CALLS_INT_H

#include <pthread.h>

#include "calls/calls.h"
#include "limits/callrate.h"
#include "limits/concurrent.h"
#include "limits/fraud.h"
#include "route/hours.h"
#include "route/profile.h"
#include "route/rules.h"
#include "sec/acl.h"
#include "sec/snap.h"
#include "store/store.h"

#define CALLS_TRUNK_MAX_NETS 16
#define CALLS_HA1_HEX        65

struct calls_trunk {
    int64_t id;
    char name[STORE_TRUNK_NAME_MAX + 1];
    enum store_trunk_kind kind;
    char host[STORE_HOST_MAX + 1];
    uint16_t port;        /* 0: 5060 */
    bool has_addr;        /* host resolved */
    struct net_addr addr; /* host:port, for hops and provider matching */
    struct sec_net nets[CALLS_TRUNK_MAX_NETS]; /* ip trunks */
    size_t n_nets;
    uint32_t max_calls; /* all tenants, 0: unlimited */
    char username[STORE_TRUNK_USER_MAX + 1];
    char realm[STORE_HOST_MAX + 1];
    uint32_t expires_s;
    char ha1_md5[CALLS_HA1_HEX]; /* accept-register: username:realm:pw */
    char ha1_sha256[CALLS_HA1_HEX];
    bool has_cert_fp;    /* recognised by its TLS client certificate only */
    uint8_t cert_fp[32]; /* SHA-256 of that certificate */
};

struct calls_trunk_limit {
    int64_t trunk_id;
    int64_t tenant_id;
    uint32_t max_calls;
};

/* A concurrency limit of a tenant, a group or a user. */
struct calls_cc_limit {
    enum store_limit_scope scope;
    int64_t target_id;
    uint32_t max;
    bool has_window;
    uint16_t start_min, end_min;
};

struct calls_user_fraud {
    int64_t user_id;
    struct limits_fraud_policy policy; /* the tenant's with its own ext
                                          thresholds */
};

struct calls_tenant {
    int64_t id;
    uint32_t media; /* enum store_media_policy */
    char domain[STORE_DOMAIN_MAX + 1];
    bool has_profile;
    struct route_profile prof;
    struct route_tz *tz; /* owned, NULL: UTC */
    struct route_hours hours;
    bool has_hours; /* any range or holiday: "outside hours" means something */
    struct route_outbound_rule *out; /* by position */
    size_t n_out;
    struct calls_cc_limit *cc; /* concurrency limits */
    size_t n_cc;
    struct limits_fraud_policy fraud;    /* tenant rules over the defaults */
    struct calls_user_fraud *user_fraud; /* sorted by user id */
    size_t n_user_fraud;
};

struct calls_member {
    int64_t user_id;
    int64_t group_id;
};

/* An exact inbound DID (without its '+'), for a binary search. */
struct calls_did {
    char did[ROUTE_DID_MAX + 1];
    int64_t trunk_id;
    size_t index; /* in calls_snap.inbound */
};

struct calls_snap {
    struct sec_snap hdr;
    struct calls_tenant *tenants; /* sorted by id */
    size_t n_tenants;
    struct calls_trunk *trunks; /* sorted by id */
    size_t n_trunks;
    struct calls_trunk_limit *trunk_limits;
    size_t n_trunk_limits;
    struct route_inbound_rule *inbound; /* every tenant's */
    int64_t *inbound_tenant;            /* tenant of inbound[i] */
    size_t n_inbound;
    struct calls_did *exact; /* exact DIDs, sorted by (did, trunk) */
    size_t n_exact;
    struct route_inbound_rule *patterns; /* the other rules, in order */
    size_t *pattern_index;               /* their index in 'inbound' */
    size_t n_patterns;
    struct calls_member *members; /* sorted by user id */
    size_t n_members;
    struct limits_callrate_rules *rate; /* never NULL once published */
    struct store_suspension *susp;      /* active in the store */
    size_t n_susp;
};

/* A queued record for the writer. */
struct calls_rec {
    bool is_susp;
    struct store_cdr cdr;
    int64_t user_id; /* suspension */
    int64_t since;
    char reason[STORE_REASON_MAX + 1];
};

struct calls_engine {
    struct calls_cfg cfg;
    char tz_dir[256];
    struct sec_snap_ref ref;
    struct limits_callrate *rate;
    struct limits_cc *cc;
    struct limits_fraud *fraud;
    struct limits_fraud_settings fraud_settings;
    pthread_mutex_t q_mu;
    struct calls_rec *q; /* ring of CDRs */
    size_t q_cap, q_head, q_n;
    struct calls_rec *sq; /* suspensions: never dropped while the watch
                             can hold them (a lost one would be lifted by
                             the next reload) */
    size_t sq_n, sq_cap;
    struct calls_stats stats;
};

/* Per-call state (proxy_call_info.pol). */
struct calls_call {
    int64_t tenant_id;
    int64_t user_id; /* calling extension, 0 for inbound */
    bool is_inbound;
    bool is_external;  /* to a trunk */
    bool is_emergency; /* never refused by a limit */
    struct limits_cc_handle ext_h;
    struct limits_cc_handle trunk_h;
    int64_t trunk_id;         /* of trunk_h */
    const char *refused_rule; /* static, or NULL */
    struct store_cdr cdr;
};

/* snap.c */
int calls_snap_load(struct calls_engine *e, struct store *st,
                    struct calls_snap **out);
const struct calls_tenant *calls_snap_tenant(const struct calls_snap *s,
                                             int64_t id);
const struct calls_trunk *calls_snap_trunk(const struct calls_snap *s,
                                           int64_t id);
uint32_t calls_snap_trunk_tenant_max(const struct calls_snap *s,
                                     int64_t trunk_id, int64_t tenant_id);
/* The inbound rule for a call from 'trunk_id' to 'did' (route/rules.h
 * order), or NULL; *index is its index in s->inbound. */
const struct route_inbound_rule *calls_snap_inbound(const struct calls_snap *s,
                                                    int64_t trunk_id,
                                                    struct sv did,
                                                    size_t *index);
/* The groups of a user: a pointer into s->members and their count. */
const struct calls_member *calls_snap_groups(const struct calls_snap *s,
                                             int64_t user_id, size_t *n);

/* record.c */
void calls_rec_push(struct calls_engine *e, const struct calls_rec *r);

/* Text safe for a stored field: printable ASCII, truncated to cap-1. */
void calls_copy_text(char *dst, size_t cap, struct sv src);

#endif
