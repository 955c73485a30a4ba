/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Session creation, lookup with the idle and absolute timeouts, CSRF
 * check, revocation and listing.
 */
#include "admin/session.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

static int create(struct admin_ctx *ctx, int64_t admin_id, int64_t support_id,
                  int64_t cap_expires_at, const struct admin_session_opts *o,
                  struct admin_session_new *out)
{
    struct store_session s;
    int64_t now = admin_now(ctx);
    memset(&s, 0, sizeof(s));
    memset(out, 0, sizeof(*out));
    if ((unsigned)o->kind > STORE_SESSION_API_TOKEN
        || o->ttl_s > ctx->cfg.api_token_max_s
        || (o->label && strlen(o->label) > STORE_SESSION_LABEL_MAX)
        || (o->client_ip && strlen(o->client_ip) > STORE_IP_TEXT_MAX)) {
        return -EINVAL;
    }
    if (o->kind == STORE_SESSION_API_TOKEN) {
        s.expires_at = now + (o->ttl_s ? o->ttl_s : ctx->cfg.api_token_max_s);
    } else {
        s.expires_at = now + ctx->cfg.session_absolute_s;
        admin_token_new(out->csrf);
        admin_token_hash(out->csrf, ADMIN_TOKEN_LEN, s.csrf_hash);
    }
    if (cap_expires_at > 0) {
        s.expires_at = min64(s.expires_at, cap_expires_at);
    }
    admin_token_new(out->token);
    admin_token_hash(out->token, ADMIN_TOKEN_LEN, s.id);
    s.admin_id = admin_id;
    s.support_id = support_id;
    s.kind = o->kind;
    snprintf(s.label, sizeof(s.label), "%s", o->label ? o->label : "");
    s.created_at = now;
    s.last_seen_at = now;
    snprintf(s.client_ip, sizeof(s.client_ip), "%s",
             o->client_ip ? o->client_ip : "");
    /* The store cleans and cuts the agent; copy at most what it keeps. */
    if (o->user_agent) {
        size_t n = strnlen(o->user_agent, STORE_USER_AGENT_MAX);
        /* Cut on a UTF-8 boundary. */
        while (o->user_agent[n] != '\0' && n > 0
               && ((unsigned char)o->user_agent[n] & 0xc0) == 0x80) {
            n--;
        }
        memcpy(s.user_agent, o->user_agent, n);
        s.user_agent[n] = '\0';
    }
    int rc = store_session_add(ctx->st, &s);
    if (rc < 0) {
        sodium_memzero(out, sizeof(*out));
        return rc;
    }
    memcpy(out->id, s.id, sizeof(out->id));
    out->expires_at = s.expires_at;
    return 0;
}

int admin_session_create(struct admin_ctx *ctx, int64_t admin_id,
                         const struct admin_session_opts *o,
                         struct admin_session_new *out)
{
    if (admin_id <= 0) {
        return -EINVAL;
    }
    return create(ctx, admin_id, 0, 0, o, out);
}

int admin_session_create_support(struct admin_ctx *ctx, int64_t support_id,
                                 int64_t link_expires_at,
                                 const struct admin_session_opts *o,
                                 struct admin_session_new *out)
{
    if (support_id <= 0 || o->kind != STORE_SESSION_COOKIE) {
        return -EINVAL;
    }
    return create(ctx, 0, support_id, link_expires_at, o, out);
}

/* When session 's' ends if not used again: the absolute expiry, or for a
 * portal session the idle deadline when sooner. */
static int64_t ends_at(const struct admin_ctx *ctx,
                       const struct store_session *s)
{
    if (s->kind != STORE_SESSION_COOKIE) {
        return s->expires_at;
    }
    return min64(s->expires_at,
                 s->last_seen_at + (int64_t)ctx->cfg.session_idle_s);
}

static bool is_live(const struct admin_ctx *ctx, const struct store_session *s,
                    int64_t now)
{
    return s->revoked_at == 0 && now < ends_at(ctx, s);
}

int admin_session_lookup(struct admin_ctx *ctx, const char *token, bool touch,
                         struct admin_principal *out)
{
    struct store_session s;
    char id[ADMIN_HASH_CAP];
    if (!admin_token_ok(token)) {
        return -ENOENT;
    }
    admin_token_hash(token, ADMIN_TOKEN_LEN, id);
    int rc = store_session_get(ctx->st, id, &s);
    if (rc < 0) {
        return rc;
    }
    int64_t now = admin_now(ctx);
    if (!is_live(ctx, &s, now)) {
        /* Ended: make it final, so raising the idle timeout later does
         * not bring it back. */
        if (s.revoked_at == 0) {
            (void)store_session_revoke(ctx->st, id, now);
        }
        return -ENOENT;
    }
    if (touch && now > s.last_seen_at) {
        rc = store_session_touch(ctx->st, id, now);
        if (rc < 0) {
            return rc;
        }
        s.last_seen_at = now;
    }
    memset(out, 0, sizeof(*out));
    memcpy(out->session_id, s.id, sizeof(out->session_id));
    out->kind = s.kind;
    out->admin_id = s.admin_id;
    out->support_id = s.support_id;
    out->role = s.role;
    out->tenant_id = s.tenant_id;
    out->user_id = s.user_id;
    if (s.support_id) {
        snprintf(out->name, sizeof(out->name), "support:%lld",
                 (long long)s.support_id);
    } else {
        snprintf(out->name, sizeof(out->name), "%s", s.username);
    }
    out->must_change = s.must_change;
    if (ctx->cfg.require_2fa && s.role == STORE_ADMIN_SYSTEM
        && s.admin_id != 0) {
        struct store_admin a;
        rc = store_admin_get(ctx->st, s.admin_id, &a);
        if (rc < 0) {
            return rc;
        }
        out->must_enrol_2fa = !a.totp_enabled;
    }
    out->expires_at = ends_at(ctx, &s);
    memcpy(out->csrf_hash, s.csrf_hash, sizeof(out->csrf_hash));
    return 0;
}

bool admin_session_csrf_ok(const struct admin_principal *p, const char *csrf)
{
    char h[ADMIN_HASH_CAP];
    if (p->kind != STORE_SESSION_COOKIE || !p->csrf_hash[0]
        || !admin_token_ok(csrf)) {
        return false;
    }
    admin_token_hash(csrf, ADMIN_TOKEN_LEN, h);
    return admin_hash_eq(h, p->csrf_hash);
}

int admin_session_touch(struct admin_ctx *ctx, const char *id)
{
    return store_session_touch(ctx->st, id, admin_now(ctx));
}

int admin_session_revoke(struct admin_ctx *ctx, const struct admin_actor *who,
                         const char *id)
{
    struct store_session s;
    int rc = store_session_get(ctx->st, id, &s);
    if (rc == 0) {
        rc = store_session_revoke(ctx->st, id, admin_now(ctx));
    }
    if (rc < 0) {
        return rc;
    }
    char target[STORE_AUDIT_TARGET_MAX + 1];
    /* Name the owner and a short prefix of the public id, never a token. */
    if (s.support_id) {
        snprintf(target, sizeof(target), "support:%lld/%.12s",
                 (long long)s.support_id, s.id);
    } else {
        snprintf(target, sizeof(target), "%s/%.12s", s.username, s.id);
    }
    return admin_audit_write(ctx, who, "session.revoke", target, s.tenant_id,
                             "ok", NULL, NULL);
}

int admin_session_revoke_all(struct admin_ctx *ctx,
                             const struct admin_actor *who, int64_t admin_id,
                             const char *keep_id, uint32_t *n)
{
    struct store_admin a;
    uint32_t count = 0;
    int rc = store_admin_get(ctx->st, admin_id, &a);
    if (rc == 0) {
        rc = store_session_revoke_admin(ctx->st, admin_id, keep_id,
                                        admin_now(ctx), &count);
    }
    if (rc < 0) {
        return rc;
    }
    if (n) {
        *n = count;
    }
    char js[48];
    snprintf(js, sizeof(js), "{\"revoked\":%u}", count);
    return admin_audit_write(ctx, who, "session.revoke_all", a.username,
                             a.tenant_id, "ok", NULL, js);
}

struct list_ud {
    const struct admin_ctx *ctx;
    int64_t now;
    store_session_fn *cb;
    void *ud;
};

static int list_one(void *ud, const struct store_session *s)
{
    struct list_ud *l = ud;
    if (!is_live(l->ctx, s, l->now)) {
        return 0;
    }
    return l->cb(l->ud, s);
}

int admin_session_list(struct admin_ctx *ctx, int64_t admin_id,
                       store_session_fn *cb, void *ud)
{
    struct list_ud l = { ctx, admin_now(ctx), cb, ud };
    return store_session_list(ctx->st, admin_id, l.now, list_one, &l);
}

int admin_session_purge(struct admin_ctx *ctx, uint32_t *n)
{
    int64_t now = admin_now(ctx);
    return store_session_purge(ctx->st, now,
                               now - (int64_t)ctx->cfg.session_idle_s, n);
}

void admin_principal_actor(const struct admin_principal *p,
                           const char *client_ip, struct admin_actor *out)
{
    out->name = p->name;
    out->admin_id = p->admin_id;
    out->tenant_id = p->tenant_id;
    out->client_ip = client_ip;
}
