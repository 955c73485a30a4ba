/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions of the admin plane: portal (cookie) sessions with their CSRF
 * token, API tokens, and support sessions opened by a support link. The
 * token is returned once at creation; the store keeps its SHA-256. Portal
 * sessions end after cfg.session_idle_s without use or cfg.session_
 * absolute_s after creation, whichever comes first, applied with the
 * settings in force at lookup time; API tokens end at their own expiry.
 */
#ifndef SW_ADMIN_SESSION_H
#define SW_ADMIN_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "admin/token.h"
#include "store/admin.h"

/* What a caller gets once, at creation. */
struct admin_session_new {
    char token[ADMIN_TOKEN_CAP]; /* cookie value / bearer token */
    char csrf[ADMIN_TOKEN_CAP];  /* portal sessions only, else "" */
    char id[ADMIN_HASH_CAP];     /* public id (for lists and revoking) */
    int64_t expires_at;          /* absolute expiry, unix s */
};

/* Who a valid session speaks for. */
struct admin_principal {
    char session_id[ADMIN_HASH_CAP];
    enum store_session_kind kind;
    int64_t admin_id;   /* 0 for a support session */
    int64_t support_id; /* 0 for an account session */
    enum store_admin_role role;
    int64_t tenant_id;                    /* 0 for system administrators */
    int64_t user_id;                      /* linked SIP user, 0 = none */
    char name[STORE_AUDIT_ACTOR_MAX + 1]; /* username or "support:N" */
    bool must_change;    /* only the password change is allowed */
    bool must_enrol_2fa; /* require_2fa and no TOTP yet: enrol first */
    int64_t expires_at;  /* when it ends if unused from now, unix s */
    char csrf_hash[ADMIN_HASH_CAP];
};

/* Options of a new session. */
struct admin_session_opts {
    enum store_session_kind kind;
    const char *client_ip;  /* "203.0.113.9" or NULL */
    const char *user_agent; /* untrusted, truncated; NULL ok */
    const char *label;      /* API token name, NULL ok */
    uint32_t ttl_s;         /* API tokens: 1..cfg.api_token_max_s, 0 = max */
};

/*
 * Open a session for account 'admin_id'. Portal sessions last
 * cfg.session_absolute_s (idle rules at lookup); API tokens 'ttl_s'.
 * Returns 0 ('out' filled), -EINVAL (bad options), -ENOENT (no account)
 * or -EIO. Not audited here: the sign-in / token creation is.
 */
int admin_session_create(struct admin_ctx *ctx, int64_t admin_id,
                         const struct admin_session_opts *o,
                         struct admin_session_new *out);

/*
 * Open a portal session for support link 'support_id', ending no later
 * than 'link_expires_at'. Used by admin_support_use. Returns as above.
 */
int admin_session_create_support(struct admin_ctx *ctx, int64_t support_id,
                                 int64_t link_expires_at,
                                 const struct admin_session_opts *o,
                                 struct admin_session_new *out);

/*
 * Look up the session of 'token' (the cookie or bearer value): it must
 * have a token's shape, exist, not be revoked, not be past its absolute
 * expiry and, for portal sessions, have been used within the idle
 * timeout (an ended session found here is revoked, so it stays ended
 * whatever the settings become). On success fill 'out' and, when 'touch',
 * record the use now. must_enrol_2fa is decided now, from the settings
 * and the account as they are (enrolling lifts it at once).
 * Returns 0, -ENOENT (any reason it is not valid: callers answer 401
 * alike) or -EIO.
 */
int admin_session_lookup(struct admin_ctx *ctx, const char *token, bool touch,
                         struct admin_principal *out);

/* Does 'csrf' match the CSRF token of portal session 'p'? Constant time.
 * False for API tokens, which carry no cookie to forge. */
bool admin_session_csrf_ok(const struct admin_principal *p, const char *csrf);

/* Record a use of session 'id' now. Returns 0, -ENOENT or -EIO. */
int admin_session_touch(struct admin_ctx *ctx, const char *id);

/*
 * Revoke session 'id' (a logout, or from the sessions page). Audited as
 * "session.revoke" by 'who'. Returns 0, -ENOENT or -EIO.
 */
int admin_session_revoke(struct admin_ctx *ctx, const struct admin_actor *who,
                         const char *id);

/*
 * Revoke every session of 'admin_id' except 'keep_id' (may be NULL).
 * Audited. *n (if not NULL) counts them. Returns 0 or -EIO.
 */
int admin_session_revoke_all(struct admin_ctx *ctx,
                             const struct admin_actor *who, int64_t admin_id,
                             const char *keep_id, uint32_t *n);

/*
 * Live sessions of 'admin_id' (0: all), newest first, with the idle rule
 * applied (sessions already idle out are skipped). 'cb' as in
 * store_session_list. Returns 0 or -EIO.
 */
int admin_session_list(struct admin_ctx *ctx, int64_t admin_id,
                       store_session_fn *cb, void *ud);

/* Delete ended sessions kept for the list. *n (if not NULL). 0 or -EIO. */
int admin_session_purge(struct admin_ctx *ctx, uint32_t *n);

/* The actor of a principal, for the audit log. */
void admin_principal_actor(const struct admin_principal *p,
                           const char *client_ip, struct admin_actor *out);

#endif
