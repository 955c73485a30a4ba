/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operation dispatcher, response and request-member helpers, and the
 * tenant and registration operations (a tenant's password policy in
 * tenant_policy.c). User operations live in user.c, the
 * shield's in security.c, iprule.c, ban.c, uarule.c, geo.c and rate.c, the
 * calls' in calls.c, trunk.c, rules.c and cdr.c, the security event log's
 * in events.c.
 */
#include "ops/ops.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "ops/alertops.h"
#include "ops/auditops.h"
#include "ops/fwops.h"
#include "ops/ops_int.h"
#include "ops/provops.h"
#include "store/store.h"

/* ------------------------------------------------------------------ */
/* Responses                                                            */
/* ------------------------------------------------------------------ */

static const char *code_for(int rc)
{
    switch (rc) {
    case -EINVAL:
        return "bad_request";
    case -ENOENT:
        return "not_found";
    case -EEXIST:
        return "exists";
    case -EBUSY:
        return "busy";
    default:
        return "internal";
    }
}

int ops_fail(json_t **resp, int rc, const char *code, const char *field,
             const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (rc != -EINVAL && rc != -ENOENT && rc != -EEXIST && rc != -EBUSY) {
        rc = rc == -ENOMEM ? -ENOMEM : -EIO;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_decref(*resp);
    *resp = json_object();
    if (!*resp) {
        return -ENOMEM;
    }
    int bad = json_object_set_new(*resp, "ok", json_false());
    bad |= json_object_set_new(*resp, "error", ops_json_string(msg));
    bad |= json_object_set_new(*resp, "code",
                               json_string(code ? code : code_for(rc)));
    if (field) {
        bad |= json_object_set_new(*resp, "field", json_string(field));
    }
    if (bad) {
        json_decref(*resp);
        *resp = NULL;
        return -ENOMEM;
    }
    return rc;
}

int ops_fail_store(struct ops_ctx *ctx, json_t **resp, int rc,
                   const char *field)
{
    const char *m = store_errmsg(ctx->st);
    return ops_fail(resp, rc, NULL, field, "%s", m[0] ? m : strerror(-rc));
}

int ops_ok(json_t **resp)
{
    json_decref(*resp);
    *resp = json_object();
    if (!*resp || json_object_set_new(*resp, "ok", json_true()) != 0) {
        json_decref(*resp);
        *resp = NULL;
        return -ENOMEM;
    }
    return 0;
}

int ops_set(json_t **resp, const char *key, json_t *v)
{
    if (!v || json_object_set_new(*resp, key, v) != 0) {
        json_decref(*resp);
        *resp = NULL;
        return -ENOMEM;
    }
    return 0;
}

json_t *ops_json_string(const char *s)
{
    if (!s) {
        s = "";
    }
    json_t *j = json_string(s);
    if (j) {
        return j;
    }
    /* Not UTF-8: keep the ASCII, replace every other byte. */
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c) {
        return NULL;
    }
    for (size_t i = 0; i <= n; i++) {
        unsigned char b = (unsigned char)s[i];
        c[i] = (char)(b >= 0x80 ? '?' : b);
    }
    j = json_string(c);
    free(c);
    return j;
}

/* ------------------------------------------------------------------ */
/* Request members                                                      */
/* ------------------------------------------------------------------ */

int ops_members_check(const json_t *req, const char *const *allowed,
                      json_t **resp)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)req, key, v)
    {
        (void)v;
        if (strcmp(key, "op") == 0) {
            continue;
        }
        bool ok = false;
        for (size_t i = 0; allowed && allowed[i]; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            return ops_fail(resp, -EINVAL, NULL, key,
                            "unknown member '%s' for this operation", key);
        }
    }
    return 0;
}

int ops_get_str(const json_t *req, const char *key, bool required,
                const char **out, json_t **resp)
{
    json_t *v = json_object_get(req, key);
    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            return ops_fail(resp, -EINVAL, NULL, key, "%s is required", key);
        }
        return 0;
    }
    if (!json_is_string(v)) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s must be a string", key);
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s contains a NUL character",
                        key);
    }
    *out = s;
    return 0;
}

int ops_get_bool(const json_t *req, const char *key, bool *out, bool *present,
                 json_t **resp)
{
    json_t *v = json_object_get(req, key);
    *out = false;
    if (present) {
        *present = v != NULL && !json_is_null(v);
    }
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (!json_is_boolean(v)) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s must be true or false",
                        key);
    }
    *out = json_is_true(v);
    return 0;
}

int ops_tenant_lookup(struct ops_ctx *ctx, const char *domain,
                      const char *field, struct store_tenant *t, json_t **resp)
{
    const char *why = NULL;
    if (store_domain_check(domain, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, field, "%s: %s", field, why);
    }
    int rc = store_tenant_find(ctx->st, domain, t);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, field);
    }
    return 0;
}

void ops_notify_change(struct ops_ctx *ctx, const char *op, const json_t *req)
{
    if (!ctx->hooks || !ctx->hooks->after_change) {
        return;
    }
    json_t *copy = json_deep_copy(req);
    if (!copy) {
        return;
    }
    json_object_del(copy, "sip_password");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(copy, "users"), i, e)
    {
        json_object_del(e, "sip_password");
    }
    ctx->hooks->after_change(ctx->hooks_ud, op, copy);
    json_decref(copy);
}

/* ------------------------------------------------------------------ */
/* Tenants                                                              */
/* ------------------------------------------------------------------ */

json_t *ops_tenant_json(const struct store_tenant *t)
{
    const struct store_tenant_policy *p = &t->pol;
    json_t *pol = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "pw_min_len",
        (json_int_t)p->pw_min_len, "pw_classes", (json_int_t)p->pw_classes,
        "pw_expiry_days", (json_int_t)p->pw_expiry_days, "pw_history",
        (json_int_t)p->pw_history, "max_contacts", (json_int_t)p->max_contacts,
        "reg_expires_min_s", (json_int_t)p->reg_expires_min_s,
        "reg_expires_default_s", (json_int_t)p->reg_expires_default_s,
        "reg_expires_max_s", (json_int_t)p->reg_expires_max_s, "media_policy",
        store_media_policy_name(p->media_policy));
    if (!pol) {
        return NULL;
    }
    return json_pack("{s:I, s:o, s:o, s:I, s:I, s:o}", "id", (json_int_t)t->id,
                     "domain", ops_json_string(t->domain), "name",
                     ops_json_string(t->name), "created_at",
                     (json_int_t)t->created_at, "users", (json_int_t)t->n_users,
                     "policy", pol);
}

static int tenant_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "name", NULL };
    const char *domain = NULL;
    const char *name = NULL;
    const char *why = NULL;
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", true, &domain, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "name", false, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (store_domain_check(domain, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, "domain", "domain: %s", why);
    }
    if (store_name_check(name, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, "name", "name: %s", why);
    }
    rc = store_tenant_add(ctx->st, domain, name, NULL);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "domain");
    }
    rc = store_tenant_find(ctx->st, domain, &t);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "domain");
    }
    ops_notify_change(ctx, "tenant.add", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "tenant", ops_tenant_json(&t));
}

static int add_tenant_cb(void *ud, const struct store_tenant *t)
{
    json_t *o = ops_tenant_json(t);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int tenant_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    int rc = ops_members_check(req, NULL, resp);
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return -ENOMEM;
    }
    rc = store_tenant_list(ctx->st, add_tenant_cb, arr);
    if (rc < 0) {
        json_decref(arr);
        if (rc == -ENOMEM) {
            return ops_fail(resp, rc, NULL, NULL, "out of memory");
        }
        return ops_fail_store(ctx, resp, rc, NULL);
    }
    if (ops_ok(resp) < 0) {
        json_decref(arr);
        return -ENOMEM;
    }
    return ops_set(resp, "tenants", arr);
}

/* ------------------------------------------------------------------ */
/* Registrations                                                        */
/* ------------------------------------------------------------------ */

json_t *ops_binding_json(const struct store_binding *b, int64_t now)
{
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];
    snprintf(user, sizeof(user), "%s@%s", b->ext ? b->ext : "",
             b->domain ? b->domain : "");
    int64_t left = b->expires_at > now ? b->expires_at - now : 0;
    return json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:o, s:o, "
        "s:I, s:f, s:o, s:o, s:o, s:I}",
        "user", ops_json_string(user), "domain", ops_json_string(b->domain),
        "ext", ops_json_string(b->ext), "aor", ops_json_string(b->aor),
        "contact", ops_json_string(b->contact_uri), "expires_at",
        (json_int_t)b->expires_at, "expires_in", (json_int_t)left, "source",
        ops_json_string(b->source), "user_agent",
        ops_json_string(b->user_agent), "call_id", ops_json_string(b->call_id),
        "cseq", (json_int_t)b->cseq, "q", (double)b->q_milli / 1000.0,
        "instance", ops_json_string(b->instance), "received",
        ops_json_string(b->received), "path", ops_json_string(b->path),
        "updated_at", (json_int_t)b->updated_at);
}

struct reg_walk {
    json_t *arr;
    int64_t now;
};

static int add_binding_cb(void *ud, const struct store_binding *b)
{
    struct reg_walk *w = ud;
    json_t *o = ops_binding_json(b, w->now);
    if (!o || json_array_append_new(w->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int reg_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", NULL };
    const char *domain = NULL;
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", false, &domain, resp);
    }
    if (rc == 0 && domain) {
        rc = ops_tenant_lookup(ctx, domain, "domain", &t, resp);
        domain = t.domain;
    }
    if (rc != 0) {
        return rc;
    }
    json_t *arr = NULL;
    if (ctx->hooks && ctx->hooks->reg_list) {
        rc = ctx->hooks->reg_list(ctx->hooks_ud, domain, &arr);
        if (rc < 0) {
            return ops_fail(resp, rc, NULL, NULL,
                            "cannot list registrations: %s", strerror(-rc));
        }
        if (!json_is_array(arr)) {
            json_decref(arr);
            return ops_fail(resp, -EIO, NULL, NULL,
                            "registrar returned no list");
        }
    } else {
        struct reg_walk w = { .arr = json_array(),
                              .now = clock_wall_s(ctx->clock) };
        if (!w.arr) {
            return -ENOMEM;
        }
        rc = store_binding_list(ctx->st, domain, w.now, add_binding_cb, &w);
        if (rc < 0) {
            json_decref(w.arr);
            if (rc == -ENOMEM) {
                return ops_fail(resp, rc, NULL, NULL, "out of memory");
            }
            return ops_fail_store(ctx, resp, rc, NULL);
        }
        arr = w.arr;
    }
    if (ops_ok(resp) < 0) {
        json_decref(arr);
        return -ENOMEM;
    }
    return ops_set(resp, "registrations", arr);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */
/* ------------------------------------------------------------------ */

static const struct {
    const char *name;
    ops_handler_fn *fn;
} ops_table[] = {
    { "tenant.add", tenant_add },
    { "tenant.list", tenant_list },
    { "tenant.policy.set", ops_tenant_policy_set },
    { "tenant.policy.show", ops_tenant_policy_show },
    { "tenant.media.set", ops_tenant_media_set },
    { "tenant.media.show", ops_tenant_media_show },
    { "user.add", ops_user_add },
    { "user.list", ops_user_list },
    { "user.set", ops_user_set },
    { "user.rm", ops_user_rm },
    { "user.import", ops_user_import },
    { "reg.list", reg_list },
    { "security.show", ops_security_show },
    { "security.set", ops_security_set },
    { "ip.allow", ops_ip_allow },
    { "ip.block", ops_ip_block },
    { "ip.list", ops_ip_list },
    { "ip.rm", ops_ip_rm },
    { "ban.list", ops_ban_list },
    { "ban.why", ops_ban_why },
    { "ban.lift", ops_ban_lift },
    { "ua.list", ops_ua_list },
    { "ua.add", ops_ua_add },
    { "ua.rm", ops_ua_rm },
    { "geo.allow", ops_geo_allow },
    { "geo.list", ops_geo_list },
    { "geo.rm", ops_geo_rm },
    { "rate.add", ops_rate_add },
    { "rate.list", ops_rate_list },
    { "rate.rm", ops_rate_rm },
    { "group.add", ops_group_add },
    { "group.list", ops_group_list },
    { "group.rm", ops_group_rm },
    { "group.member.add", ops_group_member_add },
    { "group.member.rm", ops_group_member_rm },
    { "tenant.profile.set", ops_profile_set },
    { "tenant.profile.show", ops_profile_show },
    { "country.allow", ops_country_allow },
    { "country.list", ops_country_list },
    { "country.rm", ops_country_rm },
    { "prefix.block", ops_prefix_block },
    { "prefix.list", ops_prefix_list },
    { "prefix.rm", ops_prefix_rm },
    { "emergency.add", ops_emergency_add },
    { "emergency.list", ops_emergency_list },
    { "emergency.rm", ops_emergency_rm },
    { "hours.set", ops_hours_set },
    { "hours.list", ops_hours_list },
    { "hours.rm", ops_hours_rm },
    { "holiday.add", ops_holiday_add },
    { "holiday.list", ops_holiday_list },
    { "holiday.rm", ops_holiday_rm },
    { "trunk.add", ops_trunk_add },
    { "trunk.set", ops_trunk_set },
    { "trunk.list", ops_trunk_list },
    { "trunk.rm", ops_trunk_rm },
    { "trunk.limit.set", ops_trunk_limit_set },
    { "inbound.add", ops_inbound_add },
    { "inbound.list", ops_inbound_list },
    { "inbound.rm", ops_inbound_rm },
    { "outbound.add", ops_outbound_add },
    { "outbound.list", ops_outbound_list },
    { "outbound.rm", ops_outbound_rm },
    { "outbound.move", ops_outbound_move },
    { "limit.set", ops_limit_set },
    { "limit.list", ops_limit_list },
    { "limit.rm", ops_limit_rm },
    { "fraud.set", ops_fraud_set },
    { "fraud.list", ops_fraud_list },
    { "fraud.rm", ops_fraud_rm },
    { "suspend.list", ops_suspend_list },
    { "suspend.lift", ops_suspend_lift },
    { "cdr.list", ops_cdr_list },
    { "ssh.open", ops_ssh_open },
    { "ssh.close", ops_ssh_close },
    { "ssh.list", ops_ssh_list },
    { "audit.run", ops_audit_run },
    { "event.list", ops_event_list },
    { "alert.test", ops_alert_test },
    { "alert.status", ops_alert_status },
    { "prov.enable", ops_prov_enable },
    { "prov.rotate", ops_prov_rotate },
    { "prov.disable", ops_prov_disable },
    { "prov.list", ops_prov_list },
};

int ops_exec(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    const char *op = NULL;
    *resp = NULL;
    if (!json_is_object(req)) {
        return ops_fail(resp, -EINVAL, NULL, NULL,
                        "request must be a JSON object");
    }
    int rc = ops_get_str(req, "op", true, &op, resp);
    if (rc != 0 || !op) {
        return rc;
    }
    for (size_t i = 0; i < sizeof(ops_table) / sizeof(ops_table[0]); i++) {
        if (strcmp(op, ops_table[i].name) == 0) {
            return ops_table[i].fn(ctx, req, resp);
        }
    }
    return ops_fail(resp, -EINVAL, NULL, "op", "unknown operation '%.64s'", op);
}
