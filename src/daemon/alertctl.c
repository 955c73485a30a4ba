/* SPDX-License-Identifier: Apache-2.0 */
/*
 * [alerts] configuration to alert service, and its place on the event
 * log's drain.
 */
#include "daemon/alertctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "alert/svc.h"
#include "base/log.h"
#include "daemon/config.h"
#include "daemon/evlog.h"

static const struct log_ctx lc = { "alerts", NULL };

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

int sw_alerts_open(struct sw_evlog *l, const struct sw_config *cfg,
                   struct store *st)
{
    struct alert_svc_cfg ac;
    alert_svc_cfg_defaults(&ac);
    COPY(ac.send.webhook_url, cfg->alert_webhook_url);
    COPY(ac.send.webhook_secret, cfg->alert_webhook_secret);
    COPY(ac.send.smtp_url, cfg->alert_smtp_url);
    COPY(ac.send.smtp_ca, cfg->alert_smtp_ca);
    COPY(ac.send.smtp_user, cfg->alert_smtp_user);
    COPY(ac.send.smtp_password, cfg->alert_smtp_password);
    COPY(ac.send.mail_from, cfg->alert_mail_from);
    COPY(ac.send.mail_to, cfg->alert_mail_to);
    COPY(ac.send.host, cfg->alert_host);
    COPY(ac.ban_rules, cfg->alert_ban_rules);
    ac.send.timeout_ms = cfg->alert_timeout_s * 1000u;
    ac.login_fail_spike = cfg->alert_login_fail_spike;
    ac.min_interval_s = cfg->alert_min_interval_s;
    ac.max_per_hour = cfg->alert_max_per_hour;
    char err[256];
    struct alert_svc *svc = NULL;
    int rc = alert_svc_new(&ac, st, &svc, err, sizeof(err));
    explicit_bzero(&ac, sizeof(ac));
    if (rc != 0) {
        log_err(&lc, "alerts: %s",
                rc == -EINVAL || rc == -EIO ? err : strerror(-rc));
        return rc;
    }
    if (!svc) {
        log_info(&lc, "alerts off (no webhook_url or smtp_url in [alerts])");
    }
    l->alerts = svc;
    return 0;
}

void sw_alerts_close(struct sw_evlog *l)
{
    alert_svc_free(l->alerts);
    l->alerts = NULL;
}
