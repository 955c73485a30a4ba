/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checklist items about the shield and the firewall: broad whitelist
 * entries, blacklist entries covering this server, detection thresholds
 * out of a sensible range, an empty User-Agent blacklist, the service
 * firewall not loaded, bans not mirrored into the kernel and security
 * logs kept too briefly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "base/sv.h"
#include "checklist/checklist_int.h"
#include "sec/acl.h"
#include "sec/own.h"
#include "sec/settings.h"
#include "store/store.h"

/* ---- IP lists ----------------------------------------------------------- */

struct ip_walk {
    const struct checklist_ctx *ctx;
    struct chk_list bad;
    size_t n;
};

static int visit_allow(void *ud, const struct store_ip_rule *rule)
{
    struct ip_walk *w = ud;
    struct sec_net net;

    w->n++;
    if (sec_net_parse(sv_cstr(rule->net), 0, &net, NULL, NULL, 0) == 0
        && sec_net_is_broader_than(&net, 16, 48)) {
        chk_list_add(&w->bad, "%s%s%s%s", rule->net, rule->descr[0] ? " (" : "",
                     rule->descr, rule->descr[0] ? ")" : "");
    }
    return 0;
}

void chk_whitelist_broad(const struct checklist_ctx *ctx,
                         struct checklist_result *r)
{
    struct ip_walk w = { .ctx = ctx };
    int rc = store_ip_rule_list(ctx->st, "allow", visit_allow, &w);

    if (rc != 0) {
        chk_unreadable(r, "the IP rules", rc);
        return;
    }
    if (w.bad.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "whitelisted networks broader than /16 (IPv6 /48) bypass "
                "every anti-hacking check: %s",
                chk_list_text(&w.bad));
        chk_fix(r, "replace them with the exact office, VPN and trunk "
                   "networks: sipwarden ip rm NET; sipwarden ip allow NET");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "%zu whitelist entr%s, none broader than /16 "
            "(IPv6 /48)",
            w.n, w.n == 1 ? "y" : "ies");
}

static int visit_block(void *ud, const struct store_ip_rule *rule)
{
    struct ip_walk *w = ud;
    struct sec_net net;
    char msg[SEC_OWN_MSG_CAP];

    w->n++;
    if (sec_net_parse(sv_cstr(rule->net), 0, &net, NULL, NULL, 0) == 0
        && sec_own_conflict(&net, w->ctx->own, w->ctx->n_own, NULL, msg,
                            sizeof(msg))) {
        chk_list_add(&w->bad, "%s: %s", rule->net, msg);
    }
    return 0;
}

void chk_blacklist_own(const struct checklist_ctx *ctx,
                       struct checklist_result *r)
{
    struct ip_walk w = { .ctx = ctx };
    int rc = store_ip_rule_list(ctx->st, "block", visit_block, &w);

    if (rc != 0) {
        chk_unreadable(r, "the IP rules", rc);
        return;
    }
    if (w.bad.n > 0) {
        chk_set(r, CHECKLIST_FAIL, "blacklist entries covering this server: %s",
                chk_list_text(&w.bad));
        chk_fix(r, "remove or narrow them: sipwarden ip rm NET");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "%zu blacklist entr%s, none covering the server's %zu address(es)",
            w.n, w.n == 1 ? "y" : "ies", ctx->n_own);
}

/* ---- detection thresholds ----------------------------------------------- */

/* A setting with its sensible range: outside [warn_lo, warn_hi] warns,
 * outside [fail_lo, fail_hi] fails ("effectively disabled"). */
struct bound {
    const char *key;
    uint32_t value;
    uint32_t fail_lo, warn_lo, warn_hi, fail_hi;
};

void chk_shield_thresholds(const struct checklist_ctx *ctx,
                           struct checklist_result *r)
{
    const struct sec_detect_cfg *d = &ctx->sec->det;
    /* The documented ranges (README "Audit checklist"). */
    const struct bound b[] = {
        { "detection_period_s", d->period_s, 10, 30, 3600, 3600 },
        { "auth_fail_threshold", d->auth_fail_ban, 1, 1, 100, 500 },
        { "challenge_fail_threshold", d->challenge_fail_ban, 1, 1, 100, 500 },
        { "user_fail_block", d->user_fail_block, 1, 1, 50, 1000 },
        { "sip_blacklist_s", d->sip_ban_s, 60, 600, UINT32_MAX, UINT32_MAX },
        { "l1_pps", d->l1_pps, 1, 1, 5000, 20000 },
        { "l2_pps", d->l2_pps, 1, 1, 20000, 64999 },
        { "ua_score_ban", d->ua_score_ban, 0, 1, 255, 255 },
    };
    struct chk_list fail = { .n = 0 };
    struct chk_list warn = { .n = 0 };

    for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
        if (b[i].value < b[i].fail_lo || b[i].value > b[i].fail_hi) {
            chk_list_add(&fail, "%s = %u (sensible %u..%u)", b[i].key,
                         b[i].value, b[i].warn_lo, b[i].warn_hi);
        } else if (b[i].value < b[i].warn_lo || b[i].value > b[i].warn_hi) {
            chk_list_add(&warn, "%s = %u (sensible %u..%u)", b[i].key,
                         b[i].value, b[i].warn_lo, b[i].warn_hi);
        }
    }
    if (fail.n == 0 && warn.n == 0) {
        chk_set(r, CHECKLIST_PASS,
                "detection period %u s; %u failed auths or %u unanswered "
                "challenges ban for %u s; Level 1 %u pps, Level 2 %u pps",
                d->period_s, d->auth_fail_ban, d->challenge_fail_ban,
                d->sip_ban_s, d->l1_pps, d->l2_pps);
        return;
    }
    if (fail.n > 0) {
        chk_set(r, CHECKLIST_FAIL, "effectively disabled: %s",
                chk_list_text(&fail));
        if (warn.n > 0) {
            chk_more(r, "; weak: %s", chk_list_text(&warn));
        }
    } else {
        chk_set(r, CHECKLIST_WARN, "weak: %s", chk_list_text(&warn));
    }
    chk_fix(r, "sipwarden security set KEY VALUE for each one named (sipwarden "
               "security show lists the defaults)");
}

/* ---- User-Agent blacklist ----------------------------------------------- */

static int count_ua(void *ud, const struct store_ua_rule *rule)
{
    (void)rule;
    (*(size_t *)ud)++;
    return 0;
}

void chk_ua_blacklist(const struct checklist_ctx *ctx,
                      struct checklist_result *r)
{
    size_t n = 0;
    char flag[16];
    int rc = store_ua_rule_list(ctx->st, count_ua, &n);

    if (rc != 0) {
        chk_unreadable(r, "the User-Agent blacklist", rc);
        return;
    }
    if (n > 0) {
        chk_set(r, CHECKLIST_PASS, "%zu blocked User-Agent pattern(s)", n);
        return;
    }
    rc =
        store_setting_get(ctx->st, STORE_SETTING_UA_SEEDED, flag, sizeof(flag));
    if (rc == -ENOENT) {
        chk_set(r, CHECKLIST_PASS,
                "not seeded yet: the daemon adds the built-in scanner "
                "patterns (sipvicious, friendly-scanner, ...) when it starts");
        return;
    }
    chk_set(r, CHECKLIST_WARN,
            "the User-Agent blacklist is empty: known scanners are not "
            "recognised by name");
    chk_fix(r, "sipwarden ua add friendly-scanner (and sipvicious, sipcli, "
               "VaxSIPUserAgent, ...)");
}

/* ---- firewall ----------------------------------------------------------- */

void chk_firewall_active(const struct checklist_ctx *ctx,
                         struct checklist_result *r)
{
    char why[256] = "";
    const char *table = ctx->conf->fw_svc_table;
    int rc =
        ctx->fw_probe ? ctx->fw_probe(ctx->fw_ud, why, sizeof(why)) : -ENOSYS;

    if (rc > 0) {
        chk_set(r, CHECKLIST_PASS, "table inet %s is loaded in the kernel",
                table);
        return;
    }
    if (rc == 0) {
        chk_set(r, CHECKLIST_FAIL,
                "table inet %s is not loaded: every port of this machine is "
                "as open as the host firewall leaves it%s%s%s",
                table, why[0] ? " (nft: " : "", why, why[0] ? ")" : "");
        chk_fix(r, "sipwarden firewall apply (as root), after checking "
                   "sipwarden firewall render");
        return;
    }
    chk_set(r, CHECKLIST_WARN, "unknown whether table inet %s is loaded: %s",
            table, why[0] ? why : "no way to ask the kernel here");
    chk_fix(r, "run sipwarden audit as root, or with the daemon running with "
               "[firewall] nftables on");
}

void chk_bans_kernel(const struct checklist_ctx *ctx,
                     struct checklist_result *r)
{
    if (!ctx->sec->kernel_sync) {
        chk_set(r, CHECKLIST_WARN,
                "kernel_sync = off: banned addresses still reach the daemon "
                "and cost it a packet parse each");
        chk_fix(r, "sipwarden security set kernel_sync on (with [firewall] "
                   "nftables = auto or on)");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "kernel_sync = on: bans are dropped in "
            "nftables before the daemon sees them");
}

void chk_logs_retention(const struct checklist_ctx *ctx,
                        struct checklist_result *r)
{
    uint32_t ev = ctx->sec->event_log_max_days;
    uint32_t au = ctx->adm->audit_max_days; /* 0: kept for ever */
    struct chk_list bad = { .n = 0 };

    if (ev < CHECKLIST_RETENTION_DAYS) {
        chk_list_add(&bad, "security events kept %u days (event_log_max_days)",
                     ev);
    }
    if (au != 0 && au < CHECKLIST_RETENTION_DAYS) {
        chk_list_add(&bad, "admin audit log kept %u days (audit_max_days)", au);
    }
    if (bad.n > 0) {
        chk_set(r, CHECKLIST_WARN, "shorter than %d days: %s",
                CHECKLIST_RETENTION_DAYS, chk_list_text(&bad));
        chk_fix(r, "sipwarden security set event_log_max_days 90; sipwarden "
                   "admin-settings set audit_max_days 365");
        return;
    }
    if (au == 0) {
        chk_set(r, CHECKLIST_PASS,
                "security events kept %u days, admin audit log without age "
                "limit",
                ev);
    } else {
        chk_set(r, CHECKLIST_PASS,
                "security events kept %u days, admin audit log %u days", ev,
                au);
    }
}
