/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User-Agent blacklist operations. The list starts as the compiled-in
 * defaults, seeded into the store by the first ua.* operation on a
 * database and never again, so a default the operator removed stays
 * removed. Patterns are checked by sec/ua.c, the matcher's own rules.
 */
#include <errno.h>
#include <string.h>

#include "base/clock.h"
#include "base/sv.h"
#include "ops/ops_int.h"
#include "sec/ua.h"
#include "store/store.h"

static int seed(struct ops_ctx *ctx, json_t **resp)
{
    size_t n = 0;
    const char *const *defaults = sec_ua_defaults(&n);
    int rc =
        store_ua_seed(ctx->st, defaults, n, clock_wall_s(ctx->clock), NULL);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, NULL);
    }
    return 0;
}

static json_t *ua_rule_json(const struct store_ua_rule *r)
{
    return json_pack("{s:I, s:o, s:I}", "id", (json_int_t)r->id, "pattern",
                     ops_json_string(r->pattern), "created_at",
                     (json_int_t)r->created_at);
}

static int add_ua_cb(void *ud, const struct store_ua_rule *r)
{
    json_t *o = ua_rule_json(r);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

/* The pattern member, checked as the matcher will check it. */
static int get_pattern(const json_t *req, const char **out, json_t **resp)
{
    char err[SEC_UA_ERR_CAP];
    int rc = ops_get_str(req, "pattern", true, out, resp);
    if (rc != 0) {
        return rc;
    }
    if (sec_ua_pattern_check(sv_cstr(*out), err, sizeof(err)) != 0) {
        return ops_fail(resp, -EINVAL, NULL, "pattern", "pattern: %s", err);
    }
    return 0;
}

int ops_ua_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    int rc = ops_members_check(req, NULL, resp);
    if (rc == 0) {
        rc = seed(ctx, resp);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_ua_rule_list(ctx->st, add_ua_cb, arr);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "ua_rules", arr);
}

static int count_cb(void *ud, const struct store_ua_rule *r)
{
    (void)r;
    (*(size_t *)ud)++;
    return 0;
}

int ops_ua_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "pattern", NULL };
    const char *pattern = NULL;
    size_t n = 0;
    int64_t id = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = get_pattern(req, &pattern, resp);
    }
    if (rc == 0) {
        rc = seed(ctx, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_ua_rule_list(ctx->st, count_cb, &n);
    if (rc < 0) {
        return ops_fail_walk(ctx, resp, rc);
    }
    if (n >= SEC_UA_MAX_PATTERNS) {
        return ops_fail(resp, -EINVAL, NULL, "pattern",
                        "the User-Agent list holds %zu patterns, the most "
                        "the shield accepts",
                        n);
    }
    int64_t now = clock_wall_s(ctx->clock);
    rc = store_ua_rule_add(ctx->st, pattern, now, &id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "pattern");
    }
    ops_notify_change(ctx, "ua.add", req);
    struct store_ua_rule r = { .id = id, .created_at = now };
    memcpy(r.pattern, pattern, strlen(pattern) + 1);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "ua_rule", ua_rule_json(&r));
}

int ops_ua_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "pattern", NULL };
    const char *pattern = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "pattern", true, &pattern, resp);
    }
    if (rc == 0) {
        rc = seed(ctx, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_ua_rule_rm(ctx->st, pattern);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "pattern");
    }
    ops_notify_change(ctx, "ua.rm", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "pattern", ops_json_string(pattern));
}
