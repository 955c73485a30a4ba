/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's settings (defaults and ranges; the ranges of the
 * run-time settings live in settings.c) and context life.
 */
#include "admin/admin.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "admin/settings.h"
#include "admin/throttle.h"
#include "base/clock.h"

void admin_config_defaults(struct admin_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->session_idle_s = 15 * 60;
    cfg->session_absolute_s = 12 * 3600;
    cfg->api_token_max_s = 90 * 86400;
    cfg->login_max_failures = 5;
    cfg->login_period_s = 5 * 60;
    cfg->login_block_s = 15 * 60;
    cfg->throttle_cap = 4096;
    cfg->pw_history = 5;
    cfg->audit_max_days = 365;
    cfg->audit_max_rows = 100000;
    snprintf(cfg->totp_issuer, sizeof(cfg->totp_issuer), "sipwarden");
    cfg->pw_opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    cfg->pw_memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
}

static bool in(uint64_t v, uint64_t lo, uint64_t hi)
{
    return v >= lo && v <= hi;
}

/* The fields that are not run-time settings. */
static const char *fixed_error(const struct admin_config *cfg)
{
    size_t issuer_len = strnlen(cfg->totp_issuer, sizeof(cfg->totp_issuer));
    if (!in(cfg->throttle_cap, 16, 1u << 20)) {
        return "throttle_cap must be 16..1048576";
    }
    if (issuer_len == 0 || issuer_len == sizeof(cfg->totp_issuer)
        || strchr(cfg->totp_issuer, ':')) {
        return "totp_issuer must be 1..31 characters without ':'";
    }
    if (!in(cfg->pw_opslimit, crypto_pwhash_OPSLIMIT_MIN,
            crypto_pwhash_OPSLIMIT_SENSITIVE)
        || !in(cfg->pw_memlimit, crypto_pwhash_MEMLIMIT_MIN,
               crypto_pwhash_MEMLIMIT_SENSITIVE)) {
        return "pw_opslimit / pw_memlimit out of libsodium's range";
    }
    if (cfg->n_allowed_nets > ADMIN_ALLOWED_NETS_MAX) {
        return "at most 64 allowed networks";
    }
    for (uint32_t i = 0; i < cfg->n_allowed_nets; i++) {
        if (!sec_net_is_valid(&cfg->allowed_nets[i])) {
            return "allowed_nets holds an invalid network";
        }
    }
    return NULL;
}

int admin_config_check(const struct admin_config *cfg, const char **why)
{
    /* The ranges of the run-time settings are settings.c's table. */
    const char *msg = admin_settings_range_error(cfg);
    if (msg == NULL) {
        msg = fixed_error(cfg);
    }
    if (why) {
        *why = msg;
    }
    return msg ? -EINVAL : 0;
}

int admin_ctx_init(struct admin_ctx *ctx, struct store *st,
                   const struct admin_config *cfg, const struct sw_clock *clock)
{
    memset(ctx, 0, sizeof(*ctx));
    if (sodium_init() < 0) {
        return -ENOMEM;
    }
    if (cfg) {
        if (admin_config_check(cfg, NULL) < 0) {
            return -EINVAL;
        }
        ctx->cfg = *cfg;
    } else {
        admin_config_defaults(&ctx->cfg);
    }
    ctx->thr = admin_throttle_new(ctx->cfg.throttle_cap);
    if (!ctx->thr) {
        return -ENOMEM;
    }
    ctx->st = st;
    ctx->clock = clock;
    return 0;
}

void admin_ctx_fini(struct admin_ctx *ctx)
{
    admin_throttle_free(ctx->thr);
    ctx->thr = NULL;
    sodium_memzero(ctx->dummy_hash, sizeof(ctx->dummy_hash));
}

int admin_ctx_set_config(struct admin_ctx *ctx, const struct admin_config *cfg)
{
    if (admin_config_check(cfg, NULL) < 0) {
        return -EINVAL;
    }
    if (cfg->throttle_cap != ctx->cfg.throttle_cap) {
        struct admin_throttle *t = admin_throttle_new(cfg->throttle_cap);
        if (!t) {
            return -ENOMEM;
        }
        admin_throttle_free(ctx->thr);
        ctx->thr = t;
    }
    if (cfg->pw_opslimit != ctx->cfg.pw_opslimit
        || cfg->pw_memlimit != ctx->cfg.pw_memlimit) {
        ctx->dummy_hash[0] = '\0'; /* recomputed at the new cost */
    }
    ctx->cfg = *cfg;
    return 0;
}

int64_t admin_now(const struct admin_ctx *ctx)
{
    return clock_wall_s(ctx->clock);
}
