/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checklist items about calls and toll fraud: trunks without a
 * concurrent-call limit, outbound rules that can carry international
 * calls at any hour, tenants that allow every country code, and tenants
 * whose media policy lets calls use unencrypted RTP (issue 7).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checklist/checklist_int.h"
#include "store/store.h"

/* ---- trunks ------------------------------------------------------------- */

struct trunk_walk {
    struct store_trunk *arr;
    size_t n;
    size_t cap;
    int err;
};

static int push_trunk(void *ud, const struct store_trunk *t)
{
    struct trunk_walk *w = ud;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        struct store_trunk *p = realloc(w->arr, cap * sizeof(*p));
        if (!p) {
            w->err = -ENOMEM;
            return 1;
        }
        w->arr = p;
        w->cap = cap;
    }
    w->arr[w->n++] = *t;
    return 0;
}

static int count_limit(void *ud, const struct store_trunk_limit *l)
{
    size_t *n = ud;
    if (l->max_calls > 0) {
        (*n)++;
    }
    return 0;
}

void chk_trunks_concurrency(const struct checklist_ctx *ctx,
                            struct checklist_result *r)
{
    struct trunk_walk w = { 0 };
    struct chk_list bad = { .n = 0 };
    int rc = store_trunk_list(ctx->st, push_trunk, &w);

    if (rc == 0 && w.err != 0) {
        rc = w.err;
    }
    for (size_t i = 0; rc == 0 && i < w.n; i++) {
        size_t n_limits = 0;
        if (w.arr[i].max_calls > 0) {
            continue;
        }
        rc = store_trunk_limit_list(ctx->st, w.arr[i].id, count_limit,
                                    &n_limits);
        if (rc == 0 && n_limits == 0) {
            chk_list_add(&bad, "%s", w.arr[i].name);
        }
    }
    size_t n = w.n;
    free(w.arr);
    if (rc != 0) {
        chk_unreadable(r, "the trunks", rc);
        return;
    }
    if (bad.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "trunks without any concurrent-call limit (global max_calls "
                "0 and no tenant limit): %s",
                chk_list_text(&bad));
        chk_fix(r, "sipwarden trunk set NAME --max-calls N (or per tenant: "
                   "trunk limit set TRUNK DOMAIN N)");
        return;
    }
    chk_set(r, CHECKLIST_PASS, "%zu trunk(s), each with a call limit", n);
}

/* ---- outbound rules ----------------------------------------------------- */

struct rule_walk {
    const char *intl_prefix;
    const char *domain;
    struct chk_list *bad;
    size_t n;
};

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * Can the rule carry an international number? Its prefix must be able to
 * match one ("" and "0" match "00...", "0044" is one, "+..." too) and its
 * roles must include one allowed international calls (0 = any role).
 */
static bool rule_is_international(const struct store_outbound_rule *rule,
                                  const char *intl_prefix)
{
    uint32_t intl_roles =
        (1u << STORE_ROLE_INTERNATIONAL) | (1u << STORE_ROLE_ADMIN);
    bool prefix_intl = rule->prefix[0] == '+'
                       || starts_with(intl_prefix, rule->prefix)
                       || starts_with(rule->prefix, intl_prefix);
    return prefix_intl && (rule->roles == 0 || (rule->roles & intl_roles));
}

static int visit_rule(void *ud, const struct store_outbound_rule *rule)
{
    struct rule_walk *w = ud;
    w->n++;
    if (!rule->office_hours_only
        && rule_is_international(rule, w->intl_prefix)) {
        chk_list_add(w->bad, "%s of %s (prefix \"%s\")", rule->name, w->domain,
                     rule->prefix);
    }
    return 0;
}

void chk_routes_office_hours(const struct checklist_ctx *ctx,
                             struct checklist_result *r)
{
    struct store_tenant *ts = NULL;
    size_t n_ts = 0;
    struct chk_list bad = { .n = 0 };
    size_t n_rules = 0;
    int rc = chk_tenants_load(ctx->st, &ts, &n_ts);

    for (size_t i = 0; rc == 0 && i < n_ts; i++) {
        struct store_tenant_profile prof;
        const char *ip = "00";
        int prc = store_profile_get(ctx->st, ts[i].id, &prof);
        if (prc == 0 && prof.intl_prefix[0] != '\0') {
            ip = prof.intl_prefix;
        } else if (prc != 0 && prc != -ENOENT) {
            rc = prc;
            break;
        }
        struct rule_walk w = { ip, ts[i].domain, &bad, 0 };
        rc = store_outbound_list(ctx->st, ts[i].id, visit_rule, &w);
        n_rules += w.n;
    }
    free(ts);
    if (rc != 0) {
        chk_unreadable(r, "the outbound rules", rc);
        return;
    }
    if (bad.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "outbound rules that can carry international calls at any "
                "hour: %s",
                chk_list_text(&bad));
        chk_fix(r, "restrict them to office hours (outbound rule "
                   "office_hours_only, with the tenant's hours set), or "
                   "narrow their prefix and roles");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "%zu outbound rule(s): none carries international calls outside "
            "office hours",
            n_rules);
}

/* ---- allowed country codes ---------------------------------------------- */

static int visit_country(void *ud, const struct store_list_item *it)
{
    bool *all = ud;
    if (strcmp(it->value, "*") == 0) {
        *all = true;
    }
    return 0;
}

void chk_tenants_country_codes(const struct checklist_ctx *ctx,
                               struct checklist_result *r)
{
    struct store_tenant *ts = NULL;
    size_t n_ts = 0;
    struct chk_list bad = { .n = 0 };
    int rc = chk_tenants_load(ctx->st, &ts, &n_ts);

    for (size_t i = 0; rc == 0 && i < n_ts; i++) {
        bool all = false;
        rc = store_list_walk(ctx->st, STORE_LIST_COUNTRY, ts[i].id,
                             visit_country, &all);
        if (rc == 0 && all) {
            chk_list_add(&bad, "%s", ts[i].domain);
        }
    }
    free(ts);
    if (rc != 0) {
        chk_unreadable(r, "the allowed country codes", rc);
        return;
    }
    if (bad.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "tenants without an allowed-country-code restriction (\"*\" "
                "allows every country): %s",
                chk_list_text(&bad));
        chk_fix(r, "sipwarden country rm DOMAIN '*' and allow only the "
                   "country codes needed: country allow DOMAIN CODE");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "%zu tenant(s): international calls limited to the listed "
            "country codes (an empty list allows none but the own country)",
            n_ts);
}

/* ---- media policy ------------------------------------------------------- */

void chk_media_plain_rtp(const struct checklist_ctx *ctx,
                         struct checklist_result *r)
{
    struct store_tenant *ts = NULL;
    size_t n_ts = 0;
    struct chk_list bad = { .n = 0 };
    bool plain_transport =
        ctx->conf->sip_udp[0] != '\0' || ctx->conf->sip_tcp[0] != '\0';
    int rc = chk_tenants_load(ctx->st, &ts, &n_ts);

    if (rc != 0) {
        chk_unreadable(r, "the tenants", rc);
        return;
    }
    for (size_t i = 0; i < n_ts; i++) {
        uint32_t p = ts[i].pol.media_policy;
        /* "secure" still allows RTP on calls over UDP / TCP. */
        if (p == STORE_MEDIA_OPTIONAL
            || (p == STORE_MEDIA_SECURE && plain_transport)) {
            chk_list_add(&bad, "%s (%s)", ts[i].domain,
                         store_media_policy_name(p));
        }
    }
    free(ts);
    if (bad.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "tenants whose calls may use unencrypted RTP: %s%s",
                chk_list_text(&bad),
                plain_transport ? " (SIP over UDP or TCP is open)" : "");
        chk_fix(r, "sipwarden tenant media DOMAIN always (or secure with "
                   "TLS as the only SIP transport)");
        return;
    }
    chk_set(r, CHECKLIST_PASS, "%zu tenant(s): every call must offer SRTP",
            n_ts);
}
