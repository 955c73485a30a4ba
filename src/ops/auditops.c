/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.run: the security checklist (src/checklist) over the caller's
 * view of the machine (ctx->audit: configuration, sshd's file, firewall
 * probe) and this store's settings, which are read here: the shield's
 * (ops_security_settings_load) and the admin plane's over their
 * defaults. Writes nothing.
 */
#include "ops/auditops.h"

#include <errno.h>
#include <stdio.h>

#include "admin/admin.h"
#include "admin/settings.h"
#include "base/clock.h"
#include "checklist/checklist.h"
#include "ops/security.h"
#include "sec/own.h"
#include "sec/settings.h"
#include "store/store.h"

int ops_audit_run(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    char err[SEC_SETTINGS_ERR_CAP + STORE_ERRMSG_CAP];
    struct sec_settings sec;
    struct admin_config adm;
    struct sec_own own = { NULL, 0 };
    int rc = ops_members_check(req, NULL, resp);

    if (rc != 0) {
        return rc;
    }
    if (!ctx->audit || !ctx->audit->conf) {
        return ops_fail(resp, -EINVAL, "policy", NULL,
                        "the security checklist needs the daemon's "
                        "configuration: run it with sipwarden audit");
    }
    if (ops_security_settings_load(ctx->st, &sec, err, sizeof(err)) == -EIO) {
        return ops_fail(resp, -EIO, NULL, NULL, "%s", err);
    }
    admin_config_defaults(&adm);
    if (admin_settings_load(ctx->st, &adm, err, sizeof(err)) == -EIO) {
        return ops_fail(resp, -EIO, NULL, NULL, "%s", err);
    }
    struct checklist_ctx c = *ctx->audit;
    c.st = ctx->st;
    c.sec = &sec;
    c.adm = &adm;
    c.now = clock_wall_s(ctx->clock);
    if (!c.own) {
        /* Unreadable interfaces leave the list empty: the blacklist item
         * then only sees what it can. */
        (void)sec_own_load(&own);
        c.own = own.nets;
        c.n_own = own.n;
    }
    json_t *out = checklist_run_json(&c, NULL);
    sec_own_fini(&own);
    if (!out) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    if (ops_ok(resp) < 0
        || ops_set(resp, "items", json_incref(json_object_get(out, "items")))
               < 0
        || ops_set(resp, "summary",
                   json_incref(json_object_get(out, "summary")))
               < 0) {
        json_decref(out);
        json_decref(*resp);
        *resp = NULL;
        return -ENOMEM;
    }
    json_decref(out);
    return 0;
}
