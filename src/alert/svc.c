/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Main-thread side of the alerts: rules, rate limits, the audit-log
 * reader for administrator sign-ins and the counters; the network is the
 * alert thread's (send.c).
 */
#include "alert/svc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "store/admin.h"
#include "store/admin_addr.h"
#include "store/store.h"

static const struct log_ctx lc = { "alerts", NULL };

#define SIGNINS_PER_POLL 64

struct alert_svc {
    struct alert_svc_cfg cfg;
    struct store *st;
    struct alert_rules rules;
    struct alert_rl rl;
    struct alert_sender *sender;
    int64_t audit_last_id; /* newest auth.login entry looked at */
    uint64_t n_alerts;     /* let through by the limits */
    uint64_t n_test;       /* test alerts queued */
    uint64_t n_store_err;
};

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

void alert_svc_cfg_defaults(struct alert_svc_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->ban_rules, sizeof(cfg->ban_rules), "default");
    cfg->login_fail_spike = ALERT_SPIKE_DEFAULT;
    cfg->min_interval_s = ALERT_RL_INTERVAL_DEF;
    cfg->max_per_hour = ALERT_RL_PER_HOUR_DEF;
}

int alert_svc_cfg_check(const struct alert_svc_cfg *cfg, char *err,
                        size_t err_cap)
{
    uint32_t mask = 0;
    char why[96];
    if (alert_rules_ban_parse(cfg->ban_rules, &mask, why, sizeof(why)) != 0) {
        snprintf(err, err_cap, "[alerts] ban_rules: %s", why);
        return -EINVAL;
    }
    return alert_send_cfg_check(&cfg->send, err, err_cap);
}

/* ---- administrator sign-ins ------------------------------------------------
 */

struct signin {
    int64_t id;
    int64_t at;
    char account[STORE_AUDIT_ACTOR_MAX + 1];
    char address[STORE_IP_TEXT_MAX + 1];
};

struct signins {
    struct signin v[SIGNINS_PER_POLL];
    size_t n;
    int64_t after; /* ids above this only */
    int64_t newest;
};

static int collect(void *ud, const struct store_audit *a)
{
    struct signins *c = ud;
    if (a->id > c->newest) {
        c->newest = a->id;
    }
    if (a->id <= c->after) {
        return 1; /* newest first: the rest was seen already */
    }
    if (strcmp(a->action, "auth.login") != 0 || strcmp(a->result, "ok") != 0
        || a->admin_id == 0 || c->n >= SIGNINS_PER_POLL) {
        return 0;
    }
    struct signin *s = &c->v[c->n++];
    s->id = a->id;
    s->at = a->at;
    snprintf(s->account, sizeof(s->account), "%s", a->actor);
    snprintf(s->address, sizeof(s->address), "%s", a->client_ip);
    return 0;
}

static int read_signins(struct alert_svc *s, struct signins *c)
{
    struct store_audit_filter f = { .action_prefix = "auth.login",
                                    .result = "ok",
                                    .limit = SIGNINS_PER_POLL };
    memset(c, 0, sizeof(*c));
    c->after = s->audit_last_id;
    c->newest = s->audit_last_id;
    int rc = store_audit_list(s->st, &f, collect, c);
    return rc < 0 ? rc : 0;
}

static void queue(struct alert_svc *s, struct alert *a)
{
    if (!alert_rl_admit(&s->rl, a, now_s())) {
        log_info(&lc, "alert %s (%s) suppressed by the rate limit",
                 alert_kind_name(a->kind), a->summary);
        return;
    }
    s->n_alerts++;
    if (alert_sender_push(s->sender, a) != 0) {
        log_warn_rl(&lc, "alert queue full: alert %s dropped",
                    alert_kind_name(a->kind));
        return;
    }
    log_info(&lc, "alert %s: %s", alert_kind_name(a->kind), a->summary);
}

void alert_svc_poll(struct alert_svc *s)
{
    struct signins c;
    if (!s) {
        return;
    }
    if (read_signins(s, &c) != 0) {
        s->n_store_err++;
        log_warn_rl(&lc, "reading sign-ins: %s", store_errmsg(s->st));
        return;
    }
    s->audit_last_id = c.newest;
    /* Oldest first, as they happened. */
    for (size_t i = c.n; i-- > 0;) {
        const struct signin *g = &c.v[i];
        bool known = false;
        bool any = false;
        if (store_admin_addr_seen(s->st, g->account, g->address, g->at,
                                  s->cfg.known_addr_max, &known, &any)
            != 0) {
            s->n_store_err++;
            log_warn_rl(&lc, "recording an admin address: %s",
                        store_errmsg(s->st));
            continue;
        }
        struct alert a;
        if (alert_rules_admin_login(g->account, g->address, g->at, known, !any,
                                    &a)) {
            queue(s, &a);
        }
    }
}

/* ---- events ---------------------------------------------------------------
 */

void alert_svc_event(struct alert_svc *s, const struct sec_evlog_entry *e)
{
    struct alert a;
    if (s && alert_rules_event(&s->rules, e, &a)) {
        queue(s, &a);
    }
}

int alert_svc_test(struct alert_svc *s, uint64_t *id)
{
    struct alert a;
    memset(&a, 0, sizeof(a));
    a.kind = ALERT_TEST;
    a.severity = ALERT_SEV_INFO;
    a.at = now_s();
    a.test_id = ++s->n_test;
    snprintf(a.key, sizeof(a.key), "test");
    snprintf(a.summary, sizeof(a.summary), "test alert #%llu",
             (unsigned long long)a.test_id);
    alert_detail_add(&a, "requested_by", "sipwarden alerts test");
    alert_rl_admit(&s->rl, &a, a.at);
    int rc = alert_sender_push(s->sender, &a);
    if (rc == 0) {
        *id = a.test_id;
    }
    return rc;
}

static json_t *chan_json(const struct alert_chan_stats *c)
{
    return json_pack("{s:b,s:I,s:I,s:I}", "on", c->is_on, "sent",
                     (json_int_t)c->sent, "failed", (json_int_t)c->failed,
                     "retries", (json_int_t)c->retries);
}

static json_t *result_json(int rc, const char *err)
{
    return json_string(rc == 0  ? "ok"
                       : rc > 0 ? "off"
                       : err[0] ? err
                                : "failed");
}

json_t *alert_svc_status_json(struct alert_svc *s)
{
    struct alert_send_stats st;
    alert_sender_stats_get(s->sender, &st);
    json_t *test = json_pack("{s:I}", "id", (json_int_t)st.test_done_id);
    if (test && st.test_done_id > 0) {
        json_object_set_new(
            test, "webhook",
            result_json(st.test_webhook_rc, st.test_webhook_err));
        json_object_set_new(test, "mail",
                            result_json(st.test_mail_rc, st.test_mail_err));
    }
    return json_pack(
        "{s:{s:o,s:o},s:I,s:I,s:I,s:I,s:I,s:o}", "channels", "webhook",
        chan_json(&st.webhook), "mail", chan_json(&st.mail), "queued",
        (json_int_t)st.queued, "dropped", (json_int_t)st.dropped, "suppressed",
        (json_int_t)s->rl.n_suppressed, "alerts", (json_int_t)s->n_alerts,
        "store_errors", (json_int_t)s->n_store_err, "test", test);
}

/* ---- lifecycle -------------------------------------------------------------
 */

int alert_svc_new(const struct alert_svc_cfg *cfg, struct store *st,
                  struct alert_svc **out, char *err, size_t err_cap)
{
    *out = NULL;
    int rc = alert_svc_cfg_check(cfg, err, err_cap);
    if (rc != 0) {
        return rc;
    }
    if (!alert_send_cfg_any(&cfg->send)) {
        return 0;
    }
    struct alert_svc *s = calloc(1, sizeof(*s));
    if (!s) {
        return -ENOMEM;
    }
    s->cfg = *cfg;
    s->st = st;
    if (!s->cfg.send.host[0]
        && gethostname(s->cfg.send.host, sizeof(s->cfg.send.host) - 1) != 0) {
        snprintf(s->cfg.send.host, sizeof(s->cfg.send.host), "sipwarden");
    }
    struct alert_rules_cfg rc_cfg = { .login_fail_spike =
                                          cfg->login_fail_spike };
    char why[96];
    (void)alert_rules_ban_parse(cfg->ban_rules, &rc_cfg.ban_rules, why,
                                sizeof(why));
    alert_rules_init(&s->rules, &rc_cfg);
    struct alert_rl_cfg rl_cfg = { .min_interval_s = cfg->min_interval_s,
                                   .max_per_hour = cfg->max_per_hour };
    alert_rl_init(&s->rl, &rl_cfg);
    /* Sign-ins audited before this start are history, not news. */
    struct signins c;
    if (read_signins(s, &c) != 0) {
        snprintf(err, err_cap, "reading the audit log: %s", store_errmsg(st));
        free(s);
        return -EIO;
    }
    s->audit_last_id = c.newest;
    rc = alert_sender_new(&s->cfg.send, &s->sender, err, err_cap);
    if (rc != 0) {
        explicit_bzero(&s->cfg, sizeof(s->cfg));
        free(s);
        return rc;
    }
    log_info(&lc,
             "alerts on: webhook %s, e-mail %s, at most one per %u s "
             "per kind and key, %u per hour",
             cfg->send.webhook_url[0] ? "on" : "off",
             cfg->send.smtp_url[0] ? "on" : "off", cfg->min_interval_s,
             s->rl.cfg.max_per_hour);
    *out = s;
    return 0;
}

void alert_svc_free(struct alert_svc *s)
{
    if (!s) {
        return;
    }
    alert_sender_free(s->sender);
    explicit_bzero(&s->cfg, sizeof(s->cfg));
    free(s);
}
