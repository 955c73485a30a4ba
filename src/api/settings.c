/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's run-time settings over REST (system administrators
 * only): GET /api/v1/admin-settings and PUT /api/v1/admin-settings/{key}
 * {value}, every change audited with its old and new value by src/admin,
 * a value out of range answered 422 naming the field and the rule, and an
 * administrator network list that would shut out the caller refused
 * (rule "lockout"). Also a tenant's password policy, which goes through
 * the generic resource handler as operation tenant.policy.set / show.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/settings.h"
#include "api/api_int.h"

/* ---- admin settings ----------------------------------------------------- */

/* Only a system administrator with nothing pending may see or change
 * them; answers 403 otherwise. */
static bool system_admin(struct api *a, const struct http_req *req,
                         struct http_resp *resp, struct api_caller *c)
{
    if (!api_authenticate(a, req, resp, c)) {
        return false;
    }
    if (c->p.must_change) {
        api_problem(resp, 403, "Password change required",
                    "change the password first", "new_password", "must_change");
        return false;
    }
    if (c->p.role != STORE_ADMIN_SYSTEM) {
        api_problem(resp, 403, "Forbidden",
                    "only system administrators change admin settings", NULL,
                    "role");
        return false;
    }
    return true;
}

static void answer_settings(struct api *a, struct http_resp *resp)
{
    json_t *o =
        json_pack("{s:o}", "settings", admin_settings_json(&a->cfg.admin->cfg));
    if (o == NULL) {
        api_problem(resp, 500, NULL, "out of memory", NULL, NULL);
        return;
    }
    http_resp_json(resp, 200, o);
    json_decref(o);
}

static void on_settings(void *ctx, const struct http_req *req,
                        struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (system_admin(a, req, resp, &c)) {
        answer_settings(a, resp);
    }
}

/*
 * The text form of a JSON value for admin_setting_parse: numbers and
 * booleans as their text, strings as they are, an array of strings joined
 * with commas. Returns 0, or -EINVAL with *rule set.
 */
static int value_text(const json_t *v, char *buf, size_t cap, const char **rule)
{
    int n = -1;
    if (json_is_integer(v)) {
        n = snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
    } else if (json_is_boolean(v)) {
        n = snprintf(buf, cap, "%s", json_is_true(v) ? "true" : "false");
    } else if (json_is_string(v)) {
        n = snprintf(buf, cap, "%s", json_string_value(v));
    } else if (json_is_array(v)) {
        size_t used = 0;
        size_t i;
        const json_t *e;
        buf[0] = '\0';
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e)) {
                *rule = "network";
                return -EINVAL;
            }
            n = snprintf(buf + used, cap - used, "%s%s", i ? "," : "",
                         json_string_value(e));
            if (n < 0 || (size_t)n >= cap - used) {
                *rule = "too_many";
                return -EINVAL;
            }
            used += (size_t)n;
        }
        return 0;
    }
    if (n < 0) {
        *rule = "type";
        return -EINVAL;
    }
    if ((size_t)n >= cap) {
        *rule = "too_long";
        return -EINVAL;
    }
    return 0;
}

static void on_setting_put(void *ctx, const struct http_req *req,
                           struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    char key[ADMIN_SETTING_KEY_MAX + 1];
    char text[ADMIN_SETTING_TEXT_CAP];
    const char *rule = NULL;
    if (!system_admin(a, req, resp, &c)) {
        return;
    }
    if (sv_copy_cstr(http_req_param(req, "key"), key, sizeof(key)) != 0
        || admin_setting_find(key) == NULL) {
        api_problem(resp, 404, "No such setting",
                    "GET /api/v1/admin-settings lists them", "key",
                    "not_found");
        return;
    }
    const json_t *v =
        json_is_object(req->json) ? json_object_get(req->json, "value") : NULL;
    if (v == NULL) {
        api_problem(resp, 422, "Value required", "send {\"value\": ...}", key,
                    "required");
        return;
    }
    if (value_text(v, text, sizeof(text), &rule) != 0) {
        api_problem(resp, 422, "Value refused",
                    "the value has the wrong type or is too long", key, rule);
        return;
    }
    struct admin_actor who;
    struct admin_setting_err err;
    api_actor(&c, req, &who);
    int rc =
        admin_setting_change(a->cfg.admin, &who, key, text, &req->peer, &err);
    if (rc == -EINVAL || rc == -EACCES || rc == -ENOENT) {
        api_problem(resp, 422, "Value refused", err.message, key, err.rule);
        return;
    }
    if (rc != 0) {
        api_problem(resp, 500, NULL, "the setting could not be saved", NULL,
                    NULL);
        return;
    }
    answer_settings(a, resp);
}

/* ---- a tenant's password policy ----------------------------------------- */

/* Routes of the generic resource handler that live here rather than in
 * the resource table (routes.c). */
/* clang-format off */
static const struct api_route policy_routes[] = {
    { HTTP_GET, "/api/v1/tenants/{domain}/password-policy", "tenant.policy.show", API_TENANT, NULL, {0}, false, false, "A tenant's password policy" },
    { HTTP_PUT, "/api/v1/tenants/{domain}/password-policy", "tenant.policy.set", API_TENANT, NULL, {0}, false, false, "Set a tenant's password policy" },
};
/* clang-format on */

static void on_policy_show(void *ctx, const struct http_req *req,
                           struct http_resp *resp)
{
    struct api_route_ctx rc = { ctx, &policy_routes[0] };
    api_resource(&rc, req, resp);
}

static void on_policy_set(void *ctx, const struct http_req *req,
                          struct http_resp *resp)
{
    struct api_route_ctx rc = { ctx, &policy_routes[1] };
    api_resource(&rc, req, resp);
}

const struct api_fixed_route api_settings_routes[] = {
    { HTTP_GET, "/api/v1/admin-settings", on_settings,
      "Admin plane settings (system administrators)" },
    { HTTP_PUT, "/api/v1/admin-settings/{key}", on_setting_put,
      "Change an admin plane setting ({value})" },
    { HTTP_GET, "/api/v1/tenants/{domain}/password-policy", on_policy_show,
      "A tenant's password policy" },
    { HTTP_PUT, "/api/v1/tenants/{domain}/password-policy", on_policy_set,
      "Set a tenant's password policy (pw_min_len, pw_classes, "
      "pw_expiry_days, pw_history)" },
};
const size_t api_settings_count =
    sizeof(api_settings_routes) / sizeof(api_settings_routes[0]);
