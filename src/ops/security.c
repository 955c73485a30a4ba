/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shield settings operations (security.show, security.set), the settings
 * loader the daemon uses, and the request helpers shared by the shield's
 * rule operations. What each key means and its range are sec/settings.c's;
 * this file only moves values between requests, that table and the store.
 */
#include "ops/security.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/sv.h"
#include "ops/ops_int.h"
#include "sec/acl.h"
#include "sec/settings.h"
#include "store/store.h"

/* ------------------------------------------------------------------ */
/* Helpers shared by the shield operations                              */
/* ------------------------------------------------------------------ */

int ops_get_net(const json_t *req, const char *key, struct sec_net *net,
                char *norm, unsigned *warn, json_t **resp)
{
    char err[SEC_NET_ERR_CAP];
    const char *text = NULL;
    unsigned w = 0;
    int rc = ops_get_str(req, key, true, &text, resp);
    if (rc != 0) {
        return rc;
    }
    if (sec_net_parse(sv_cstr(text), 0, net, &w, err, sizeof(err)) != 0) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s: %s", key, err);
    }
    sec_net_fmt(net, norm, SEC_NET_FMT_CAP);
    if (warn) {
        *warn = w;
    }
    return 0;
}

int ops_fail_walk(struct ops_ctx *ctx, json_t **resp, int rc)
{
    if (rc == -ENOMEM) {
        return ops_fail(resp, rc, NULL, NULL, "out of memory");
    }
    return ops_fail_store(ctx, resp, rc, NULL);
}

int ops_ok_with(json_t **resp, const char *key, json_t *arr)
{
    if (ops_ok(resp) < 0) {
        json_decref(arr);
        return -ENOMEM;
    }
    return ops_set(resp, key, arr);
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */
/* ------------------------------------------------------------------ */

struct load_walk {
    struct sec_settings *s;
    char *err;
    size_t err_cap;
    int n_bad;
};

static int load_row(void *ud, const char *key, const char *value)
{
    struct load_walk *w = ud;
    char why[SEC_SETTINGS_ERR_CAP];
    if (strchr(key, '.')) {
        return 0; /* "admin.*": another subsystem's setting */
    }
    struct sec_settings next = *w->s;
    if (sec_settings_set(&next, key, value, why, sizeof(why)) == 0
        && sec_settings_check(&next, why, sizeof(why)) == 0) {
        *w->s = next;
        return 0;
    }
    if (w->n_bad++ == 0 && w->err && w->err_cap > 0) {
        snprintf(w->err, w->err_cap,
                 "stored security setting ignored (default kept): %s", why);
    }
    return 0;
}

int ops_security_settings_load(struct store *st, struct sec_settings *out,
                               char *err, size_t err_cap)
{
    struct load_walk w = { .s = out, .err = err, .err_cap = err_cap };
    sec_settings_defaults(out);
    if (err && err_cap > 0) {
        err[0] = '\0';
    }
    int rc = store_settings_load(st, load_row, &w);
    if (rc < 0) {
        sec_settings_defaults(out);
        if (err && err_cap > 0) {
            snprintf(err, err_cap, "%s", store_errmsg(st));
        }
        return -EIO;
    }
    return w.n_bad > 0 ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ */
/* security.show                                                        */
/* ------------------------------------------------------------------ */

/* The value of one key as JSON: an integer for numbers, else a string. */
static json_t *value_json(const struct sec_setting_info *info, const char *text)
{
    if (info->is_number) {
        uint64_t v = 0;
        if (sv_to_u64(sv_cstr(text), UINT32_MAX, &v) == 0) {
            return json_integer((json_int_t)v);
        }
    }
    return ops_json_string(text);
}

int ops_security_show(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP + STORE_ERRMSG_CAP];
    char val[SEC_SETTINGS_VALUE_CAP];
    int rc = ops_members_check(req, NULL, resp);
    if (rc != 0) {
        return rc;
    }
    rc = ops_security_settings_load(ctx->st, &s, err, sizeof(err));
    if (rc == -EIO) {
        return ops_fail(resp, -EIO, NULL, NULL, "%s", err);
    }
    json_t *settings = json_object();
    json_t *keys = json_array();
    if (!settings || !keys) {
        json_decref(settings);
        json_decref(keys);
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    int bad = 0;
    for (size_t i = 0; i < sec_settings_count(); i++) {
        const struct sec_setting_info *info = sec_settings_info(i);
        sec_settings_get(&s, info->key, val, sizeof(val));
        bad |= json_object_set_new(settings, info->key, value_json(info, val));
        json_t *k = json_pack("{s:s, s:o, s:o, s:s, s:s}", "key", info->key,
                              "value", value_json(info, val), "default",
                              value_json(info, info->default_text), "range",
                              info->range, "help", info->help);
        bad |= k ? json_array_append_new(keys, k) : -1;
    }
    if (bad) {
        json_decref(settings);
        json_decref(keys);
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    if (ops_ok(resp) < 0) {
        json_decref(settings);
        json_decref(keys);
        return -ENOMEM;
    }
    if (rc == -EINVAL && ops_set(resp, "warning", ops_json_string(err)) < 0) {
        json_decref(settings);
        json_decref(keys);
        return -ENOMEM;
    }
    if (ops_set(resp, "settings", settings) < 0) {
        json_decref(keys);
        return -ENOMEM;
    }
    return ops_set(resp, "keys", keys);
}

/* ------------------------------------------------------------------ */
/* security.set                                                         */
/* ------------------------------------------------------------------ */

/* The "value" member as text: a string, or a number / boolean spelled. */
static int value_text(const json_t *req, char *buf, size_t cap,
                      const char **out, json_t **resp)
{
    json_t *v = json_object_get(req, "value");
    if (json_is_integer(v)) {
        json_int_t i = json_integer_value(v);
        if (i < 0) {
            return ops_fail(resp, -EINVAL, NULL, "value",
                            "value must not be negative");
        }
        snprintf(buf, cap, "%lld", (long long)i);
        *out = buf;
        return 0;
    }
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? "on" : "off";
        return 0;
    }
    if (v && !json_is_string(v) && !json_is_null(v)) {
        return ops_fail(resp, -EINVAL, NULL, "value",
                        "value must be a string, a whole number or a "
                        "boolean");
    }
    return ops_get_str(req, "value", true, out, resp);
}

int ops_security_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "key", "value", NULL };
    struct sec_settings s;
    char err[SEC_SETTINGS_ERR_CAP + STORE_ERRMSG_CAP];
    char num[32];
    char canon[SEC_SETTINGS_VALUE_CAP];
    const char *key = NULL;
    const char *value = NULL;

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "key", true, &key, resp);
    }
    if (rc == 0) {
        rc = value_text(req, num, sizeof(num), &value, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (!sec_settings_find(key)) {
        return ops_fail(resp, -EINVAL, NULL, "key",
                        "unknown security setting '%.64s' (see 'sipwarden "
                        "security show')",
                        key);
    }
    rc = ops_security_settings_load(ctx->st, &s, err, sizeof(err));
    if (rc == -EIO) {
        return ops_fail(resp, -EIO, NULL, NULL, "%s", err);
    }
    if (sec_settings_set(&s, key, value, err, sizeof(err)) != 0
        || sec_settings_check(&s, err, sizeof(err)) != 0) {
        return ops_fail(resp, -EINVAL, NULL, "value", "%s", err);
    }
    sec_settings_get(&s, key, canon, sizeof(canon));
    rc = store_setting_set(ctx->st, key, canon, clock_wall_s(ctx->clock));
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "value");
    }
    ops_notify_change(ctx, "security.set", req);
    const struct sec_setting_info *info = sec_settings_find(key);
    if (ops_ok(resp) < 0 || ops_set(resp, "key", json_string(key)) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "value", value_json(info, canon));
}
