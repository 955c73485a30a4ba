/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tenant's password policy (PRODUCT.md §4): tenant.policy.set changes
 * its minimum length, character classes, expiry and history within their
 * ranges; tenant.policy.show reads it. The policy applies to the tenant's
 * SIP passwords (user.c) and, on top of the administrator rules, to its
 * portal accounts (src/admin). tenant.media.set / show: when its calls
 * must offer encrypted media (src/media/policy.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "ops/ops_int.h"
#include "policy/password.h"
#include "store/store.h"

/* The range error of ops_get_uint, marked with rule "range". */
static int range_rule(int rc, json_t **resp)
{
    if (rc == -EINVAL && *resp) {
        json_object_set_new(*resp, "rule", json_string("range"));
    }
    return rc;
}

static int policy_reply(const struct store_tenant *t, json_t **resp)
{
    const struct store_tenant_policy *p = &t->pol;
    if (ops_ok(resp) < 0 || ops_set(resp, "tenant", ops_tenant_json(t)) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "policy",
                   json_pack("{s:I, s:I, s:I, s:I}", "pw_min_len",
                             (json_int_t)p->pw_min_len, "pw_classes",
                             (json_int_t)p->pw_classes, "pw_expiry_days",
                             (json_int_t)p->pw_expiry_days, "pw_history",
                             (json_int_t)p->pw_history));
}

static int media_reply(const struct store_tenant *t, json_t **resp)
{
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "media_policy",
                   json_string(store_media_policy_name(t->pol.media_policy)));
}

/* The tenant of a request that names only its domain (the show ops). */
static int tenant_of(struct ops_ctx *ctx, const json_t *req,
                     struct store_tenant *t, json_t **resp)
{
    static const char *const allowed[] = { "domain", NULL };
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, t, resp);
    }
    return rc;
}

int ops_tenant_policy_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain",     "pw_min_len",
                                           "pw_classes", "pw_expiry_days",
                                           "pw_history", NULL };
    static const struct {
        const char *key;
        uint32_t lo, hi;
    } fields[] = {
        { "pw_min_len", POLICY_TENANT_MIN_LEN_MIN, POLICY_TENANT_MIN_LEN_MAX },
        { "pw_classes", 1, 4 },
        { "pw_expiry_days", POLICY_EXPIRY_DAYS_MIN, POLICY_EXPIRY_DAYS_MAX },
        { "pw_history", 0, POLICY_HISTORY_MAX },
    };
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct store_tenant_policy pol = t.pol;
    uint32_t *dst[] = { &pol.pw_min_len, &pol.pw_classes, &pol.pw_expiry_days,
                        &pol.pw_history };
    bool any = false;
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        bool present = false;
        rc = ops_get_uint(req, fields[i].key, fields[i].lo, fields[i].hi,
                          dst[i], &present, resp);
        if (rc != 0) {
            return range_rule(rc, resp);
        }
        any = any || present;
    }
    if (!any) {
        return ops_fail(resp, -EINVAL, NULL, "pw_min_len",
                        "give at least one of pw_min_len, pw_classes, "
                        "pw_expiry_days, pw_history");
    }
    /* The policy module has the last word on what makes a preset. */
    const char *why = NULL;
    struct policy_password_rules rules;
    if (policy_rules_tenant(pol.pw_min_len, pol.pw_classes, pol.pw_expiry_days,
                            pol.pw_history, &rules, &why)
        != 0) {
        return ops_fail(resp, -EINVAL, NULL, NULL, "%s", why);
    }
    rc = store_tenant_set_pw_policy(ctx->st, t.id, &pol);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "domain");
    }
    ops_notify_change(ctx, "tenant.policy.set", req);
    t.pol = pol;
    return policy_reply(&t, resp);
}

int ops_tenant_policy_show(struct ops_ctx *ctx, const json_t *req,
                           json_t **resp)
{
    struct store_tenant t;
    int rc = tenant_of(ctx, req, &t, resp);
    return rc != 0 ? rc : policy_reply(&t, resp);
}

/* ---- media policy ------------------------------------------------------ */

int ops_tenant_media_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "media_policy", NULL };
    struct store_tenant t;
    const char *name = NULL;
    uint32_t policy = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "media_policy", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (store_media_policy_parse(name, &policy) != 0) {
        rc = ops_fail(resp, -EINVAL, NULL, "media_policy",
                      "media_policy: one of optional, secure (encrypted "
                      "media required over TLS and WSS), always");
        if (*resp) {
            json_object_set_new(*resp, "rule", json_string("enum"));
        }
        return rc;
    }
    rc = store_tenant_set_media(ctx->st, t.id, policy);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "domain");
    }
    ops_notify_change(ctx, "tenant.media.set", req);
    t.pol.media_policy = policy;
    return media_reply(&t, resp);
}

int ops_tenant_media_show(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    struct store_tenant t;
    int rc = tenant_of(ctx, req, &t, resp);
    return rc != 0 ? rc : media_reply(&t, resp);
}
