/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call policy: who may call what, over which trunk, how often and how
 * many at once, and what is recorded. It turns the store's call
 * configuration into an immutable snapshot (calls_engine_reload) and
 * implements the proxy's policy hooks on it with route/ (classification,
 * permissions, rules), limits/ (call rate, concurrent calls, fraud watch)
 * and trunk look-ups; refusals become SIP answers, security events and
 * CDRs. CDRs and suspensions are queued by the workers and written by the
 * main loop (calls_engine_drain), never on a worker.
 */
#ifndef SW_CALLS_CALLS_H
#define SW_CALLS_CALLS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "net/addr.h"
#include "proxy/proxy.h"

struct store;
struct reg_loc;
struct calls_engine;

/* An extension as the call policy needs it. */
struct calls_user {
    int64_t user_id;
    int64_t tenant_id;
    int role; /* enum store_role */
};

/*
 * How the policy finds extensions: proxy_caller.policy_arg points to one
 * (valid during on_call_start). 'user' answers ext 'ext' of tenant
 * 'domain': 0 with *out, -ENOENT or another negative errno. The daemon
 * answers from its credential cache, so a call costs no SQLite query.
 */
struct calls_lookup {
    int (*user)(void *ud, struct sv domain, struct sv ext,
                struct calls_user *out);
    void *ud;
};

struct calls_cfg {
    const char *tz_dir;     /* zoneinfo directory, NULL: system default */
    size_t cdr_queue_max;   /* CDRs waiting for the writer, 0: 65536 */
    struct reg_loc *gw_loc; /* registrations of accept-register trunks
                               (user_id = trunk id), borrowed, may be NULL */
    /* The record queue went from empty to not empty (any thread), or
     * NULL; the owner drains with calls_engine_drain when it likes. */
    void (*wake)(void *ud);
    void *wake_ud;
    /* Transports (bit 1 << enum net_proto) over which every call must
     * offer encrypted media, whatever its tenant's policy ([media]
     * require_encrypted); 0: none. */
    uint32_t media_transports;
};

/* Counters (relaxed atomics). */
/* Refusal rules counted one by one in calls_stats.refused_by_rule; the
 * slot after them counts any other rule. */
#define CALLS_REFUSAL_RULES 17

/* The rule token of slot 'i' of calls_stats.refused_by_rule, or "other"
 * for i >= CALLS_REFUSAL_RULES. */
const char *calls_refusal_rule_name(size_t i);

struct calls_stats {
    _Atomic uint64_t started;  /* calls that reached the policy */
    _Atomic uint64_t refused;  /* refused by a rule or a limit */
    _Atomic uint64_t external; /* routed to a trunk */
    _Atomic uint64_t inbound;  /* from a trunk */
    _Atomic uint64_t cdr_lost; /* CDRs dropped: queue full or write error */
    _Atomic uint64_t cdrs;     /* CDRs written */
    _Atomic uint64_t fraud_warnings;
    _Atomic uint64_t suspensions;
    _Atomic uint64_t answered; /* calls answered, counted as they end (CDR) */
    _Atomic uint64_t refused_by_rule[CALLS_REFUSAL_RULES + 1]; /* the same
                                  refusals per rule (calls_refusal_rule_name) */
};

/* Create the engine (no snapshot yet: every external call is refused
 * until the first reload). Returns 0, -EINVAL or -ENOMEM. */
int calls_engine_new(const struct calls_cfg *cfg, struct calls_engine **out);
/* Free it; queued records are dropped (drain first). */
void calls_engine_free(struct calls_engine *e);

/*
 * Build a new snapshot from the store (main thread, its handle) and
 * publish it; suspensions are brought in line with the store (lifted ones
 * end, stored ones are restored). Queued records are written first.
 * Returns 0 or a negative errno (the old snapshot stays).
 */
int calls_engine_reload(struct calls_engine *e, struct store *st);

/*
 * Write queued CDRs and suspensions (main thread, its store handle), in
 * one transaction. Returns how many records were written.
 */
size_t calls_engine_drain(struct calls_engine *e, struct store *st);

/* The proxy hooks of this engine ('ud' is the engine). */
void calls_engine_policy(struct calls_engine *e, struct proxy_policy *out);

/*
 * The trunk a request from 'src' comes from: an ip trunk whose networks
 * cover it, a register trunk whose provider address it is, or an
 * accept-register trunk whose gateway is registered from that address.
 * Returns the trunk id or 0. Any thread.
 */
int64_t calls_engine_trunk_of(struct calls_engine *e,
                              const struct net_addr *src);

/*
 * Same, for a request that may carry a verified TLS client certificate
 * ('cert_fp', its SHA-256, or NULL): the trunk whose tls_cert_fp it is
 * wins; a trunk that has a tls_cert_fp is never recognised by address,
 * so without the certificate its requests are unknown callers. Any
 * thread.
 */
int64_t calls_engine_trunk_of_tls(struct calls_engine *e,
                                  const struct net_addr *src,
                                  const uint8_t *cert_fp);

/*
 * Credentials of an accept-register trunk for a REGISTER to 'user' @
 * 'realm': 0 with the trunk id and its HA1 values (hex, NUL-terminated;
 * both NULL: only the answer, nothing copied), or -ENOENT. Any thread.
 */
int calls_engine_gateway_creds(struct calls_engine *e, struct sv realm,
                               struct sv user, int64_t *trunk_id,
                               char ha1_md5[65], char ha1_sha256[65]);

/* A register trunk to keep registered, as calls_engine_reg_trunks gives. */
struct calls_reg_trunk {
    int64_t id;
    char name[65];
    struct net_addr server;
    char host[254];
    uint16_t port;
    char user[129];
    char realm[254];
    uint32_t expires_s;
};

/*
 * Copy up to 'cap' register trunks of the current snapshot into 'out';
 * returns how many there are. Any thread.
 */
size_t calls_engine_reg_trunks(struct calls_engine *e,
                               struct calls_reg_trunk *out, size_t cap);

/* The engine's counters. */
const struct calls_stats *calls_engine_stats(const struct calls_engine *e);

#endif
