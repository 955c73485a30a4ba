/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ban operations: list, explain and lift the shield's active bans. The
 * bans come from the daemon's own table when it provides one (the store is
 * written behind it), else from the store. Lifting deletes the stored ban
 * (optionally whitelisting its network in the same transaction); the
 * daemon drops it from memory and the kernel when notified.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/sv.h"
#include "ops/ops_int.h"
#include "sec/acl.h"
#include "store/store.h"

json_t *ops_ban_json(const struct store_ban *b, int64_t now)
{
    int64_t left = b->expires_at > now ? b->expires_at - now : 0;
    return json_pack(
        "{s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, "
        "s:o, s:o}",
        "net", ops_json_string(b->net), "reason", ops_json_string(b->reason),
        "source", ops_json_string(b->source), "threshold",
        (json_int_t)b->threshold, "count", (json_int_t)b->count, "window_s",
        (json_int_t)b->window_s, "first_seen", (json_int_t)b->first_seen,
        "last_seen", (json_int_t)b->last_seen, "created_at",
        (json_int_t)b->created_at, "expires_at", (json_int_t)b->expires_at,
        "expires_in", (json_int_t)left, "method", ops_json_string(b->method),
        "ruri", ops_json_string(b->ruri), "from_user",
        ops_json_string(b->from_user), "user_agent",
        ops_json_string(b->user_agent));
}

struct ban_walk {
    json_t *arr;
    int64_t now;
};

static int add_ban_cb(void *ud, const struct store_ban *b)
{
    struct ban_walk *w = ud;
    json_t *o = ops_ban_json(b, w->now);
    if (!o || json_array_append_new(w->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

/* Every active ban as a JSON array into *out (the hook's or the store's). */
static int bans_get(struct ops_ctx *ctx, json_t **out, json_t **resp)
{
    *out = NULL;
    if (ctx->hooks && ctx->hooks->ban_list) {
        json_t *arr = NULL;
        int rc = ctx->hooks->ban_list(ctx->hooks_ud, &arr);
        if (rc < 0) {
            return ops_fail(resp, rc, NULL, NULL, "cannot list bans: %s",
                            strerror(-rc));
        }
        if (!json_is_array(arr)) {
            json_decref(arr);
            return ops_fail(resp, -EIO, NULL, NULL,
                            "the shield returned no ban list");
        }
        *out = arr;
        return 0;
    }
    struct ban_walk w = { .arr = json_array(),
                          .now = clock_wall_s(ctx->clock) };
    if (!w.arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    int rc = store_ban_list(ctx->st, w.now, add_ban_cb, &w);
    if (rc < 0) {
        json_decref(w.arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    *out = w.arr;
    return 0;
}

/*
 * The ban of network 'q' (its own, else the narrowest active ban that
 * contains it) as a new JSON object in *out. Not found: not_found error.
 */
static int ban_find(struct ops_ctx *ctx, const struct sec_net *q,
                    const char *q_text, json_t **out, json_t **resp)
{
    json_t *arr = NULL;
    json_t *best = NULL;
    int best_prefix = -1;
    size_t i;
    json_t *v;
    int rc = bans_get(ctx, &arr, resp);
    if (rc != 0) {
        return rc;
    }
    json_array_foreach(arr, i, v)
    {
        const char *t = json_string_value(json_object_get(v, "net"));
        struct sec_net n;
        if (!t || sec_net_parse(sv_cstr(t), 0, &n, NULL, NULL, 0) != 0) {
            continue;
        }
        if (sec_net_eq(&n, q)) {
            best = v;
            break;
        }
        if (sec_net_contains(&n, q) && (int)n.prefix > best_prefix) {
            best = v;
            best_prefix = n.prefix;
        }
    }
    if (!best) {
        json_decref(arr);
        return ops_fail(resp, -ENOENT, NULL, "net", "%s is not banned", q_text);
    }
    *out = json_incref(best);
    json_decref(arr);
    return 0;
}

int ops_ban_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    json_t *arr = NULL;
    int rc = ops_members_check(req, NULL, resp);
    if (rc == 0) {
        rc = bans_get(ctx, &arr, resp);
    }
    if (rc != 0) {
        return rc;
    }
    return ops_ok_with(resp, "bans", arr);
}

int ops_ban_why(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "net", NULL };
    struct sec_net net;
    char norm[SEC_NET_FMT_CAP];
    json_t *ban = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_net(req, "net", &net, norm, NULL, resp);
    }
    if (rc == 0) {
        rc = ban_find(ctx, &net, norm, &ban, resp);
    }
    if (rc != 0) {
        return rc;
    }
    return ops_ok_with(resp, "ban", ban);
}

/* Inside the lift transaction: delete the ban and maybe whitelist it. */
static int lift_write(struct ops_ctx *ctx, const char *ban_net, bool whitelist,
                      const char *descr, const json_t *ban, json_t **resp)
{
    char note[STORE_DESCR_MAX + 1];
    struct store_ip_rule old;
    int rc = store_ban_del(ctx->st, ban_net);
    /* Not stored yet (the daemon writes behind): lifting it in memory is
     * all there is to do. */
    if (rc < 0 && !(rc == -ENOENT && ctx->hooks && ctx->hooks->ban_list)) {
        return ops_fail_store(ctx, resp, rc, "net");
    }
    if (!whitelist) {
        return 0;
    }
    rc = store_ip_rule_find(ctx->st, ban_net, &old);
    if (rc == 0) {
        if (strcmp(old.action, "allow") == 0) {
            return 0;
        }
        return ops_fail(resp, -EEXIST, NULL, "net",
                        "%s is on the block list: remove it (ip rm) before "
                        "whitelisting",
                        ban_net);
    }
    if (rc != -ENOENT) {
        return ops_fail_store(ctx, resp, rc, "net");
    }
    if (!descr) {
        const char *reason = json_string_value(json_object_get(ban, "reason"));
        snprintf(note, sizeof(note), "ban lifted (%s)",
                 reason && reason[0] ? reason : "operator");
        descr = note;
    }
    rc = store_ip_rule_add(ctx->st, ban_net, "allow", descr,
                           clock_wall_s(ctx->clock), NULL);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc,
                              rc == -EINVAL ? "description" : "net");
    }
    return 0;
}

int ops_ban_lift(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "net", "whitelist", "description",
                                           NULL };
    struct sec_net net;
    char norm[SEC_NET_FMT_CAP];
    char ban_net[STORE_NET_MAX + 1];
    const char *descr = NULL;
    bool whitelist = false;
    json_t *ban = NULL;

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_net(req, "net", &net, norm, NULL, resp);
    }
    if (rc == 0) {
        rc = ops_get_bool(req, "whitelist", &whitelist, NULL, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "description", false, &descr, resp);
    }
    if (rc == 0 && descr && !whitelist) {
        rc = ops_fail(resp, -EINVAL, NULL, "description",
                      "description is only used with whitelist");
    }
    if (rc == 0) {
        rc = ban_find(ctx, &net, norm, &ban, resp);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(ban_net, sizeof(ban_net), "%s",
             json_string_value(json_object_get(ban, "net")));
    rc = store_begin(ctx->st);
    if (rc < 0) {
        json_decref(ban);
        return ops_fail_store(ctx, resp, rc == -EINVAL ? -EIO : rc, NULL);
    }
    rc = lift_write(ctx, ban_net, whitelist, descr, ban, resp);
    if (rc != 0) {
        store_rollback(ctx->st);
        json_decref(ban);
        return rc;
    }
    rc = store_commit(ctx->st);
    if (rc < 0) {
        json_decref(ban);
        return ops_fail_store(ctx, resp, rc, NULL);
    }
    /* The daemon lifts exactly the ban that was found. */
    json_t *note = json_deep_copy(req);
    if (note && json_object_set_new(note, "net", json_string(ban_net)) == 0) {
        ops_notify_change(ctx, "ban.lift", note);
    } else {
        ops_notify_change(ctx, "ban.lift", req);
    }
    json_decref(note);
    if (ops_ok(resp) < 0 || ops_set(resp, "net", json_string(ban_net)) < 0
        || ops_set(resp, "whitelisted", json_boolean(whitelist)) < 0) {
        json_decref(ban);
        return -ENOMEM;
    }
    return ops_set(resp, "ban", ban);
}
