/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sign-in decision and the web login protection around it. Failures
 * are counted per address, IPv6 per /64 (one host owns a /64 and would
 * otherwise rotate through it). A portal password older than its
 * tenant's expiry is treated as a forced change.
 */
#include "admin/login.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/mfa.h"
#include "admin/password.h"
#include "admin/throttle.h"
#include "base/clock.h"
#include "net/addr.h"
#include "store/store.h"

static const char *const status_names[] = {
    [ADMIN_LOGIN_OK] = "ok",
    [ADMIN_LOGIN_BAD_CREDENTIALS] = "bad_credentials",
    [ADMIN_LOGIN_OTP_REQUIRED] = "otp_required",
    [ADMIN_LOGIN_BAD_OTP] = "bad_otp",
    [ADMIN_LOGIN_CHANGE_REQUIRED] = "change_required",
    [ADMIN_LOGIN_PASSWORD_REFUSED] = "password_refused",
    [ADMIN_LOGIN_BLOCKED] = "blocked",
    [ADMIN_LOGIN_NETWORK_REFUSED] = "network_refused",
};

const char *admin_login_status_name(enum admin_login_status s)
{
    if ((unsigned)s >= sizeof(status_names) / sizeof(status_names[0])) {
        return "unknown";
    }
    return status_names[s];
}

/* The throttle key of an address: its IP, IPv6 cut to the /64. */
static void thr_key(const struct net_addr *a, uint8_t key[16])
{
    static const uint8_t mapped[12] = {
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
    };
    net_addr_ip16(a, key);
    if (memcmp(key, mapped, sizeof(mapped)) != 0) {
        memset(key + 8, 0, 8);
    }
}

bool admin_login_blocked(struct admin_ctx *ctx, const struct net_addr *client,
                         uint32_t *left_s)
{
    uint8_t key[16];
    thr_key(client, key);
    return admin_throttle_blocked(ctx->thr, key, clock_mono_ms(ctx->clock),
                                  left_s);
}

void admin_login_unblock(struct admin_ctx *ctx, const struct net_addr *client)
{
    uint8_t key[16];
    thr_key(client, key);
    admin_throttle_clear(ctx->thr, key);
}

static bool count_failure(struct admin_ctx *ctx, const struct net_addr *client,
                          uint32_t *count)
{
    uint8_t key[16];
    thr_key(client, key);
    return admin_throttle_fail(
        ctx->thr, key, clock_mono_ms(ctx->clock), ctx->cfg.login_max_failures,
        ctx->cfg.login_period_s, ctx->cfg.login_block_s, count);
}

bool admin_login_count_failure(struct admin_ctx *ctx,
                               const struct net_addr *client)
{
    return count_failure(ctx, client, NULL);
}

bool admin_login_network_ok(const struct admin_ctx *ctx,
                            const struct net_addr *client)
{
    if (ctx->cfg.n_allowed_nets == 0) {
        return true;
    }
    for (uint32_t i = 0; i < ctx->cfg.n_allowed_nets; i++) {
        if (sec_net_covers(&ctx->cfg.allowed_nets[i], client)) {
            return true;
        }
    }
    return false;
}

/* Verify against a hash of a random password at the current cost, so an
 * unknown username takes as long as a wrong password. */
static void dummy_verify(struct admin_ctx *ctx, const char *pw)
{
    if (!ctx->dummy_hash[0]) {
        char rnd[ADMIN_TOKEN_CAP];
        admin_token_new(rnd);
        if (admin_password_hash(&ctx->cfg, rnd, ctx->dummy_hash) < 0) {
            ctx->dummy_hash[0] = '\0';
        }
        sodium_memzero(rnd, sizeof(rnd));
    }
    (void)admin_password_verify(ctx->dummy_hash, pw);
}

/* Everything one attempt needs for its audit line. */
struct attempt {
    struct admin_ctx *ctx;
    const struct admin_login_req *req;
    struct admin_login_res *res;
    struct store_admin acct;
    bool have_acct;
    char ip[NET_ADDR_FMT_CAP];
};

static int audit(struct attempt *at)
{
    struct admin_actor who = {
        .name = at->have_acct ? at->acct.username : "-",
        .admin_id = at->have_acct ? at->acct.id : 0,
        .tenant_id = at->have_acct ? at->acct.tenant_id : 0,
        .client_ip = at->ip,
    };
    char js[160];
    if (at->res->status == ADMIN_LOGIN_OK) {
        snprintf(js, sizeof(js), "{\"kind\":\"%s\",\"factor\":\"%s\"}",
                 at->req->kind == STORE_SESSION_API_TOKEN ? "api_token"
                                                          : "cookie",
                 at->res->used_recovery                   ? "recovery"
                 : at->have_acct && at->acct.totp_enabled ? "totp"
                                                          : "password");
    } else if (at->res->status == ADMIN_LOGIN_PASSWORD_REFUSED) {
        snprintf(js, sizeof(js), "{\"rule\":%d}", (int)at->res->violation.rule);
    } else {
        snprintf(js, sizeof(js), "{\"failures\":%u,\"blocked_s\":%u}",
                 at->res->failures, at->res->blocked_s);
    }
    return admin_audit_write(
        at->ctx, &who, "auth.login", at->req->username, who.tenant_id,
        admin_login_status_name(at->res->status), NULL, js);
}

/* Refuse the attempt with 'status'; 'counts' says whether it is a failure
 * for the web login protection. */
static int refuse(struct attempt *at, enum admin_login_status status,
                  bool counts)
{
    at->res->status = status;
    if (counts) {
        at->res->newly_blocked =
            count_failure(at->ctx, at->req->client, &at->res->failures);
        if (at->res->newly_blocked) {
            at->res->status = ADMIN_LOGIN_BLOCKED;
            at->res->blocked_s = at->ctx->cfg.login_block_s;
        }
    }
    return audit(at);
}

/* The forced change: check and store the new password. */
static int change_password(struct attempt *at)
{
    struct admin_actor who = {
        .name = at->acct.username,
        .admin_id = at->acct.id,
        .tenant_id = at->acct.tenant_id,
        .client_ip = at->ip,
    };
    /* The new password must differ from the one just typed even when
     * the history is off. */
    if (strcmp(at->req->new_password, at->req->password) == 0) {
        at->res->violation.rule = POLICY_RULE_REUSED;
        snprintf(at->res->violation.message, sizeof(at->res->violation.message),
                 "the new password must differ from the current one");
        return 1;
    }
    int rc =
        admin_password_set(at->ctx, &who, at->acct.id, at->req->new_password,
                           false, NULL, &at->res->violation);
    if (rc == -EINVAL) {
        return 1;
    }
    at->acct.must_change = false;
    return rc;
}

int admin_login(struct admin_ctx *ctx, const struct admin_login_req *req,
                struct admin_login_res *res)
{
    struct attempt at = { .ctx = ctx, .req = req, .res = res };
    memset(res, 0, sizeof(*res));
    if (!req->client || !req->username || !req->password) {
        return -EINVAL;
    }
    net_addr_ip_fmt(req->client, at.ip, sizeof(at.ip));
    if (strlen(at.ip) > STORE_IP_TEXT_MAX) {
        at.ip[STORE_IP_TEXT_MAX] = '\0';
    }
    if (admin_login_blocked(ctx, req->client, &res->blocked_s)) {
        return refuse(&at, ADMIN_LOGIN_BLOCKED, false);
    }
    int rc = store_admin_find(ctx->st, req->username, &at.acct);
    if (rc < 0 && rc != -ENOENT && rc != -EINVAL) {
        return rc;
    }
    at.have_acct = rc == 0;
    if (at.have_acct && at.acct.role != STORE_ADMIN_USER
        && !admin_login_network_ok(ctx, req->client)) {
        dummy_verify(ctx, req->password);
        return refuse(&at, ADMIN_LOGIN_NETWORK_REFUSED, true);
    }
    char hash[ADMIN_PW_HASH_CAP];
    bool pw_ok = false;
    if (at.have_acct) {
        rc = store_admin_pw_hash(ctx->st, at.acct.id, hash, sizeof(hash));
        if (rc < 0) {
            return rc;
        }
        pw_ok = admin_password_verify(hash, req->password) == 0;
    } else {
        dummy_verify(ctx, req->password);
    }
    if (!pw_ok) {
        sodium_memzero(hash, sizeof(hash));
        at.have_acct = false; /* a wrong password proves nothing */
        return refuse(&at, ADMIN_LOGIN_BAD_CREDENTIALS, true);
    }
    res->admin_id = at.acct.id;
    if (at.acct.totp_enabled) {
        if (!req->otp || !req->otp[0]) {
            sodium_memzero(hash, sizeof(hash));
            return refuse(&at, ADMIN_LOGIN_OTP_REQUIRED, false);
        }
        rc = admin_mfa_check(ctx, at.acct.id, req->otp, &res->used_recovery);
        if (rc == -EACCES || rc == -EALREADY) {
            sodium_memzero(hash, sizeof(hash));
            return refuse(&at, ADMIN_LOGIN_BAD_OTP, true);
        }
        if (rc < 0) {
            sodium_memzero(hash, sizeof(hash));
            return rc;
        }
        if (res->used_recovery) {
            store_admin_recovery_left(ctx->st, at.acct.id, &res->recovery_left);
        }
    }
    /* A tenant's portal account whose password outlived the tenant's
     * expiry must choose a new one, as a must_change account does. */
    bool expired = false;
    rc = admin_password_expired(ctx, &at.acct, &expired);
    if (rc < 0) {
        sodium_memzero(hash, sizeof(hash));
        return rc;
    }
    if (at.acct.must_change || expired) {
        sodium_memzero(hash, sizeof(hash));
        if (!req->new_password || !req->new_password[0]) {
            return refuse(&at, ADMIN_LOGIN_CHANGE_REQUIRED, false);
        }
        rc = change_password(&at);
        if (rc > 0) {
            return refuse(&at, ADMIN_LOGIN_PASSWORD_REFUSED, false);
        }
        if (rc < 0) {
            return rc;
        }
    } else if (admin_password_needs_rehash(&ctx->cfg, hash)) {
        /* The configured cost changed: upgrade the stored hash. */
        char fresh[ADMIN_PW_HASH_CAP];
        struct policy_password_rules rules;
        uint32_t keep = 0;
        if (admin_password_rules(ctx, at.acct.tenant_id, &rules, &keep) == 0
            && admin_password_hash(&ctx->cfg, req->password, fresh) == 0) {
            (void)store_admin_set_password(ctx->st, at.acct.id, fresh, false,
                                           keep, admin_now(ctx));
        }
        sodium_memzero(fresh, sizeof(fresh));
    }
    sodium_memzero(hash, sizeof(hash));
    struct admin_session_opts o = {
        .kind = req->kind,
        .client_ip = at.ip,
        .user_agent = req->user_agent,
    };
    rc = admin_session_create(ctx, at.acct.id, &o, &res->session);
    if (rc == 0) {
        rc = store_admin_set_login(ctx->st, at.acct.id, at.ip, admin_now(ctx));
    }
    if (rc == 0) {
        res->status = ADMIN_LOGIN_OK;
        admin_login_unblock(ctx, req->client);
        rc = audit(&at);
    }
    if (rc < 0 && res->session.id[0]) {
        /* Unaudited sessions must not live. */
        (void)store_session_revoke(ctx->st, res->session.id, admin_now(ctx));
        sodium_memzero(&res->session, sizeof(res->session));
    }
    return rc;
}
