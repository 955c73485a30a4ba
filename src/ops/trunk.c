/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Trunk operations: add, set, list, rm and the per-tenant call limits.
 * The password is write-only: it goes to the store (which seals it) and
 * never comes back in a response or a change notification. Provider
 * networks of IP trunks are parsed and normalised by sec/acl.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/sv.h"
#include "net/tls.h"
#include "ops/ops_int.h"
#include "sec/acl.h"
#include "store/store.h"

enum { TRUNK_NETS_MAX = 16, TRUNK_MAX_CALLS = 100000 };

struct limits_walk {
    json_t *arr;
};

static int limit_cb(void *ud, const struct store_trunk_limit *l)
{
    struct limits_walk *w = ud;
    json_t *o = json_pack("{s:o, s:I}", "domain", ops_json_string(l->domain),
                          "max_calls", (json_int_t)l->max_calls);
    if (!o || json_array_append_new(w->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

/* The trunk as JSON, with its tenant limits read from the store. */
static json_t *trunk_json(struct ops_ctx *ctx, const struct store_trunk *t,
                          int *rc)
{
    struct limits_walk w = { json_array() };
    json_t *nets = json_array();
    if (!w.arr || !nets) {
        json_decref(w.arr);
        json_decref(nets);
        *rc = -ENOMEM;
        return NULL;
    }
    *rc = store_trunk_limit_list(ctx->st, t->id, limit_cb, &w);
    const char *p = t->networks;
    while (*rc == 0 && *p) {
        size_t n = strcspn(p, ",");
        json_t *s = json_stringn(p, n);
        if (!s || json_array_append_new(nets, s) != 0) {
            *rc = -ENOMEM;
        }
        p += n + (p[n] == ',');
    }
    if (*rc < 0) {
        json_decref(w.arr);
        json_decref(nets);
        return NULL;
    }
    json_t *o = json_pack(
        "{s:I, s:o, s:s, s:o, s:I, s:s, s:o, s:b, s:o, s:I, s:o, s:I, s:o, "
        "s:I, s:I, s:o}",
        "id", (json_int_t)t->id, "name", ops_json_string(t->name), "kind",
        store_trunk_kind_name(t->kind), "host", ops_json_string(t->host),
        "port", (json_int_t)t->port, "transport", t->transport, "username",
        ops_json_string(t->username), "has_password", t->has_password, "realm",
        ops_json_string(t->realm), "expires_s", (json_int_t)t->expires_s,
        "networks", nets, "max_calls", (json_int_t)t->max_calls,
        "tenant_limits", w.arr, "created_at", (json_int_t)t->created_at,
        "updated_at", (json_int_t)t->updated_at, "tls_cert_fp",
        ops_json_string(t->tls_cert_fp));
    if (!o) {
        *rc = -ENOMEM;
    }
    return o;
}

/* Copy string member 'key' (if present) into dst, at most cap-1 bytes. */
static int copy_opt(const json_t *req, const char *key, char *dst, size_t cap,
                    json_t **resp)
{
    const char *v = NULL;
    int rc = ops_get_str(req, key, false, &v, resp);
    if (rc != 0 || !v) {
        return rc;
    }
    if (strlen(v) >= cap) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s is longer than %zu characters", key, cap - 1);
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

/* Member "networks": CIDR list normalised into t->networks. */
static int get_networks(const json_t *req, struct store_trunk *t, json_t **resp)
{
    char items[TRUNK_NETS_MAX][SEC_NET_FMT_CAP];
    size_t n = 0;
    if (!json_object_get(req, "networks")) {
        return 0;
    }
    int rc = ops_get_list(req, "networks", items[0], sizeof(items[0]),
                          TRUNK_NETS_MAX, &n, resp);
    if (rc != 0) {
        return rc;
    }
    size_t off = 0;
    t->networks[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        struct sec_net net;
        char err[SEC_NET_ERR_CAP];
        char norm[SEC_NET_FMT_CAP];
        if (sec_net_parse(sv_cstr(items[i]), 0, &net, NULL, err, sizeof(err))
            != 0) {
            return ops_fail(resp, -EINVAL, NULL, "networks", "networks: %s",
                            err);
        }
        sec_net_fmt(&net, norm, sizeof(norm));
        int w = snprintf(t->networks + off, sizeof(t->networks) - off, "%s%s",
                         off ? "," : "", norm);
        if (w < 0 || (size_t)w >= sizeof(t->networks) - off) {
            return ops_fail(resp, -EINVAL, NULL, "networks",
                            "networks: the list is too long");
        }
        off += (size_t)w;
    }
    return 0;
}

/* Member "tls_cert_fp": "" clears it, else a SHA-256 fingerprint (64 hex
 * digits, colons between bytes allowed) stored as 64 lowercase digits. */
static int get_cert_fp(const json_t *req, struct store_trunk *t, json_t **resp)
{
    const char *v = NULL;
    int rc = ops_get_str(req, "tls_cert_fp", false, &v, resp);
    if (rc != 0 || !v) {
        return rc;
    }
    uint8_t fp[NET_TLS_FP_LEN];
    if (v[0] == '\0') {
        t->tls_cert_fp[0] = '\0';
        return 0;
    }
    if (net_tls_fp_parse(v, strlen(v), fp) != 0) {
        return ops_fail(resp, -EINVAL, NULL, "tls_cert_fp",
                        "tls_cert_fp must be a SHA-256 fingerprint: 64 hex "
                        "digits, optionally with ':' between bytes");
    }
    char hex[NET_TLS_FP_HEX_CAP];
    net_tls_fp_format(fp, hex);
    memcpy(t->tls_cert_fp, hex, sizeof(hex));
    return 0;
}

/* Apply the request's trunk members onto 't' (defaults or stored). */
static int trunk_fields(const json_t *req, struct store_trunk *t, json_t **resp)
{
    const char *kind = NULL;
    int rc = ops_get_str(req, "kind", false, &kind, resp);
    if (rc == 0 && kind) {
        enum store_trunk_kind k;
        if (store_trunk_kind_parse(kind, &k) != 0) {
            return ops_fail(resp, -EINVAL, NULL, "kind",
                            "kind must be register, ip or accept_register");
        }
        t->kind = k;
    }
    if (rc == 0) {
        rc = copy_opt(req, "host", t->host, sizeof(t->host), resp);
    }
    if (rc == 0) {
        bool have = false;
        uint32_t port = 0;
        rc = ops_get_uint(req, "port", 0, 65535, &port, &have, resp);
        if (have) {
            t->port = port;
        }
    }
    if (rc == 0) {
        rc = copy_opt(req, "transport", t->transport, sizeof(t->transport),
                      resp);
    }
    if (rc == 0) {
        rc = copy_opt(req, "username", t->username, sizeof(t->username), resp);
    }
    if (rc == 0) {
        rc = copy_opt(req, "realm", t->realm, sizeof(t->realm), resp);
    }
    if (rc == 0) {
        bool have = false;
        uint32_t v = 0;
        rc = ops_get_uint(req, "expires_s", 60, 86400, &v, &have, resp);
        if (have) {
            t->expires_s = v;
        }
    }
    if (rc == 0) {
        bool have = false;
        uint32_t v = 0;
        rc =
            ops_get_uint(req, "max_calls", 0, TRUNK_MAX_CALLS, &v, &have, resp);
        if (have) {
            t->max_calls = v;
        }
    }
    if (rc == 0) {
        rc = get_networks(req, t, resp);
    }
    if (rc == 0) {
        rc = get_cert_fp(req, t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (t->transport[0] && strcmp(t->transport, "udp") != 0) {
        /* Phones reach us over TCP and TLS; trunks are dialled over UDP
         * only, so say so rather than store a setting that is not used. */
        return ops_fail(resp, -EINVAL, NULL, "transport",
                        strcmp(t->transport, "tcp") == 0
                                || strcmp(t->transport, "tls") == 0
                            ? "trunks are reached over UDP only in this "
                              "version"
                            : "transport must be udp");
    }
    return 0;
}

/* What each kind needs to work. */
static int trunk_complete(const struct store_trunk *t, bool has_password,
                          json_t **resp)
{
    switch (t->kind) {
    case STORE_TRUNK_REGISTER:
        if (!t->host[0]) {
            return ops_fail(resp, -EINVAL, NULL, "host",
                            "a register trunk needs the provider's host");
        }
        if (!t->username[0] || !has_password) {
            return ops_fail(resp, -EINVAL, NULL,
                            t->username[0] ? "password" : "username",
                            "a register trunk needs a username and a "
                            "password");
        }
        break;
    case STORE_TRUNK_IP:
        if (!t->networks[0]) {
            return ops_fail(resp, -EINVAL, NULL, "networks",
                            "an ip trunk needs the provider's networks");
        }
        break;
    case STORE_TRUNK_ACCEPT_REGISTER:
        if (!t->username[0] || !has_password) {
            return ops_fail(resp, -EINVAL, NULL,
                            t->username[0] ? "password" : "username",
                            "an accept_register trunk needs the username and "
                            "password its gateway registers with");
        }
        if (!t->realm[0]) {
            return ops_fail(resp, -EINVAL, NULL, "realm",
                            "an accept_register trunk needs the realm (the "
                            "domain its gateway registers to)");
        }
        break;
    }
    return 0;
}

static int get_password(const json_t *req, const char **pw, json_t **resp)
{
    int rc = ops_get_str(req, "password", false, pw, resp);
    if (rc == 0 && *pw && strlen(*pw) > STORE_TRUNK_PW_MAX) {
        return ops_fail(resp, -EINVAL, NULL, "password",
                        "password is longer than %d bytes", STORE_TRUNK_PW_MAX);
    }
    return rc;
}

static int respond_trunk(struct ops_ctx *ctx, const char *op, const char *name,
                         const json_t *req, json_t **resp)
{
    struct store_trunk t;
    int rc = store_trunk_find(ctx->st, name, &t);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    json_t *o = trunk_json(ctx, &t, &rc);
    if (!o) {
        return ops_fail_walk(ctx, resp, rc);
    }
    /* ops_notify_change drops "sip_password" only: the trunk password is
     * removed here. */
    json_t *copy = json_deep_copy(req);
    if (copy) {
        json_object_del(copy, "password");
        ops_notify_change(ctx, op, copy);
        json_decref(copy);
    }
    if (ops_ok(resp) < 0) {
        json_decref(o);
        return -ENOMEM;
    }
    return ops_set(resp, "trunk", o);
}

static const char *const trunk_members[] = {
    "name",      "kind",     "host",        "port",      "transport",
    "username",  "password", "realm",       "expires_s", "networks",
    "max_calls", "new_name", "tls_cert_fp", NULL
};

int ops_trunk_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    struct store_trunk t = { .kind = STORE_TRUNK_REGISTER,
                             .transport = "udp",
                             .expires_s = 3600 };
    const char *name = NULL;
    const char *pw = NULL;
    int rc = ops_members_check(req, trunk_members, resp);
    if (rc == 0 && json_object_get(req, "new_name")) {
        rc = ops_fail(resp, -EINVAL, NULL, "new_name",
                      "new_name is for trunk.set");
    }
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc == 0 && !json_object_get(req, "kind")) {
        rc = ops_fail(resp, -EINVAL, NULL, "kind",
                      "kind is required (register, ip or accept_register)");
    }
    if (rc == 0) {
        rc = copy_opt(req, "name", t.name, sizeof(t.name), resp);
    }
    if (rc == 0) {
        rc = trunk_fields(req, &t, resp);
    }
    if (rc == 0) {
        rc = get_password(req, &pw, resp);
    }
    if (rc == 0) {
        rc = trunk_complete(&t, pw && pw[0], resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_trunk_add(ctx->st, &t, pw, clock_wall_s(ctx->clock), NULL);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    return respond_trunk(ctx, "trunk.add", name, req, resp);
}

int ops_trunk_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    struct store_trunk t;
    const char *name = NULL;
    const char *pw = NULL;
    int rc = ops_members_check(req, trunk_members, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_trunk_find(ctx->st, name, &t);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    int64_t id = t.id;
    rc = copy_opt(req, "new_name", t.name, sizeof(t.name), resp);
    if (rc == 0) {
        rc = trunk_fields(req, &t, resp);
    }
    if (rc == 0) {
        rc = get_password(req, &pw, resp);
    }
    if (rc == 0) {
        rc = trunk_complete(&t, pw ? pw[0] != '\0' : t.has_password, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_trunk_set(ctx->st, id, &t, pw, clock_wall_s(ctx->clock));
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc,
                              rc == -EEXIST ? "new_name" : "name");
    }
    return respond_trunk(ctx, "trunk.set", t.name, req, resp);
}

struct trunks_walk {
    struct store_trunk *t;
    size_t n;
    size_t cap;
};

static int collect_trunk(void *ud, const struct store_trunk *t)
{
    struct trunks_walk *w = ud;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct store_trunk *p = realloc(w->t, cap * sizeof(*p));
        if (!p) {
            return -ENOMEM;
        }
        w->t = p;
        w->cap = cap;
    }
    w->t[w->n++] = *t;
    return 0;
}

int ops_trunk_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    struct trunks_walk w = { 0 };
    int rc = ops_members_check(req, NULL, resp);
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_trunk_list(ctx->st, collect_trunk, &w);
    for (size_t i = 0; rc >= 0 && i < w.n; i++) {
        json_t *o = trunk_json(ctx, &w.t[i], &rc);
        if (o && json_array_append_new(arr, o) != 0) {
            rc = -ENOMEM;
        }
    }
    free(w.t);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "trunks", arr);
}

int ops_trunk_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "name", NULL };
    const char *name = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_trunk_rm(ctx->st, name);
    if (rc == -EBUSY) {
        /* In use by a rule: a request to fix, not a lock to retry. */
        return ops_fail(resp, -EINVAL, NULL, "name", "%s",
                        store_errmsg(ctx->st));
    }
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    ops_notify_change(ctx, "trunk.rm", req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "name", ops_json_string(name));
}

int ops_trunk_limit_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "trunk", "domain", "max_calls",
                                           NULL };
    struct store_tenant tn;
    struct store_trunk t;
    const char *trunk = NULL;
    uint32_t max = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "trunk", true, &trunk, resp);
    }
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &tn, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "max_calls", 0, TRUNK_MAX_CALLS, &max, NULL,
                          resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_trunk_find(ctx->st, trunk, &t);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "trunk");
    }
    rc = store_trunk_limit_set(ctx->st, t.id, tn.id, max);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "max_calls");
    }
    return respond_trunk(ctx, "trunk.limit.set", t.name, req, resp);
}
