/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Country allow-list operations for the GeoIP filter: two-letter ISO 3166
 * codes, stored upper case. An empty list allows every country; whether
 * GeoIP runs at all is the geoip_db setting's business.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "base/clock.h"
#include "ops/ops_int.h"
#include "store/store.h"

/* The "country" member: two ASCII letters, upper-cased into cc. */
static int get_country(const json_t *req, char cc[3], json_t **resp)
{
    const char *c = NULL;
    int rc = ops_get_str(req, "country", true, &c, resp);
    if (rc != 0) {
        return rc;
    }
    bool ok = strlen(c) == 2;
    for (size_t i = 0; ok && i < 2; i++) {
        char ch = c[i];
        if (ch >= 'a' && ch <= 'z') {
            ch = (char)(ch - 'a' + 'A');
        }
        ok = ch >= 'A' && ch <= 'Z';
        cc[i] = ch;
    }
    if (ok) {
        cc[2] = '\0';
        return 0;
    }
    return ops_fail(resp, -EINVAL, NULL, "country",
                    "country must be a two-letter ISO 3166 code such as NG "
                    "or DE");
}

int ops_geo_allow(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "country", NULL };
    char cc[3];
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = get_country(req, cc, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_geo_rule_add(ctx->st, cc, clock_wall_s(ctx->clock));
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "country");
    }
    ops_notify_change(ctx, "geo.allow", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "country", json_string(cc));
}

int ops_geo_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "country", NULL };
    char cc[3];
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = get_country(req, cc, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_geo_rule_rm(ctx->st, cc);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "country");
    }
    ops_notify_change(ctx, "geo.rm", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "country", json_string(cc));
}

static int add_geo_cb(void *ud, const char *country, int64_t created_at)
{
    json_t *o = json_pack("{s:s, s:I}", "country", country, "created_at",
                          (json_int_t)created_at);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_geo_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    int rc = ops_members_check(req, NULL, resp);
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_geo_rule_list(ctx->st, add_geo_cb, arr);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "geo_rules", arr);
}
