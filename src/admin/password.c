/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Account password hashing (Argon2id through crypto_pwhash_str) and the
 * checks of a new password: policy, account information, history.
 */
#include "admin/password.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "store/store.h"

static bool pw_len_ok(const char *pw)
{
    return pw
           && strnlen(pw, POLICY_PASSWORD_MAX_BYTES + 1)
                  <= POLICY_PASSWORD_MAX_BYTES;
}

int admin_password_hash(const struct admin_config *cfg, const char *pw,
                        char out[ADMIN_PW_HASH_CAP])
{
    if (!pw_len_ok(pw)) {
        return -EINVAL;
    }
    /* crypto_pwhash_str picks Argon2id (libsodium >= 1.0.15). */
    char tmp[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(tmp, pw, strlen(pw), cfg->pw_opslimit,
                          cfg->pw_memlimit)
        != 0) {
        return -ENOMEM;
    }
    size_t n = strlen(tmp);
    if (n >= ADMIN_PW_HASH_CAP) {
        return -ENOMEM;
    }
    memcpy(out, tmp, n + 1);
    return 0;
}

int admin_password_verify(const char *hash, const char *pw)
{
    if (!pw_len_ok(pw)) {
        return -EINVAL;
    }
    if (!hash || crypto_pwhash_str_verify(hash, pw, strlen(pw)) != 0) {
        return -EACCES;
    }
    return 0;
}

bool admin_password_needs_rehash(const struct admin_config *cfg,
                                 const char *hash)
{
    return crypto_pwhash_str_needs_rehash(hash, cfg->pw_opslimit,
                                          cfg->pw_memlimit)
           != 0;
}

/* ---- history ------------------------------------------------------------ */

struct history_probe {
    const char *pw;
    bool found;
};

static int probe_hash(void *ud, const char *hash)
{
    struct history_probe *p = ud;
    if (admin_password_verify(hash, p->pw) == 0) {
        p->found = true;
        return 1; /* stop */
    }
    return 0;
}

struct history_ud {
    struct admin_ctx *ctx;
    int64_t admin_id;
    uint32_t n_old; /* old passwords to look at */
    int err;        /* store error seen by the callback */
};

static bool was_used(void *ud, const char *pw)
{
    struct history_ud *h = ud;
    struct history_probe p = { pw, false };
    int rc = store_admin_pw_history(h->ctx->st, h->admin_id, h->n_old,
                                    probe_hash, &p);
    if (rc < 0) {
        h->err = rc;
        return true; /* refuse rather than risk a reuse */
    }
    return p.found;
}

int admin_password_rules(struct admin_ctx *ctx, int64_t tenant_id,
                         struct policy_password_rules *rules, uint32_t *history)
{
    struct store_tenant t;
    *rules = policy_rules_admin();
    if (history) {
        *history = ctx->cfg.pw_history;
    }
    if (tenant_id == 0) {
        return 0;
    }
    int rc = store_tenant_get(ctx->st, tenant_id, &t);
    if (rc == -ENOENT) {
        return 0;
    }
    if (rc < 0) {
        return -EIO;
    }
    if (t.pol.pw_min_len > rules->min_len) {
        rules->min_len = t.pol.pw_min_len;
    }
    if (t.pol.pw_classes > rules->min_classes) {
        rules->min_classes = t.pol.pw_classes;
    }
    if (history && t.pol.pw_history > *history) {
        *history = t.pol.pw_history;
    }
    return 0;
}

int admin_password_check(struct admin_ctx *ctx, const struct store_admin *a,
                         const char *username, int64_t tenant_id,
                         const char *pw, struct policy_violation *why)
{
    struct policy_violation local;
    struct policy_password_rules rules;
    uint32_t history = 0;
    struct history_ud h = { ctx, a ? a->id : 0, 0, 0 };
    struct policy_account_info acct = {
        .username = a ? a->username : username,
    };
    if (!why) {
        why = &local;
    }
    int rc = admin_password_rules(ctx, a ? a->tenant_id : tenant_id, &rules,
                                  &history);
    if (rc < 0) {
        return rc;
    }
    if (a && a->user_id != 0) {
        acct.name = a->user_name;
        acct.extension = a->user_ext;
        acct.email = a->user_email;
    }
    if (a) {
        /* The current password counts as used too. */
        rules.history = history + 1;
        h.n_old = history;
        acct.was_used = was_used;
        acct.was_used_ud = &h;
    }
    rc = policy_password_check(&rules, pw, &acct, why);
    if (h.err < 0) {
        return h.err;
    }
    return rc;
}

int admin_password_expired(struct admin_ctx *ctx, const struct store_admin *a,
                           bool *expired)
{
    struct store_tenant t;
    *expired = false;
    if (a->tenant_id == 0) {
        return 0;
    }
    int rc = store_tenant_get(ctx->st, a->tenant_id, &t);
    if (rc == -ENOENT) {
        return 0;
    }
    if (rc < 0) {
        return -EIO;
    }
    int64_t max_age = (int64_t)t.pol.pw_expiry_days * 86400;
    *expired = t.pol.pw_expiry_days > 0
               && admin_now(ctx) - a->pw_changed_at >= max_age;
    return 0;
}

int admin_password_set(struct admin_ctx *ctx, const struct admin_actor *who,
                       int64_t admin_id, const char *pw, bool must_change,
                       const char *keep_session, struct policy_violation *why)
{
    struct store_admin a;
    char hash[ADMIN_PW_HASH_CAP];
    int rc = store_admin_get(ctx->st, admin_id, &a);
    if (rc < 0) {
        return rc;
    }
    rc = admin_password_check(ctx, &a, NULL, 0, pw, why);
    if (rc < 0) {
        return rc;
    }
    struct policy_password_rules rules;
    uint32_t keep = 0;
    rc = admin_password_rules(ctx, a.tenant_id, &rules, &keep);
    if (rc < 0) {
        return rc;
    }
    rc = admin_password_hash(&ctx->cfg, pw, hash);
    if (rc < 0) {
        return rc;
    }
    int64_t now = admin_now(ctx);
    rc = store_admin_set_password(ctx->st, admin_id, hash, must_change, keep,
                                  now);
    sodium_memzero(hash, sizeof(hash));
    if (rc < 0) {
        return rc;
    }
    uint32_t n_revoked = 0;
    rc = store_session_revoke_admin(ctx->st, admin_id, keep_session, now,
                                    &n_revoked);
    if (rc < 0) {
        return rc;
    }
    char js[96];
    snprintf(js, sizeof(js), "{\"must_change\":%s,\"sessions_revoked\":%u}",
             must_change ? "true" : "false", n_revoked);
    return admin_audit_write(ctx, who, "admin.password", a.username,
                             a.tenant_id, "ok", NULL, js);
}
