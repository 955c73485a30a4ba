/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Temporary SSH access: ssh.open, ssh.close and ssh.list. The kernel
 * enforces a grant (a set element with a timeout, fw/ssh.c) and closes
 * it by itself; the settings table keeps a record of each grant so the
 * list can say what is open, since when and what has expired, and every
 * open and close is a security event line. Whether temporary SSH is
 * enabled, and how the kernel is reached, comes with ctx->ssh.
 */
#include "ops/fwops.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/sv.h"
#include "fw/ssh.h"
#include "sec/acl.h"
#include "store/store.h"

/* Broadest source a grant may name: as for whitelist entries. */
#define GRANT_MIN_PREFIX4 16
#define GRANT_MIN_PREFIX6 48

/* ---- records ------------------------------------------------------------ */

/* "ssh.grant.2001xdb8xx_32" for "2001:db8::/32". */
static void grant_key(const char *norm, char *key, size_t cap)
{
    size_t o = (size_t)snprintf(key, cap, OPS_SSH_GRANT_PREFIX);

    for (const char *p = norm; *p != '\0' && o + 1 < cap; p++) {
        key[o++] = (char)(*p == ':' ? 'x' : *p == '/' ? '_' : *p);
    }
    key[o] = '\0';
}

struct grant_walk {
    json_t *arr; /* records: {key, from, opened_at, expires_at, seconds, by} */
    int err;
};

static int walk_row(void *ud, const char *key, const char *value)
{
    struct grant_walk *w = ud;
    json_t *rec;

    if (strncmp(key, OPS_SSH_GRANT_PREFIX, strlen(OPS_SSH_GRANT_PREFIX)) != 0) {
        return 0;
    }
    rec = json_loads(value, 0, NULL);
    if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "from"))
        || !json_is_integer(json_object_get(rec, "expires_at"))) {
        json_decref(rec);
        return 0; /* not ours to judge; skipped */
    }
    if (json_object_set_new(rec, "key", json_string(key)) != 0
        || json_array_append_new(w->arr, rec) != 0) {
        w->err = -ENOMEM;
        return 1;
    }
    return 0;
}

/* Every stored grant record, ordered by key, into *out. */
static int load_grants(struct ops_ctx *ctx, json_t **out, json_t **resp)
{
    struct grant_walk w = { json_array(), 0 };
    int rc;

    if (!w.arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_settings_load(ctx->st, walk_row, &w);
    if (rc != 0 || w.err != 0) {
        json_decref(w.arr);
        return ops_fail_walk(ctx, resp, w.err != 0 ? w.err : rc);
    }
    *out = w.arr;
    return 0;
}

static int64_t rec_int(const json_t *rec, const char *key)
{
    return (int64_t)json_integer_value(json_object_get(rec, key));
}

static const char *rec_str(const json_t *rec, const char *key)
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s ? s : "";
}

/* The grant as ssh.list shows it. */
static json_t *grant_json(const json_t *rec, int64_t now)
{
    int64_t exp = rec_int(rec, "expires_at");
    bool open = exp > now;
    json_t *g = json_pack(
        "{s:s, s:I, s:I, s:I, s:s, s:s}", "from", rec_str(rec, "from"),
        "opened_at", (json_int_t)rec_int(rec, "opened_at"), "expires_at",
        (json_int_t)exp, "seconds", (json_int_t)rec_int(rec, "seconds"), "by",
        rec_str(rec, "by"), "state", open ? "open" : "closed");
    if (!g) {
        return NULL;
    }
    if (open) {
        json_object_set_new(g, "expires_in", json_integer(exp - now));
    } else {
        json_object_set_new(g, "closed_at", json_integer(exp));
        json_object_set_new(g, "cause", json_string("expired"));
    }
    return g;
}

static void log_close(const json_t *rec, const char *cause, int64_t at)
{
    int64_t opened = rec_int(rec, "opened_at");

    log_event("event=ssh_close from=%s cause=%s open_s=%lld",
              rec_str(rec, "from"), cause,
              (long long)(at > opened ? at - opened : 0));
}

/* Forget grants whose time is up (the kernel closed them already); each
 * is logged once, as closed by expiry. */
static void prune_expired(struct ops_ctx *ctx, int64_t now)
{
    json_t *arr = NULL;
    json_t *resp = NULL;
    json_t *rec;
    size_t i;

    if (load_grants(ctx, &arr, &resp) != 0) {
        json_decref(resp);
        return;
    }
    json_array_foreach(arr, i, rec)
    {
        int64_t exp = rec_int(rec, "expires_at");
        if (exp <= now
            && store_setting_del(ctx->st, rec_str(rec, "key")) == 0) {
            log_close(rec, "expired", exp);
        }
    }
    json_decref(arr);
}

/* ---- the kernel --------------------------------------------------------- */

static int fail_fw(json_t **resp, int rc, const char *err)
{
    switch (rc) {
    case -ENOENT:
    case -EPERM:
    case -EACCES:
        return ops_fail(resp, -EINVAL, "policy", NULL, "%s", err);
    case -ENOTCONN:
    case -ETIMEDOUT:
    case -EPIPE:
        return ops_fail(resp, -EBUSY, NULL, NULL, "%s", err);
    default:
        return ops_fail(resp, -EIO, NULL, NULL, "%s", err);
    }
}

static int need_ssh(const struct ops_ctx *ctx, json_t **resp)
{
    if (!ctx->ssh) {
        return ops_fail(resp, -EINVAL, "policy", NULL,
                        "temporary SSH access is not available here");
    }
    return 0;
}

/* ---- operations --------------------------------------------------------- */

/* "seconds" or "minutes" (exactly one) within the allowed range. */
static int get_duration(const struct ops_ctx *ctx, const json_t *req,
                        uint32_t *out, json_t **resp)
{
    uint32_t min_s = ctx->ssh->min_s > 0 ? ctx->ssh->min_s : FW_SSH_MIN_S;
    bool has_s = false, has_m = false;
    uint32_t s = 0, m = 0;
    int rc;

    rc = ops_get_uint(req, "seconds", 1, FW_SSH_MAX_S, &s, &has_s, resp);
    if (rc == 0) {
        rc = ops_get_uint(req, "minutes", 1, FW_SSH_MAX_S / 60, &m, &has_m,
                          resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (has_s == has_m) {
        return ops_fail(resp, -EINVAL, NULL, "minutes",
                        "give the duration as minutes or seconds (one of "
                        "them)");
    }
    s = has_m ? m * 60 : s;
    if (s < min_s) {
        return ops_fail(resp, -EINVAL, NULL, has_m ? "minutes" : "seconds",
                        "a grant lasts at least %u seconds ([firewall] "
                        "ssh_min_s)",
                        min_s);
    }
    *out = s;
    return 0;
}

int ops_ssh_open(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "from", "minutes", "seconds", NULL };
    char norm[SEC_NET_FMT_CAP];
    char key[STORE_SETTING_KEY_MAX + 1];
    char err[FW_ERR_CAP];
    char by[LOG_ESC_CAP];
    struct sec_net net;
    int64_t now = clock_wall_s(ctx->clock);
    uint32_t secs = 0;
    json_t *rec = NULL;
    json_t *shown;
    char *text;
    int rc;

    rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = need_ssh(ctx, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (!ctx->ssh->enabled) {
        return ops_fail(resp, -EINVAL, "policy", NULL,
                        "temporary SSH access is disabled ([firewall] "
                        "temp_ssh = off)");
    }
    if (!json_object_get(req, "from") && ctx->client_ip) {
        /* The portal's "open for me": the caller's own address. */
        char errn[SEC_NET_ERR_CAP];
        if (sec_net_parse(sv_cstr(ctx->client_ip), 0, &net, NULL, errn,
                          sizeof(errn))
            != 0) {
            return ops_fail(resp, -EINVAL, NULL, "from", "from is required");
        }
        sec_net_fmt(&net, norm, sizeof(norm));
    } else {
        rc = ops_get_net(req, "from", &net, norm, NULL, resp);
        if (rc != 0) {
            return rc;
        }
    }
    if (sec_net_is_broader_than(&net, GRANT_MIN_PREFIX4, GRANT_MIN_PREFIX6)) {
        return ops_fail(resp, -EINVAL, "policy", "from",
                        "from: %s is broader than /%d (IPv6 /%d); open SSH "
                        "to fewer addresses",
                        norm, GRANT_MIN_PREFIX4, GRANT_MIN_PREFIX6);
    }
    rc = get_duration(ctx, req, &secs, resp);
    if (rc != 0) {
        return rc;
    }
    prune_expired(ctx, now);

    rc = fw_ssh_grant(ctx->ssh, &net, secs, err, sizeof(err));
    if (rc != 0) {
        return fail_fw(resp, rc, err);
    }
    log_escape(sv_cstr(ctx->client_ip ? ctx->client_ip : "local"), by,
               sizeof(by));
    rec = json_pack("{s:s, s:I, s:I, s:I, s:s}", "from", norm, "opened_at",
                    (json_int_t)now, "expires_at",
                    (json_int_t)now + (json_int_t)secs, "seconds",
                    (json_int_t)secs, "by", by);
    text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
    grant_key(norm, key, sizeof(key));
    rc = text ? store_setting_set(ctx->st, key, text, now) : -ENOMEM;
    free(text);
    if (rc != 0) {
        /* Without a record nobody would see it open: take it back. */
        (void)fw_ssh_revoke(ctx->ssh, &net, err, sizeof(err));
        json_decref(rec);
        return rc == -ENOMEM ? ops_fail(resp, rc, NULL, NULL, "out of memory")
                             : ops_fail_store(ctx, resp, rc, NULL);
    }
    log_event("event=ssh_open from=%s for_s=%u until=%lld by=%s", norm, secs,
              (long long)now + (long long)secs, by);
    shown = grant_json(rec, now);
    json_decref(rec);
    if (!shown) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    if (ops_ok(resp) < 0) {
        json_decref(shown);
        return -ENOMEM;
    }
    return ops_set(resp, "grant", shown);
}

int ops_ssh_close(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "from", NULL };
    char norm[SEC_NET_FMT_CAP] = "";
    char err[FW_ERR_CAP];
    struct sec_net net;
    int64_t now = clock_wall_s(ctx->clock);
    bool one = json_object_get(req, "from") != NULL;
    json_t *arr = NULL;
    json_t *closed;
    json_t *rec;
    size_t i;
    int rc;

    rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = need_ssh(ctx, resp);
    }
    if (rc == 0 && one) {
        rc = ops_get_net(req, "from", &net, norm, NULL, resp);
    }
    if (rc != 0) {
        return rc;
    }
    /* The kernel first: a record must never outlive an open port. A
     * missing table means nothing is open there. */
    rc = fw_ssh_revoke(ctx->ssh, one ? &net : NULL, err, sizeof(err));
    if (rc != 0 && rc != -ENOENT) {
        return fail_fw(resp, rc, err);
    }
    rc = load_grants(ctx, &arr, resp);
    if (rc != 0) {
        return rc;
    }
    closed = json_array();
    if (!closed) {
        json_decref(arr);
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    json_array_foreach(arr, i, rec)
    {
        int64_t exp = rec_int(rec, "expires_at");
        if (one && strcmp(rec_str(rec, "from"), norm) != 0) {
            continue;
        }
        rc = store_setting_del(ctx->st, rec_str(rec, "key"));
        if (rc != 0 && rc != -ENOENT) {
            json_decref(arr);
            json_decref(closed);
            return ops_fail_store(ctx, resp, rc, NULL);
        }
        if (exp > now) {
            log_close(rec, "closed", now);
            json_array_append_new(closed, json_string(rec_str(rec, "from")));
        } else {
            log_close(rec, "expired", exp);
        }
    }
    json_decref(arr);
    if (one && json_array_size(closed) == 0) {
        json_decref(closed);
        return ops_fail(resp, -ENOENT, NULL, "from",
                        "no open temporary SSH grant for %s", norm);
    }
    return ops_ok_with(resp, "closed", closed);
}

int ops_ssh_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { NULL };
    int64_t now = clock_wall_s(ctx->clock);
    json_t *arr = NULL;
    json_t *out;
    json_t *rec;
    size_t i;
    int rc;

    rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = load_grants(ctx, &arr, resp);
    }
    if (rc != 0) {
        return rc;
    }
    out = json_array();
    json_array_foreach(arr, i, rec)
    {
        json_t *g = grant_json(rec, now);
        if (!out || !g || json_array_append_new(out, g) != 0) {
            json_decref(arr);
            json_decref(out);
            return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
        }
    }
    json_decref(arr);
    if (!out) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = ops_ok_with(resp, "grants", out);
    if (rc == 0) {
        rc = ops_set(resp, "enabled",
                     json_boolean(ctx->ssh && ctx->ssh->enabled));
    }
    return rc;
}
