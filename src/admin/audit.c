/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Audit entries: redaction of secrets from the JSON values (jansson),
 * cleaning of untrusted text, export and retention.
 */
#include "admin/audit.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store.h"

/* ------------------------------------------------------------------ */
/* Redaction                                                            */
/* ------------------------------------------------------------------ */

static bool has_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        if (strncasecmp(p, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

bool admin_audit_key_is_secret(const char *key)
{
    static const char *const parts[] = {
        "password", "passwd",        "secret",   "token",
        "ha1",      "otp",           "recovery", "csrf",
        "cookie",   "authorization", "private",  "credential",
    };
    static const char *const names[] = { "pw", "pin", "code", "hash",
                                         "key_pem" };
    if (!key) {
        return false;
    }
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        if (has_ci(key, parts[i])) {
            return true;
        }
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(key, names[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Depth beyond which values are dropped whole: nothing we audit nests
 * this deep, and a bounded walk cannot be driven into the stack. */
enum { REDACT_DEPTH_MAX = 32 };

static int redact(json_t *v, int depth)
{
    if (depth > REDACT_DEPTH_MAX) {
        return -EINVAL;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        void *tmp;
        json_object_foreach_safe(v, tmp, k, m)
        {
            if (admin_audit_key_is_secret(k)) {
                if (json_object_set_new(v, k, json_string(ADMIN_AUDIT_REDACTED))
                    != 0) {
                    return -ENOMEM;
                }
                continue;
            }
            int rc = redact(m, depth + 1);
            if (rc < 0) {
                return rc;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            int rc = redact(m, depth + 1);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return 0;
}

int admin_audit_redact(const char *json, char **out)
{
    *out = NULL;
    if (!json || !json[0]) {
        return 0;
    }
    json_error_t jerr;
    json_t *v =
        json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!v) {
        return -EINVAL;
    }
    int rc = redact(v, 0);
    if (rc == 0) {
        *out = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
        rc = *out ? 0 : -ENOMEM;
    }
    json_decref(v);
    if (rc == 0 && strlen(*out) > STORE_AUDIT_JSON_MAX) {
        free(*out);
        *out = strdup("{\"truncated\":true}");
        rc = *out ? 0 : -ENOMEM;
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Writing                                                              */
/* ------------------------------------------------------------------ */

/* Copy untrusted text into a field: control characters become '?', the
 * cut falls on a UTF-8 boundary. */
static void clean_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (src && src[n] != '\0') {
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80) {
            n--;
        }
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    dst[n] = '\0';
}

int admin_audit_write(struct admin_ctx *ctx, const struct admin_actor *who,
                      const char *action, const char *target, int64_t tenant_id,
                      const char *result, const char *old_json,
                      const char *new_json)
{
    struct store_audit a;
    char *old_r = NULL;
    char *new_r = NULL;
    if (!action || !action[0]) {
        return -EINVAL;
    }
    memset(&a, 0, sizeof(a));
    a.at = admin_now(ctx);
    clean_copy(a.actor, sizeof(a.actor), who && who->name ? who->name : "-");
    if (!a.actor[0]) {
        a.actor[0] = '-';
        a.actor[1] = '\0';
    }
    a.admin_id = who ? who->admin_id : 0;
    a.tenant_id = tenant_id;
    clean_copy(a.client_ip, sizeof(a.client_ip),
               who && who->client_ip ? who->client_ip : "");
    clean_copy(a.action, sizeof(a.action), action);
    clean_copy(a.target, sizeof(a.target), target);
    clean_copy(a.result, sizeof(a.result), result ? result : "ok");
    int rc = admin_audit_redact(old_json, &old_r);
    if (rc == 0) {
        rc = admin_audit_redact(new_json, &new_r);
    }
    if (rc == 0) {
        a.old_json = old_r;
        a.new_json = new_r;
        rc = store_audit_add(ctx->st, &a, NULL);
    }
    free(old_r);
    free(new_r);
    return rc;
}

int admin_audit_list(struct admin_ctx *ctx, const struct store_audit_filter *f,
                     store_audit_fn *cb, void *ud)
{
    return store_audit_list(ctx->st, f, cb, ud);
}

int admin_audit_purge(struct admin_ctx *ctx, uint32_t *n_removed)
{
    return store_audit_purge(ctx->st, admin_now(ctx), ctx->cfg.audit_max_days,
                             ctx->cfg.audit_max_rows, n_removed);
}

/* ------------------------------------------------------------------ */
/* Export                                                               */
/* ------------------------------------------------------------------ */

struct export
{
    enum admin_audit_format fmt;
    admin_write_fn *w;
    void *ud;
};

/* A JSON value from stored text: the stored values are JSON already;
 * anything else (never written by us) is exported as a string. */
static json_t *stored_json(const char *s)
{
    if (!s || !s[0]) {
        return json_null();
    }
    json_t *v = json_loads(s, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(s);
}

static int export_jsonl(struct export *x, const struct store_audit *a)
{
    json_t *o =
        json_pack("{s:I, s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:s}", "id",
                  (json_int_t)a->id, "at", (json_int_t)a->at, "actor", a->actor,
                  "admin_id", (json_int_t)a->admin_id, "tenant_id",
                  (json_int_t)a->tenant_id, "client_ip", a->client_ip, "action",
                  a->action, "target", a->target, "result", a->result);
    if (!o || json_object_set_new(o, "old", stored_json(a->old_json)) != 0
        || json_object_set_new(o, "new", stored_json(a->new_json)) != 0) {
        json_decref(o);
        return -ENOMEM;
    }
    char *line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!line) {
        return -ENOMEM;
    }
    int rc = x->w(x->ud, line, strlen(line));
    if (rc == 0) {
        rc = x->w(x->ud, "\n", 1);
    }
    free(line);
    return rc;
}

/* One CSV cell (RFC 4180 quoting; formula-looking text gets a leading
 * quote so a spreadsheet shows it instead of running it). */
static int csv_cell(struct export *x, const char *s, bool last)
{
    char buf[512];
    size_t n = 0;
    int rc = 0;
    buf[n++] = '"';
    if (s[0] && strchr("=+-@\t\r", s[0])) {
        buf[n++] = '\'';
    }
    for (const char *p = s; *p && rc == 0; p++) {
        if (n + 3 > sizeof(buf)) {
            rc = x->w(x->ud, buf, n);
            n = 0;
        }
        if (*p == '"') {
            buf[n++] = '"';
        }
        buf[n++] = *p;
    }
    if (rc == 0) {
        buf[n++] = '"';
        buf[n++] = last ? '\n' : ',';
        rc = x->w(x->ud, buf, n);
    }
    return rc;
}

static int export_csv(struct export *x, const struct store_audit *a)
{
    char num[3][24];
    snprintf(num[0], sizeof(num[0]), "%lld", (long long)a->id);
    snprintf(num[1], sizeof(num[1]), "%lld", (long long)a->at);
    snprintf(num[2], sizeof(num[2]), "%lld", (long long)a->tenant_id);
    const char *cells[] = {
        num[0],
        num[1],
        a->actor,
        num[2],
        a->client_ip,
        a->action,
        a->target,
        a->result,
        a->old_json ? a->old_json : "",
        a->new_json ? a->new_json : "",
    };
    size_t n = sizeof(cells) / sizeof(cells[0]);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = csv_cell(x, cells[i], i + 1 == n);
    }
    return rc;
}

static int export_row(void *ud, const struct store_audit *a)
{
    struct export *x = ud;
    return x->fmt == ADMIN_AUDIT_CSV ? export_csv(x, a) : export_jsonl(x, a);
}

int admin_audit_export(struct admin_ctx *ctx,
                       const struct store_audit_filter *f,
                       enum admin_audit_format fmt, admin_write_fn *w, void *ud)
{
    static const char header[] =
        "id,at,actor,tenant_id,client_ip,action,target,result,old,new\n";
    struct export x = { fmt, w, ud };
    if (fmt == ADMIN_AUDIT_CSV) {
        int rc = w(ud, header, sizeof(header) - 1);
        if (rc != 0) {
            return rc;
        }
    }
    return store_audit_list(ctx->st, f, export_row, &x);
}
