/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-network, per-method rate rule operations. A rule is accepted only if
 * the rate limiter would build it (sec_ratelimit_new on a one-rule set),
 * and only while the rules name at most 255 networks (the limiter's
 * network ids are 8-bit).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops_int.h"
#include "sec/acl.h"
#include "sec/ratelimit.h"
#include "store/store.h"

enum {
    RATE_MAX_NETS = 255,          /* network ids 1..255 */
    RATE_REFILL_MAX_S = 6 * 3600, /* the limiter's burst refill bound */
    RATE_PERIOD_MAX_S = 86400,
    RATE_MAX = 1000000,
};

static json_t *rate_rule_json(const struct store_rate_rule *r)
{
    return json_pack("{s:I, s:o, s:o, s:I, s:I, s:I}", "id", (json_int_t)r->id,
                     "net", ops_json_string(r->net), "method",
                     ops_json_string(r->method), "rate", (json_int_t)r->rate,
                     "period_s", (json_int_t)r->period_s, "burst",
                     (json_int_t)r->burst);
}

/* Integer member 'key' in [lo, hi]; absent: *present false (if given). */
static int get_u32(const json_t *req, const char *key, uint32_t lo, uint32_t hi,
                   uint32_t *out, bool *present, json_t **resp)
{
    json_t *v = json_object_get(req, key);
    if (!v || json_is_null(v)) {
        if (present) {
            *present = false;
            return 0;
        }
        return ops_fail(resp, -EINVAL, NULL, key, "%s is required", key);
    }
    if (present) {
        *present = true;
    }
    json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
    if (!json_is_integer(v) || i < (json_int_t)lo || i > (json_int_t)hi) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s must be a whole number in %u..%u", key,
                        (unsigned)lo, (unsigned)hi);
    }
    *out = (uint32_t)i;
    return 0;
}

/* The "method" member: a SIP token of 1..15 bytes, upper-cased, or "*". */
static int get_method(const json_t *req, char out[STORE_METHOD_MAX + 1],
                      json_t **resp)
{
    const char *m = NULL;
    int rc = ops_get_str(req, "method", true, &m, resp);
    if (rc != 0) {
        return rc;
    }
    size_t n = strlen(m);
    bool ok = n >= 1 && n <= STORE_METHOD_MAX && n < SEC_RL_METHOD_CAP;
    for (size_t i = 0; ok && i < n; i++) {
        char c = m[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
             || (c >= '0' && c <= '9') || strchr("-.!%*_+`'~", c) != NULL;
        out[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    }
    if (!ok) {
        return ops_fail(resp, -EINVAL, NULL, "method",
                        "method must be a SIP method name of at most %d "
                        "characters (REGISTER, INVITE, ...) or * for any",
                        STORE_METHOD_MAX);
    }
    out[n] = '\0';
    return 0;
}

struct nets_walk {
    const char *net; /* the new rule's network */
    size_t n_other;  /* distinct networks other than 'net' */
    char last[STORE_NET_MAX + 1];
    bool has_net;
};

/* Rules come ordered by net: count distinct values. */
static int nets_cb(void *ud, const struct store_rate_rule *r)
{
    struct nets_walk *w = ud;
    if (strcmp(r->net, w->last) == 0) {
        return 0;
    }
    snprintf(w->last, sizeof(w->last), "%s", r->net);
    if (strcmp(r->net, w->net) == 0) {
        w->has_net = true;
    } else {
        w->n_other++;
    }
    return 0;
}

int ops_rate_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "net",      "method", "rate",
                                           "period_s", "burst",  NULL };
    struct sec_net net;
    char norm[SEC_NET_FMT_CAP];
    struct store_rate_rule r = { 0 };
    bool have_burst = false;

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_net(req, "net", &net, norm, NULL, resp);
    }
    if (rc == 0) {
        rc = get_method(req, r.method, resp);
    }
    if (rc == 0) {
        rc = get_u32(req, "rate", 1, RATE_MAX, &r.rate, NULL, resp);
    }
    if (rc == 0) {
        rc = get_u32(req, "period_s", 1, RATE_PERIOD_MAX_S, &r.period_s, NULL,
                     resp);
    }
    if (rc == 0) {
        rc = get_u32(req, "burst", 1, RATE_MAX, &r.burst, &have_burst, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (!have_burst) {
        /* One period's worth, unless that takes longer than the limiter
         * allows to refill. */
        uint64_t cap = (uint64_t)r.rate * RATE_REFILL_MAX_S / r.period_s;
        r.burst = r.period_s <= RATE_REFILL_MAX_S ? r.rate
                  : cap >= 1                      ? (uint32_t)cap
                                                  : 1;
    }
    snprintf(r.net, sizeof(r.net), "%s", norm);

    struct sec_rl_rule one = {
        .net_id = 1, .rate = r.rate, .period_s = r.period_s, .burst = r.burst
    };
    memcpy(one.method, r.method, strlen(r.method) + 1);
    struct sec_ratelimit *rl = NULL;
    if (sec_ratelimit_new(&one, 1, &rl, NULL) != 0) {
        return ops_fail(resp, -EINVAL, NULL, have_burst ? "burst" : "rate",
                        "rate rule refused: %u per %u s is faster than 16 "
                        "per millisecond, or a burst of %u takes longer than "
                        "6 hours to refill",
                        (unsigned)r.rate, (unsigned)r.period_s,
                        (unsigned)r.burst);
    }
    sec_ratelimit_free(rl);

    struct nets_walk w = { .net = norm };
    rc = store_rate_rule_list(ctx->st, nets_cb, &w);
    if (rc < 0) {
        return ops_fail_walk(ctx, resp, rc);
    }
    if (!w.has_net && w.n_other >= RATE_MAX_NETS) {
        return ops_fail(resp, -EINVAL, NULL, "net",
                        "rate rules already name %d networks, the most the "
                        "shield supports",
                        RATE_MAX_NETS);
    }
    rc = store_rate_rule_add(ctx->st, &r, &r.id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, rc == -EEXIST ? "method" : "net");
    }
    ops_notify_change(ctx, "rate.add", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "rate_rule", rate_rule_json(&r));
}

static int add_rate_cb(void *ud, const struct store_rate_rule *r)
{
    json_t *o = rate_rule_json(r);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_rate_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    int rc = ops_members_check(req, NULL, resp);
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_rate_rule_list(ctx->st, add_rate_cb, arr);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "rate_rules", arr);
}

int ops_rate_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "net", "method", NULL };
    struct sec_net net;
    char norm[SEC_NET_FMT_CAP];
    char method[STORE_METHOD_MAX + 1];
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_net(req, "net", &net, norm, NULL, resp);
    }
    if (rc == 0) {
        rc = get_method(req, method, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_rate_rule_rm(ctx->st, norm, method);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "net");
    }
    ops_notify_change(ctx, "rate.rm", req);
    if (ops_ok(resp) < 0 || ops_set(resp, "net", json_string(norm)) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "method", json_string(method));
}
