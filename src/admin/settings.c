/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane's run-time settings: one table of names, kinds and
 * ranges (which admin_config_check reads too), their text and JSON forms,
 * loading from and saving to the settings table, the audited change and
 * the once-a-second pick-up of changes made by other processes.
 */
#include "admin/settings.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "admin/audit.h"
#include "base/clock.h"
#include "base/sv.h"
#include "sec/acl.h"
#include "store/store.h"

/* clang-format off */
#define UINT_SETTING(name, lo, hi, range, help)                           \
    { #name, ADMIN_SETTING_UINT, offsetof(struct admin_config, name), lo, \
      hi, range, #name " must be " range, help }

static const struct admin_setting_info infos[] = {
    UINT_SETTING(session_idle_s, 60, 86400, "60..86400",
                 "a portal session ends after this many seconds unused"),
    UINT_SETTING(session_absolute_s, 300, 604800, "300..604800",
                 "a portal session ends this many seconds after sign-in"),
    UINT_SETTING(api_token_max_s, 3600, 31536000, "3600..31536000",
                 "longest life of an API token, seconds"),
    UINT_SETTING(login_max_failures, 1, 1000, "1..1000",
                 "failed sign-ins from one address before it is blocked"),
    UINT_SETTING(login_period_s, 10, 86400, "10..86400",
                 "... counted within this many seconds"),
    UINT_SETTING(login_block_s, 10, 604800, "10..604800",
                 "how long a blocked address stays blocked, seconds"),
    UINT_SETTING(pw_history, 0, STORE_ADMIN_HISTORY_MAX, "0..24",
                 "previous passwords an account may not use again"),
    UINT_SETTING(audit_max_days, 0, 3650, "0..3650",
                 "audit entries are kept this many days (0: no limit)"),
    UINT_SETTING(audit_max_rows, 0, 10000000, "0..10000000",
                 "audit entries kept at most (0: no limit)"),
    { "allowed_networks", ADMIN_SETTING_NETS, 0, 0, ADMIN_ALLOWED_NETS_MAX,
      "CIDR list", "allowed_networks holds an invalid network",
      "administrators sign in only from these networks (none: anywhere)" },
    { "require_2fa", ADMIN_SETTING_BOOL,
      offsetof(struct admin_config, require_2fa), 0, 1, "true|false",
      "require_2fa must be true or false",
      "system administrators must use a second factor (TOTP)" },
};
/* clang-format on */

#define N_INFOS (sizeof(infos) / sizeof(infos[0]))

const struct admin_setting_info *admin_settings_info(size_t *n)
{
    *n = N_INFOS;
    return infos;
}

const struct admin_setting_info *admin_setting_find(const char *key)
{
    for (size_t i = 0; key && i < N_INFOS; i++) {
        if (strcmp(infos[i].key, key) == 0) {
            return &infos[i];
        }
    }
    return NULL;
}

static uint32_t *uint_field(struct admin_config *cfg,
                            const struct admin_setting_info *info)
{
    return (uint32_t *)(void *)((char *)cfg + info->offset);
}

static uint32_t uint_value(const struct admin_config *cfg,
                           const struct admin_setting_info *info)
{
    uint32_t v;
    memcpy(&v, (const char *)cfg + info->offset, sizeof(v));
    return v;
}

static bool *bool_field(struct admin_config *cfg,
                        const struct admin_setting_info *info)
{
    return (bool *)(void *)((char *)cfg + info->offset);
}

static bool bool_value(const struct admin_config *cfg,
                       const struct admin_setting_info *info)
{
    bool v;
    memcpy(&v, (const char *)cfg + info->offset, sizeof(v));
    return v;
}

const char *admin_settings_range_error(const struct admin_config *cfg)
{
    for (size_t i = 0; i < N_INFOS; i++) {
        const struct admin_setting_info *info = &infos[i];
        if (info->kind == ADMIN_SETTING_UINT) {
            uint32_t v = uint_value(cfg, info);
            if (v < info->lo || v > info->hi) {
                return info->why;
            }
        }
    }
    return NULL;
}

/* ---- text --------------------------------------------------------------- */

static int refuse(struct admin_setting_err *err, int rc, const char *rule,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int refuse(struct admin_setting_err *err, int rc, const char *rule,
                  const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->rule = rule;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return rc;
}

static bool is_digits(const char *s)
{
    return s[0] != '\0' && strspn(s, "0123456789") == strlen(s);
}

static int parse_uint(uint32_t *out, const struct admin_setting_info *info,
                      const char *text, struct admin_setting_err *err)
{
    bool negative = text[0] == '-' && is_digits(text + 1);
    if (!negative && !is_digits(text)) {
        return refuse(err, -EINVAL, "integer", "%s must be a whole number",
                      info->key);
    }
    if (negative || strlen(text) > 10 || strtoull(text, NULL, 10) < info->lo
        || strtoull(text, NULL, 10) > info->hi) {
        return refuse(err, -EINVAL, "range", "%s", info->why);
    }
    *out = (uint32_t)strtoul(text, NULL, 10);
    return 0;
}

static int parse_bool(bool *out, const struct admin_setting_info *info,
                      const char *text, struct admin_setting_err *err)
{
    static const char *const yes[] = { "true", "1", "yes", "on" };
    static const char *const no[] = { "false", "0", "no", "off" };
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return refuse(err, -EINVAL, "boolean", "%s", info->why);
}

static int parse_nets(struct admin_config *cfg, const char *text,
                      struct admin_setting_err *err)
{
    static const char seps[] = ", \t\r\n";
    struct sec_net nets[ADMIN_ALLOWED_NETS_MAX];
    uint32_t n = 0;
    const char *p = text;
    if (strcasecmp(text, "none") == 0) {
        p = "";
    }
    for (;;) {
        p += strspn(p, seps);
        if (*p == '\0') {
            break;
        }
        size_t len = strcspn(p, seps);
        char why[SEC_NET_ERR_CAP];
        if (n == ADMIN_ALLOWED_NETS_MAX) {
            return refuse(err, -EINVAL, "too_many",
                          "allowed_networks holds at most %d networks",
                          ADMIN_ALLOWED_NETS_MAX);
        }
        if (sec_net_parse(sv_make(p, len), 0, &nets[n], NULL, why, sizeof(why))
            != 0) {
            return refuse(err, -EINVAL, "network",
                          "allowed_networks: '%.*s' is not a network: %s",
                          (int)(len > 64 ? 64 : len), p, why);
        }
        n++;
        p += len;
    }
    memcpy(cfg->allowed_nets, nets, n * sizeof(nets[0]));
    cfg->n_allowed_nets = n;
    return 0;
}

int admin_setting_parse(struct admin_config *cfg, const char *key,
                        const char *text, struct admin_setting_err *err)
{
    const struct admin_setting_info *info = admin_setting_find(key);
    if (err) {
        err->rule = NULL;
        err->message[0] = '\0';
    }
    if (info == NULL) {
        return refuse(err, -ENOENT, "unknown", "no admin setting '%.40s'",
                      key ? key : "");
    }
    if (text == NULL) {
        text = "";
    }
    switch (info->kind) {
    case ADMIN_SETTING_UINT: {
        uint32_t v = 0;
        int rc = parse_uint(&v, info, text, err);
        if (rc == 0) {
            *uint_field(cfg, info) = v;
        }
        return rc;
    }
    case ADMIN_SETTING_BOOL: {
        bool v = false;
        int rc = parse_bool(&v, info, text, err);
        if (rc == 0) {
            *bool_field(cfg, info) = v;
        }
        return rc;
    }
    case ADMIN_SETTING_NETS:
        return parse_nets(cfg, text, err);
    }
    return -ENOENT;
}

int admin_setting_format(const struct admin_config *cfg, const char *key,
                         char *buf, size_t cap)
{
    const struct admin_setting_info *info = admin_setting_find(key);
    int n = 0;
    if (info == NULL) {
        return -ENOENT;
    }
    if (cap == 0) {
        return -ENOSPC;
    }
    buf[0] = '\0';
    switch (info->kind) {
    case ADMIN_SETTING_UINT:
        n = snprintf(buf, cap, "%u", uint_value(cfg, info));
        break;
    case ADMIN_SETTING_BOOL:
        n = snprintf(buf, cap, "%s", bool_value(cfg, info) ? "true" : "false");
        break;
    case ADMIN_SETTING_NETS: {
        size_t used = 0;
        for (uint32_t i = 0; i < cfg->n_allowed_nets; i++) {
            char net[SEC_NET_FMT_CAP];
            sec_net_fmt(&cfg->allowed_nets[i], net, sizeof(net));
            n = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", net);
            if (n < 0 || (size_t)n >= cap - used) {
                buf[0] = '\0';
                return -ENOSPC;
            }
            used += (size_t)n;
        }
        return 0;
    }
    }
    if (n < 0 || (size_t)n >= cap) {
        buf[0] = '\0';
        return -ENOSPC;
    }
    return 0;
}

json_t *admin_setting_json(const struct admin_config *cfg,
                           const struct admin_setting_info *info)
{
    switch (info->kind) {
    case ADMIN_SETTING_UINT:
        return json_integer((json_int_t)uint_value(cfg, info));
    case ADMIN_SETTING_BOOL:
        return json_boolean(bool_value(cfg, info));
    case ADMIN_SETTING_NETS: {
        json_t *arr = json_array();
        for (uint32_t i = 0; arr && i < cfg->n_allowed_nets; i++) {
            char net[SEC_NET_FMT_CAP];
            sec_net_fmt(&cfg->allowed_nets[i], net, sizeof(net));
            if (json_array_append_new(arr, json_string(net)) != 0) {
                json_decref(arr);
                arr = NULL;
            }
        }
        return arr;
    }
    }
    return NULL;
}

json_t *admin_settings_json(const struct admin_config *cfg)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < N_INFOS; i++) {
        json_t *v = admin_setting_json(cfg, &infos[i]);
        if (v == NULL || json_object_set_new(o, infos[i].key, v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

/* ---- the settings table ------------------------------------------------- */

struct load_walk {
    struct admin_config *cfg;
    char *err;
    size_t err_cap;
    int n_bad;
};

static void note_bad(struct load_walk *w, const char *key, const char *why)
{
    if (w->n_bad++ == 0 && w->err && w->err_cap > 0) {
        snprintf(w->err, w->err_cap,
                 "stored admin setting %s ignored (value kept): %s", key, why);
    }
}

static int load_row(void *ud, const char *key, const char *value)
{
    struct load_walk *w = ud;
    size_t plen = strlen(ADMIN_SETTING_PREFIX);
    if (strncmp(key, ADMIN_SETTING_PREFIX, plen) != 0) {
        return 0; /* the shield's, or another subsystem's */
    }
    struct admin_config next = *w->cfg;
    struct admin_setting_err e;
    const char *why = NULL;
    if (admin_setting_parse(&next, key + plen, value, &e) != 0) {
        note_bad(w, key, e.message);
    } else if (admin_config_check(&next, &why) != 0) {
        note_bad(w, key, why);
    } else {
        *w->cfg = next;
    }
    return 0;
}

int admin_settings_load(struct store *st, struct admin_config *cfg, char *err,
                        size_t err_cap)
{
    struct admin_config next = *cfg;
    struct load_walk w = { &next, err, err_cap, 0 };
    if (err && err_cap > 0) {
        err[0] = '\0';
    }
    int rc = store_settings_load(st, load_row, &w);
    if (rc < 0) {
        if (err && err_cap > 0) {
            snprintf(err, err_cap, "%s", store_errmsg(st));
        }
        return -EIO;
    }
    *cfg = next;
    return w.n_bad > 0 ? -EINVAL : 0;
}

static bool nets_cover(const struct admin_config *cfg,
                       const struct net_addr *addr)
{
    if (cfg->n_allowed_nets == 0) {
        return true;
    }
    for (uint32_t i = 0; i < cfg->n_allowed_nets; i++) {
        if (sec_net_covers(&cfg->allowed_nets[i], addr)) {
            return true;
        }
    }
    return false;
}

/* {"value": <the setting's JSON>} as a new string, or NULL. */
static char *value_doc(const struct admin_config *cfg,
                       const struct admin_setting_info *info)
{
    json_t *o = json_pack("{s:o}", "value", admin_setting_json(cfg, info));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

int admin_setting_change(struct admin_ctx *ctx, const struct admin_actor *who,
                         const char *key, const char *text,
                         const struct net_addr *caller,
                         struct admin_setting_err *err)
{
    const struct admin_setting_info *info = admin_setting_find(key);
    struct admin_config next = ctx->cfg;
    const char *why = NULL;
    char row[sizeof(ADMIN_SETTING_PREFIX) + ADMIN_SETTING_KEY_MAX];
    char canon[ADMIN_SETTING_TEXT_CAP];
    int rc = admin_setting_parse(&next, key, text, err);
    if (rc != 0) {
        return rc;
    }
    if (admin_config_check(&next, &why) != 0) {
        return refuse(err, -EINVAL, "range", "%s", why);
    }
    if (caller && info->kind == ADMIN_SETTING_NETS
        && !nets_cover(&next, caller)) {
        return refuse(err, -EACCES, "lockout",
                      "allowed_networks must include the address this "
                      "change comes from, or you could not sign in again");
    }
    rc = admin_setting_format(&next, key, canon, sizeof(canon));
    if (rc == 0) {
        snprintf(row, sizeof(row), ADMIN_SETTING_PREFIX "%s", key);
    }
    char *old_doc = value_doc(&ctx->cfg, info);
    char *new_doc = value_doc(&next, info);
    if (rc != 0 || old_doc == NULL || new_doc == NULL) {
        free(old_doc);
        free(new_doc);
        return refuse(err, -EIO, NULL, "out of memory");
    }
    /* The value and its audit entry land together or not at all. */
    rc = store_begin(ctx->st);
    if (rc == 0) {
        rc = store_setting_set(ctx->st, row, canon, admin_now(ctx));
        if (rc == 0) {
            rc = admin_audit_write(ctx, who, "admin.settings.set", key, 0, "ok",
                                   old_doc, new_doc);
        }
        if (rc == 0) {
            rc = store_commit(ctx->st);
        } else {
            (void)store_rollback(ctx->st);
        }
    }
    free(old_doc);
    free(new_doc);
    if (rc == 0) {
        rc = admin_ctx_set_config(ctx, &next);
    }
    if (rc != 0) {
        return refuse(err, -EIO, NULL, "the setting could not be saved: %s",
                      store_errmsg(ctx->st));
    }
    return 0;
}

/* Do two configurations differ in a run-time setting? */
static bool settings_differ(const struct admin_config *a,
                            const struct admin_config *b)
{
    char ta[ADMIN_SETTING_TEXT_CAP];
    char tb[ADMIN_SETTING_TEXT_CAP];
    for (size_t i = 0; i < N_INFOS; i++) {
        if (admin_setting_format(a, infos[i].key, ta, sizeof(ta)) != 0
            || admin_setting_format(b, infos[i].key, tb, sizeof(tb)) != 0
            || strcmp(ta, tb) != 0) {
            return true;
        }
    }
    return false;
}

int admin_settings_refresh(struct admin_ctx *ctx)
{
    int64_t version = 0;
    if (store_data_version(ctx->st, &version) != 0) {
        return -EIO;
    }
    if (ctx->settings_read && version == ctx->settings_version) {
        return 0;
    }
    ctx->settings_read = true;
    ctx->settings_version = version;
    struct admin_config next = ctx->cfg;
    if (admin_settings_load(ctx->st, &next, NULL, 0) == -EIO) {
        return -EIO;
    }
    if (!settings_differ(&ctx->cfg, &next)) {
        return 0;
    }
    return admin_ctx_set_config(ctx, &next) == 0 ? 1 : -EIO;
}
