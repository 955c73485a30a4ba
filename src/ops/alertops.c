/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.test queues a test alert on the daemon's alert thread and answers
 * at once with its id; alert.status reports the channels' counters and
 * the outcome of the last test sent, which the CLI polls. Both need the
 * running daemon with at least one channel.
 */
#include "ops/alertops.h"

#include <errno.h>

#include "alert/svc.h"

static int need_alerts(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const none[] = { NULL };
    int rc = ops_members_check(req, none, resp);
    if (rc != 0) {
        return rc;
    }
    if (!ctx->alert) {
        return ops_fail(resp, -EINVAL, "policy", NULL,
                        "alerts are off: set webhook_url or smtp_url in "
                        "[alerts] and run the daemon");
    }
    return 0;
}

int ops_alert_test(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    int rc = need_alerts(ctx, req, resp);
    if (rc != 0) {
        return rc;
    }
    uint64_t id = 0;
    if (alert_svc_test(ctx->alert, &id) != 0) {
        return ops_fail(resp, -EBUSY, "busy", NULL,
                        "the alert queue is full; try again");
    }
    rc = ops_ok(resp);
    return rc != 0 ? rc : ops_set(resp, "id", json_integer((json_int_t)id));
}

int ops_alert_status(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    int rc = need_alerts(ctx, req, resp);
    if (rc != 0) {
        return rc;
    }
    json_t *st = alert_svc_status_json(ctx->alert);
    if (!st) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = ops_ok(resp);
    if (rc != 0) {
        json_decref(st);
        return rc;
    }
    return ops_set(resp, "alerts", st);
}
