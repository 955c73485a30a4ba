/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security event log's listing (event.list) with its filters and
 * paging. Events are written by the daemon (src/daemon/evlog.c); the
 * daemon's control socket writes the queued ones before this runs, and
 * offline the CLI reads what the last daemon wrote.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops_int.h"
#include "sec/event.h"
#include "store/events.h"

enum { EVENT_PAGE_DEFAULT = 100 };

static json_t *event_json(const struct store_event *e)
{
    return json_pack("{s:I, s:I, s:s, s:o, s:o, s:o}", "id", (json_int_t)e->id,
                     "at", (json_int_t)e->at, "kind", e->kind, "address",
                     ops_json_string(e->address), "country",
                     ops_json_string(e->country), "detail",
                     ops_json_string(e->detail));
}

static int event_cb(void *ud, const struct store_event *e)
{
    json_t *o = event_json(e);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_event_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "kind",  "address", "since",
                                           "limit", "offset",  NULL };
    struct store_event_filter f = { .limit = EVENT_PAGE_DEFAULT };
    enum sec_ev ev;
    bool have = false;
    uint32_t since = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "kind", false, &f.kind, resp);
    }
    if (rc == 0 && f.kind && sec_ev_parse(f.kind, &ev) != 0) {
        rc = ops_fail(resp, -EINVAL, NULL, "kind",
                      "kind must be an event type (ban, unban, auth_failure, "
                      "challenge_failure, user_blocked, rate_limit, "
                      "ua_match, geo_drop, acl_drop, call_refused, "
                      "fraud_warning, fraud_suspend, login_failure, "
                      "login_blocked)");
    }
    if (rc == 0) {
        rc = ops_get_str(req, "address", false, &f.address, resp);
    }
    if (rc == 0 && f.address && strlen(f.address) > STORE_EVENT_ADDR_MAX) {
        rc = ops_fail(resp, -EINVAL, NULL, "address",
                      "address is longer than %d characters",
                      STORE_EVENT_ADDR_MAX);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "since", 0, UINT32_MAX, &since, &have, resp);
        f.since = (int64_t)since;
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "limit", 1, STORE_EVENT_PAGE_MAX, &f.limit,
                          &have, resp);
        if (!have) {
            f.limit = EVENT_PAGE_DEFAULT;
        }
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "offset", 0, UINT32_MAX, &f.offset, &have, resp);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    uint64_t total = 0;
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_event_list(ctx->st, &f, event_cb, arr, &total);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    if (ops_ok_with(resp, "events", arr) < 0
        || ops_set(resp, "total", json_integer((json_int_t)total)) < 0
        || ops_set(resp, "limit", json_integer(f.limit)) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "offset", json_integer(f.offset));
}
