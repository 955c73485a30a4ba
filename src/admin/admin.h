/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's context: its settings (session timeouts, web login
 * protection, allowed networks, password history, audit retention, the
 * Argon2id cost), the store handle and clock it works with, and the actor
 * every audited change is attributed to. Pure logic over the store: HTTP,
 * cookies and bans through the shield are the callers'.
 */
#ifndef SW_ADMIN_ADMIN_H
#define SW_ADMIN_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sec/acl.h"
#include "store/admin.h"

struct store;
struct sw_clock;
struct admin_throttle;

/* Most networks in the administrator sign-in allow list. */
#define ADMIN_ALLOWED_NETS_MAX 64
/* Enough for any Argon2id string crypto_pwhash_str writes. */
#define ADMIN_PW_HASH_CAP 128

struct admin_config {
    uint32_t session_idle_s;     /* portal session idle timeout, 60..86400 */
    uint32_t session_absolute_s; /* portal session lifetime, 300..604800 */
    uint32_t api_token_max_s;    /* longest API token life, 3600..31536000 */
    uint32_t login_max_failures; /* failed sign-ins per address, 1..1000 */
    uint32_t login_period_s;     /* ... within this period, 10..86400 */
    uint32_t login_block_s;      /* then blocked this long, 10..604800 */
    uint32_t throttle_cap;       /* addresses remembered, 16..1048576 */
    uint32_t pw_history;         /* old passwords refused, 0..24 */
    uint32_t audit_max_days;     /* audit retention by age, 0..3650, 0 = none */
    uint32_t audit_max_rows;     /* by rows, 0..10000000, 0 = none */
    char totp_issuer[32];        /* shown by authenticator apps */
    uint64_t pw_opslimit;        /* Argon2id passes (crypto_pwhash) */
    size_t pw_memlimit;          /* Argon2id memory, bytes */
    /* Administrator sign-in only from these networks (none: anywhere).
     * Applies to system and tenant administrators, not portal users. */
    struct sec_net allowed_nets[ADMIN_ALLOWED_NETS_MAX];
    uint32_t n_allowed_nets;
    /* System administrators must have TOTP: until they enrol, their
     * sessions may only enrol (enforced by the API). */
    bool require_2fa;
};

/*
 * Defaults: idle 15 min, absolute 12 h, API tokens up to 90 days, 5
 * failures in 5 min block for 15 min, 4096 addresses, history 5, audit 365
 * days / 100000 rows, issuer "sipwarden", Argon2id interactive limits, no
 * network restriction, 2FA not required.
 */
void admin_config_defaults(struct admin_config *cfg);

/*
 * Check every field against its range. Returns 0, or -EINVAL with a static
 * message naming the field and its range in *why (if not NULL).
 */
int admin_config_check(const struct admin_config *cfg, const char **why);

/*
 * The admin plane's state. One thread uses a context (the HTTP thread);
 * the store handle must belong to that thread.
 */
struct admin_ctx {
    struct store *st;             /* not owned */
    const struct sw_clock *clock; /* NULL: real time; not owned */
    struct admin_config cfg;      /* copy; change with admin_ctx_set_config */
    struct admin_throttle *thr;   /* web login protection, owned */
    char dummy_hash[ADMIN_PW_HASH_CAP]; /* verified for unknown users */
    int64_t settings_version; /* store data version of the last read */
    bool settings_read;       /* ... has happened */
};

/*
 * Initialise 'ctx' over 'st' with a checked copy of 'cfg' (NULL:
 * defaults). Returns 0, -EINVAL (bad config) or -ENOMEM. The failure
 * table is allocated here; admin_ctx_fini frees it.
 */
int admin_ctx_init(struct admin_ctx *ctx, struct store *st,
                   const struct admin_config *cfg,
                   const struct sw_clock *clock);
void admin_ctx_fini(struct admin_ctx *ctx);

/*
 * Replace the settings (checked). The failure table keeps its entries
 * unless throttle_cap changes, which starts it afresh. Returns 0,
 * -EINVAL or -ENOMEM (old settings kept).
 */
int admin_ctx_set_config(struct admin_ctx *ctx, const struct admin_config *cfg);

/* Wall-clock seconds of the context's clock. */
int64_t admin_now(const struct admin_ctx *ctx);

/* Who does something, for the audit log. */
struct admin_actor {
    const char *name;      /* "alice", "cli", "support:3"; NULL: "-" */
    int64_t admin_id;      /* 0 when not an account */
    int64_t tenant_id;     /* the actor's tenant, 0 = none */
    const char *client_ip; /* "203.0.113.9"; NULL or "" when local */
};

#endif
