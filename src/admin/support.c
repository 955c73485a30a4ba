/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Support links: creation, use (a portal session bounded by the link's
 * expiry), revocation, listing.
 */
#include "admin/support.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/login.h"
#include "net/addr.h"

int admin_support_create(struct admin_ctx *ctx, const struct admin_actor *who,
                         const struct admin_support_req *r,
                         char token[ADMIN_TOKEN_CAP], int64_t *id,
                         int64_t *expires_at)
{
    struct store_support_link l;
    int64_t link_id = 0;
    if (r->ttl_s == 0 || r->ttl_s > STORE_SUPPORT_TTL_MAX_S) {
        return -EINVAL;
    }
    memset(&l, 0, sizeof(l));
    admin_token_new(token);
    admin_token_hash(token, ADMIN_TOKEN_LEN, l.token_hash);
    l.tenant_id = r->tenant_id;
    l.role = r->role;
    l.user_id = r->user_id;
    l.created_by = who ? who->admin_id : 0;
    if (r->note && strlen(r->note) >= sizeof(l.note)) {
        sodium_memzero(token, ADMIN_TOKEN_CAP);
        return -EINVAL;
    }
    snprintf(l.note, sizeof(l.note), "%s", r->note ? r->note : "");
    l.created_at = admin_now(ctx);
    l.expires_at = l.created_at + r->ttl_s;
    int rc = store_support_link_add(ctx->st, &l, &link_id);
    if (rc < 0) {
        sodium_memzero(token, ADMIN_TOKEN_CAP);
        return rc;
    }
    char target[32];
    char js[192];
    snprintf(target, sizeof(target), "support:%lld", (long long)link_id);
    snprintf(js, sizeof(js),
             "{\"tenant_id\":%lld,\"role\":\"%s\",\"user_id\":%lld,"
             "\"expires_at\":%lld}",
             (long long)l.tenant_id, store_admin_role_name(l.role),
             (long long)l.user_id, (long long)l.expires_at);
    rc = admin_audit_write(ctx, who, "support.create", target, l.tenant_id,
                           "ok", NULL, js);
    if (rc < 0) {
        /* An unaudited link must not work. */
        (void)store_support_link_revoke(ctx->st, link_id, l.created_at);
        sodium_memzero(token, ADMIN_TOKEN_CAP);
        return rc;
    }
    if (id) {
        *id = link_id;
    }
    if (expires_at) {
        *expires_at = l.expires_at;
    }
    return 0;
}

int admin_support_use(struct admin_ctx *ctx, const char *token,
                      const struct net_addr *client, const char *user_agent,
                      struct admin_support_res *res)
{
    struct store_support_link l;
    char hash[ADMIN_HASH_CAP];
    char ip[NET_ADDR_FMT_CAP];
    char name[32] = "-";
    memset(res, 0, sizeof(res[0]));
    memset(&l, 0, sizeof(l));
    net_addr_ip_fmt(client, ip, sizeof(ip));
    if (strlen(ip) > STORE_IP_TEXT_MAX) {
        ip[STORE_IP_TEXT_MAX] = '\0';
    }
    struct admin_actor who = { .name = name, .client_ip = ip };
    int rc;
    if (admin_login_blocked(ctx, client, NULL)) {
        rc = -EACCES;
    } else if (!admin_token_ok(token)) {
        rc = -ENOENT;
    } else {
        admin_token_hash(token, ADMIN_TOKEN_LEN, hash);
        rc = store_support_link_use(ctx->st, hash, admin_now(ctx), &l);
    }
    if (rc == -EIO) {
        return rc;
    }
    if (l.id) {
        res->link_id = l.id;
        snprintf(name, sizeof(name), "support:%lld", (long long)l.id);
        who.tenant_id = l.tenant_id;
    }
    if (rc == 0) {
        struct admin_session_opts o = {
            .kind = STORE_SESSION_COOKIE,
            .client_ip = ip,
            .user_agent = user_agent,
        };
        rc = admin_session_create_support(ctx, l.id, l.expires_at, &o,
                                          &res->session);
        if (rc < 0) {
            return rc;
        }
    } else if (rc != -EACCES) {
        res->newly_blocked = admin_login_count_failure(ctx, client);
    }
    const char *result = rc == 0              ? "ok"
                         : rc == -EKEYREVOKED ? "revoked"
                         : rc == -ETIMEDOUT   ? "expired"
                         : rc == -EACCES      ? "blocked"
                                              : "unknown";
    char js[64];
    snprintf(js, sizeof(js), "{\"uses\":%u}", l.uses);
    int arc = admin_audit_write(ctx, &who, "support.use", name, l.tenant_id,
                                result, NULL, js);
    if (arc < 0 && rc == 0) {
        (void)store_session_revoke(ctx->st, res->session.id, admin_now(ctx));
        sodium_memzero(&res->session, sizeof(res->session));
        return arc;
    }
    return rc;
}

int admin_support_revoke(struct admin_ctx *ctx, const struct admin_actor *who,
                         int64_t id)
{
    struct store_support_link l;
    int rc = store_support_link_get(ctx->st, id, &l);
    if (rc == 0) {
        rc = store_support_link_revoke(ctx->st, id, admin_now(ctx));
    }
    if (rc < 0) {
        return rc;
    }
    char target[32];
    snprintf(target, sizeof(target), "support:%lld", (long long)id);
    return admin_audit_write(ctx, who, "support.revoke", target, l.tenant_id,
                             "ok", NULL, NULL);
}

int admin_support_list(struct admin_ctx *ctx, int64_t tenant_id,
                       store_support_link_fn *cb, void *ud)
{
    return store_support_link_list(ctx->st, tenant_id, cb, ud);
}
