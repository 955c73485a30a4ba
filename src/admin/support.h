/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Passwordless support access: an administrator creates a link valid for
 * a chosen time (at most 72 h) that opens a portal session for one tenant
 * with one role; it can be revoked (its sessions end with it) and every
 * creation, use, refused use and revocation is audited. The URL around
 * the token is the HTTP layer's.
 */
#ifndef SW_ADMIN_SUPPORT_H
#define SW_ADMIN_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "admin/session.h"
#include "admin/token.h"
#include "store/admin.h"

struct net_addr;

struct admin_support_req {
    int64_t tenant_id;
    enum store_admin_role role; /* STORE_ADMIN_TENANT or STORE_ADMIN_USER */
    int64_t user_id;            /* required for STORE_ADMIN_USER */
    uint32_t ttl_s;             /* 1..STORE_SUPPORT_TTL_MAX_S */
    const char *note;           /* why; NULL ok, shown in the list */
};

/*
 * Create a link for 'r' by 'who' (who->admin_id recorded as creator).
 * 'token' gets the secret of the link, shown once. Returns 0 (*id and
 * *expires_at if not NULL), -EINVAL (ttl, role, note), -ENOENT (tenant /
 * user) or -EIO.
 */
int admin_support_create(struct admin_ctx *ctx, const struct admin_actor *who,
                         const struct admin_support_req *r,
                         char token[ADMIN_TOKEN_CAP], int64_t *id,
                         int64_t *expires_at);

struct admin_support_res {
    struct admin_session_new session; /* on success */
    int64_t link_id;                  /* 0 when the token is unknown */
    bool newly_blocked; /* a refused use started a block: ban now */
};

/*
 * Open a session with link 'token' from 'client'. A refused use counts as
 * a failed sign-in of the address (web login protection). Returns 0,
 * -ENOENT (unknown or malformed token), -EKEYREVOKED, -ETIMEDOUT
 * (expired), -EACCES (the address is blocked) or -EIO.
 */
int admin_support_use(struct admin_ctx *ctx, const char *token,
                      const struct net_addr *client, const char *user_agent,
                      struct admin_support_res *res);

/* Revoke link 'id' and its sessions. Audited. 0, -ENOENT or -EIO. */
int admin_support_revoke(struct admin_ctx *ctx, const struct admin_actor *who,
                         int64_t id);

/* Links of 'tenant_id' (0: all), newest first; 'cb' as in the store. */
int admin_support_list(struct admin_ctx *ctx, int64_t tenant_id,
                       store_support_link_fn *cb, void *ud);

#endif
