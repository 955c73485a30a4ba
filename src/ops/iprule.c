/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IP allow / block list operations. Networks are parsed and normalised by
 * sec/acl.c before the store sees them, so one network has one spelling;
 * ip.block refuses to cut the server or the operator off (sec/own.c).
 */
#include <errno.h>
#include <string.h>

#include "base/clock.h"
#include "base/sv.h"
#include "ops/ops_int.h"
#include "sec/acl.h"
#include "sec/own.h"
#include "store/store.h"

static json_t *ip_rule_json(const struct store_ip_rule *r)
{
    return json_pack("{s:I, s:o, s:s, s:o, s:I}", "id", (json_int_t)r->id,
                     "net", ops_json_string(r->net), "action", r->action,
                     "description", ops_json_string(r->descr), "created_at",
                     (json_int_t)r->created_at);
}

/* Optional "description": at most 255 bytes, no control characters. */
static int get_descr(const json_t *req, const char **out, json_t **resp)
{
    int rc = ops_get_str(req, "description", false, out, resp);
    if (rc != 0 || !*out) {
        return rc;
    }
    if (strlen(*out) > STORE_DESCR_MAX) {
        return ops_fail(resp, -EINVAL, NULL, "description",
                        "description is longer than %d bytes", STORE_DESCR_MAX);
    }
    for (const unsigned char *p = (const unsigned char *)*out; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return ops_fail(resp, -EINVAL, NULL, "description",
                            "description contains a control character");
        }
    }
    return 0;
}

/* Refuse to block this server's addresses or the operator's. */
static int own_check(struct ops_ctx *ctx, const json_t *req,
                     const struct sec_net *net, json_t **resp)
{
    struct sec_own own;
    char msg[SEC_OWN_MSG_CAP];
    const char *req_client = NULL;
    int rc = ops_get_str(req, "client_ip", false, &req_client, resp);
    if (rc != 0) {
        return rc;
    }
    rc = sec_own_load(&own);
    if (rc < 0) {
        return ops_fail(resp, -EIO, NULL, NULL,
                        "cannot read this server's addresses: %s",
                        strerror(-rc));
    }
    bool bad =
        sec_own_conflict(net, own.nets, own.n, ctx->client_ip, msg, sizeof(msg))
        || sec_own_conflict(net, own.nets, own.n, req_client, msg, sizeof(msg));
    sec_own_fini(&own);
    if (bad) {
        return ops_fail(resp, -EINVAL, "policy", "net", "%s", msg);
    }
    return 0;
}

static int ip_add(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                  const char *action)
{
    static const char *const allow_members[] = { "net", "description", NULL };
    static const char *const block_members[] = { "net", "description",
                                                 "client_ip", NULL };
    bool is_block = strcmp(action, "block") == 0;
    struct sec_net net;
    char norm[SEC_NET_FMT_CAP];
    char warning[256] = "";
    const char *descr = NULL;
    unsigned warn = 0;
    struct store_ip_rule r;

    int rc =
        ops_members_check(req, is_block ? block_members : allow_members, resp);
    if (rc == 0) {
        rc = ops_get_net(req, "net", &net, norm, &warn, resp);
    }
    if (rc == 0) {
        rc = get_descr(req, &descr, resp);
    }
    if (rc == 0 && is_block) {
        rc = own_check(ctx, req, &net, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (warn & SEC_NET_WARN_HOST_BITS) {
        snprintf(warning, sizeof(warning),
                 "host bits were cleared: the rule covers %s", norm);
    } else if (strcmp(action, "allow") == 0
               && sec_net_is_broader_than(&net, 16, 48)) {
        snprintf(warning, sizeof(warning),
                 "%s is a broad network to trust: its sources are never "
                 "banned",
                 norm);
    }
    rc = store_ip_rule_add(ctx->st, norm, action, descr,
                           clock_wall_s(ctx->clock), NULL);
    if (rc == 0) {
        rc = store_ip_rule_find(ctx->st, norm, &r);
    }
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "net");
    }
    ops_notify_change(
        ctx, strcmp(action, "allow") == 0 ? "ip.allow" : "ip.block", req);
    if (ops_ok(resp) < 0 || ops_set(resp, "ip_rule", ip_rule_json(&r)) < 0) {
        return -ENOMEM;
    }
    if (warning[0]) {
        return ops_set(resp, "warning", json_string(warning));
    }
    return 0;
}

int ops_ip_allow(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ip_add(ctx, req, resp, "allow");
}

int ops_ip_block(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ip_add(ctx, req, resp, "block");
}

static int add_ip_cb(void *ud, const struct store_ip_rule *r)
{
    json_t *o = ip_rule_json(r);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_ip_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "action", NULL };
    const char *action = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "action", false, &action, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (action && strcmp(action, "allow") != 0
        && strcmp(action, "block") != 0) {
        return ops_fail(resp, -EINVAL, NULL, "action",
                        "action must be allow or block");
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_ip_rule_list(ctx->st, action, add_ip_cb, arr);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "ip_rules", arr);
}

int ops_ip_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "net", NULL };
    struct sec_net net;
    char norm[SEC_NET_FMT_CAP];
    struct store_ip_rule r;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_net(req, "net", &net, norm, NULL, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_ip_rule_find(ctx->st, norm, &r);
    if (rc == 0) {
        rc = store_ip_rule_rm(ctx->st, norm);
    }
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "net");
    }
    ops_notify_change(ctx, "ip.rm", req);
    if (ops_ok(resp) < 0 || ops_set(resp, "net", json_string(norm)) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "action", json_string(r.action));
}
