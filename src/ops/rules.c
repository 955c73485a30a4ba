/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inbound rules (DID or pattern -> extension, from one trunk or any) and
 * outbound rules (prefix, length range, caller roles and groups, office
 * hours, strip/prepend, trunks in failover order) of a tenant. Names of
 * groups and trunks in requests are resolved here; how the rules match a
 * call is route/'s.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ops/ops_int.h"
#include "route/rules.h"
#include "store/store.h"

/* ------------------------------------------------------------------ */
/* Inbound                                                              */
/* ------------------------------------------------------------------ */

static json_t *inbound_json(const struct store_inbound_rule *r)
{
    return json_pack("{s:I, s:o, s:o, s:o, s:I}", "id", (json_int_t)r->id,
                     "did", ops_json_string(r->did), "ext",
                     ops_json_string(r->ext), "trunk",
                     r->trunk[0] ? ops_json_string(r->trunk) : json_null(),
                     "created_at", (json_int_t)r->created_at);
}

int ops_inbound_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "did", "ext", "trunk",
                                           NULL };
    struct store_tenant t;
    struct store_user u;
    struct store_trunk tr;
    struct store_inbound_rule r = { 0 };
    const char *did = NULL;
    const char *ext = NULL;
    const char *trunk = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "did", true, &did, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "ext", true, &ext, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "trunk", false, &trunk, resp);
    }
    if (rc == 0) {
        rc = ops_user_lookup(ctx, &t, ext, "ext", &u, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (strlen(did) > STORE_PATTERN_MAX) {
        return ops_fail(resp, -EINVAL, NULL, "did",
                        "did is longer than %d characters", STORE_PATTERN_MAX);
    }
    if (trunk) {
        rc = store_trunk_find(ctx->st, trunk, &tr);
        if (rc < 0) {
            return ops_fail_store(ctx, resp, rc, "trunk");
        }
        r.trunk_id = tr.id;
        snprintf(r.trunk, sizeof(r.trunk), "%s", tr.name);
    }
    r.tenant_id = t.id;
    snprintf(r.did, sizeof(r.did), "%s", did);
    snprintf(r.ext, sizeof(r.ext), "%s", u.ext);
    r.created_at = clock_wall_s(ctx->clock);
    rc = store_inbound_add(ctx->st, &r, r.created_at, &r.id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "did");
    }
    ops_notify_change(ctx, "inbound.add", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "inbound_rule", inbound_json(&r));
}

static int inbound_cb(void *ud, const struct store_inbound_rule *r)
{
    json_t *o = inbound_json(r);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int fill_inbound(struct store *st, int64_t tenant_id, json_t *arr)
{
    return store_inbound_list(st, tenant_id, inbound_cb, arr);
}

int ops_inbound_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_list(ctx, req, resp, fill_inbound, "inbound_rules");
}

int ops_inbound_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_rm_id(ctx, req, resp, store_inbound_rm, "inbound.rm");
}

/* ------------------------------------------------------------------ */
/* Outbound                                                             */
/* ------------------------------------------------------------------ */

static json_t *outbound_json(const struct store_outbound_rule *r)
{
    json_t *roles = json_array();
    json_t *groups = json_array();
    json_t *trunks = json_array();
    int bad = !roles || !groups || !trunks;
    for (int i = 0; !bad && i <= STORE_ROLE_ADMIN; i++) {
        if (r->roles & (1u << i)) {
            bad = json_array_append_new(
                roles, json_string(store_role_name((enum store_role)i)));
        }
    }
    for (uint32_t i = 0; !bad && i < r->n_groups; i++) {
        bad = json_array_append_new(groups, ops_json_string(r->groups[i]));
    }
    for (uint32_t i = 0; !bad && i < r->n_trunks; i++) {
        bad = json_array_append_new(trunks, ops_json_string(r->trunks[i]));
    }
    if (bad) {
        json_decref(roles);
        json_decref(groups);
        json_decref(trunks);
        return NULL;
    }
    return json_pack("{s:I, s:o, s:I, s:o, s:I, s:I, s:o, s:o, s:b, s:I, "
                     "s:o, s:o, s:I}",
                     "id", (json_int_t)r->id, "name", ops_json_string(r->name),
                     "position", (json_int_t)r->position, "prefix",
                     ops_json_string(r->prefix), "min_len",
                     (json_int_t)r->min_len, "max_len", (json_int_t)r->max_len,
                     "roles", roles, "groups", groups, "office_hours_only",
                     r->office_hours_only, "strip", (json_int_t)r->strip,
                     "prepend", ops_json_string(r->prepend), "trunks", trunks,
                     "created_at", (json_int_t)r->created_at);
}

/* Text member of dial characters (digits, + * #), at most 32. */
static int get_dial(const json_t *req, const char *key, char *dst, size_t cap,
                    json_t **resp)
{
    const char *v = NULL;
    int rc = ops_get_str(req, key, false, &v, resp);
    if (rc != 0 || !v) {
        return rc;
    }
    size_t n = strlen(v);
    if (n >= cap || strspn(v, "0123456789+*#") != n
        || (n > 1 && strchr(v + 1, '+'))) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s must be at most %zu of digits, '*' and '#', with "
                        "'+' only first",
                        key, cap - 1);
    }
    memcpy(dst, v, n + 1);
    return 0;
}

static int outbound_fill(struct ops_ctx *ctx, const json_t *req,
                         const struct store_tenant *t,
                         struct store_outbound_rule *r, json_t **resp)
{
    char roles[4][16];
    char groups[STORE_RULE_GROUPS_MAX][STORE_GROUP_MAX + 1];
    char trunks[STORE_RULE_TRUNKS_MAX][STORE_TRUNK_NAME_MAX + 1];
    size_t n_roles = 0;
    size_t n_groups = 0;
    size_t n_trunks = 0;
    bool have = false;
    const char *name = NULL;
    int rc = ops_get_str(req, "name", true, &name, resp);
    if (rc == 0 && strlen(name) > STORE_RULE_NAME_MAX) {
        rc = ops_fail(resp, -EINVAL, NULL, "name",
                      "name is longer than %d characters", STORE_RULE_NAME_MAX);
    }
    if (rc == 0) {
        snprintf(r->name, sizeof(r->name), "%s", name);
        rc =
            ops_get_uint(req, "position", 1, 100000, &r->position, &have, resp);
    }
    if (rc == 0) {
        /* the routing engine's bounds, so every stored rule is used */
        rc =
            get_dial(req, "prefix", r->prefix, ROUTE_RULE_PREFIX_MAX + 1, resp);
    }
    if (rc == 0) {
        rc = get_dial(req, "prepend", r->prepend, ROUTE_RULE_PREPEND_MAX + 1,
                      resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "min_len", 0, STORE_NUMBER_MAX, &r->min_len,
                          &have, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "max_len", 0, STORE_NUMBER_MAX, &r->max_len,
                          &have, resp);
    }
    if (rc == 0 && r->max_len > 0 && r->min_len > r->max_len) {
        rc = ops_fail(resp, -EINVAL, NULL, "min_len",
                      "min_len %u is above max_len %u", (unsigned)r->min_len,
                      (unsigned)r->max_len);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "strip", 0, STORE_NUMBER_MAX, &r->strip, &have,
                          resp);
    }
    if (rc == 0) {
        rc = ops_get_bool(req, "office_hours_only", &r->office_hours_only, NULL,
                          resp);
    }
    if (rc == 0) {
        rc = ops_get_list(req, "roles", roles[0], sizeof(roles[0]), 4, &n_roles,
                          resp);
    }
    if (rc == 0) {
        rc = ops_get_list(req, "groups", groups[0], sizeof(groups[0]),
                          STORE_RULE_GROUPS_MAX, &n_groups, resp);
    }
    if (rc == 0) {
        rc = ops_get_list(req, "trunks", trunks[0], sizeof(trunks[0]),
                          STORE_RULE_TRUNKS_MAX, &n_trunks, resp);
    }
    if (rc == 0 && n_trunks == 0) {
        rc = ops_fail(resp, -EINVAL, NULL, "trunks",
                      "trunks is required: 1..%d trunk names in failover "
                      "order",
                      STORE_RULE_TRUNKS_MAX);
    }
    if (rc != 0) {
        return rc;
    }
    for (size_t i = 0; i < n_roles; i++) {
        enum store_role role;
        if (store_role_parse(roles[i], &role) != 0) {
            return ops_fail(resp, -EINVAL, NULL, "roles",
                            "roles: '%s' is not admin, international or "
                            "standard",
                            roles[i]);
        }
        r->roles |= 1u << role;
    }
    for (size_t i = 0; i < n_groups; i++) {
        struct store_group g;
        rc = store_group_find(ctx->st, t->id, groups[i], &g);
        if (rc < 0) {
            return ops_fail_store(ctx, resp, rc, "groups");
        }
        r->group_ids[r->n_groups++] = g.id;
    }
    for (size_t i = 0; i < n_trunks; i++) {
        struct store_trunk tr;
        rc = store_trunk_find(ctx->st, trunks[i], &tr);
        if (rc < 0) {
            return ops_fail_store(ctx, resp, rc, "trunks");
        }
        r->trunk_ids[r->n_trunks++] = tr.id;
    }
    return 0;
}

/* Respond with the rule named 'name' after a change. */
static int respond_rule(struct ops_ctx *ctx, const char *op,
                        const struct store_tenant *t, const char *name,
                        const json_t *req, json_t **resp)
{
    struct store_outbound_rule *r = calloc(1, sizeof(*r));
    if (!r) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    int rc = store_outbound_find(ctx->st, t->id, name, r);
    json_t *o = rc == 0 ? outbound_json(r) : NULL;
    free(r);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    ops_notify_change(ctx, op, req);
    if (ops_ok(resp) < 0) {
        json_decref(o);
        return -ENOMEM;
    }
    return ops_set(resp, "outbound_rule", o);
}

int ops_outbound_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = {
        "domain",  "name",    "position", "prefix",
        "min_len", "max_len", "roles",    "groups",
        "strip",   "prepend", "trunks",   "office_hours_only",
        NULL
    };
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct store_outbound_rule *r = calloc(1, sizeof(*r));
    if (!r) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    r->tenant_id = t.id;
    rc = outbound_fill(ctx, req, &t, r, resp);
    if (rc == 0) {
        rc = store_outbound_add(ctx->st, r, clock_wall_s(ctx->clock), NULL);
        if (rc < 0) {
            rc = ops_fail_store(ctx, resp, rc, "name");
        }
    }
    char name[STORE_RULE_NAME_MAX + 1];
    snprintf(name, sizeof(name), "%s", r->name);
    free(r);
    if (rc != 0) {
        return rc;
    }
    return respond_rule(ctx, "outbound.add", &t, name, req, resp);
}

static int outbound_cb(void *ud, const struct store_outbound_rule *r)
{
    json_t *o = outbound_json(r);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int fill_outbound(struct store *st, int64_t tenant_id, json_t *arr)
{
    return store_outbound_list(st, tenant_id, outbound_cb, arr);
}

int ops_outbound_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_list(ctx, req, resp, fill_outbound, "outbound_rules");
}

/* The tenant and the id of the rule named by "name". */
static int rule_ref(struct ops_ctx *ctx, const json_t *req,
                    struct store_tenant *t, int64_t *id, json_t **resp)
{
    const char *name = NULL;
    int rc = ops_domain_tenant(ctx, req, t, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct store_outbound_rule *r = calloc(1, sizeof(*r));
    if (!r) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_outbound_find(ctx->st, t->id, name, r);
    *id = r->id;
    free(r);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    return 0;
}

int ops_outbound_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "name", NULL };
    struct store_tenant t;
    int64_t id = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = rule_ref(ctx, req, &t, &id, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_outbound_rm(ctx->st, t.id, id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    ops_notify_change(ctx, "outbound.rm", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "name", json_incref(json_object_get(req, "name")));
}

int ops_outbound_move(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "name", "position", NULL };
    struct store_tenant t;
    int64_t id = 0;
    uint32_t pos = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = rule_ref(ctx, req, &t, &id, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "position", 1, 100000, &pos, NULL, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_outbound_move(ctx->st, t.id, id, pos);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "position");
    }
    return respond_rule(ctx, "outbound.move", &t,
                        json_string_value(json_object_get(req, "name")), req,
                        resp);
}
