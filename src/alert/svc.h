/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's alerting, on the main thread: each security event drained
 * from the event log goes through the rules and the rate limits, and what
 * passes is queued for the alert thread (send.h). Administrator sign-ins
 * are read from the audit log (entries auth.login with result ok, written
 * by the HTTP thread) once per drain, and checked against the store's
 * known addresses. Never waits on the network.
 */
#ifndef SW_ALERT_SVC_H
#define SW_ALERT_SVC_H

#include <jansson.h>
#include <stdint.h>

#include "alert/ratelimit.h"
#include "alert/rules.h"
#include "alert/send.h"
#include "sec/evlog.h"

struct store;

struct alert_svc_cfg {
    struct alert_send_cfg send;
    char ban_rules[ALERT_BAN_RULES_TEXT_CAP]; /* "" / "default": see rules.h */
    uint32_t login_fail_spike;                /* 0: ALERT_SPIKE_DEFAULT */
    uint32_t min_interval_s;
    uint32_t max_per_hour;
    uint32_t known_addr_max; /* 0: STORE_ADMIN_ADDR_ROWS_DEFAULT */
};

struct alert_svc;

/* Fill 'cfg' with the defaults (no channel: alerts off). */
void alert_svc_cfg_defaults(struct alert_svc_cfg *cfg);

/*
 * Check 'cfg' (ban_rules, the channels: see alert_send_cfg_check).
 * Returns 0 or -EINVAL with 'err' filled.
 */
int alert_svc_cfg_check(const struct alert_svc_cfg *cfg, char *err,
                        size_t err_cap);

/*
 * Start alerting with 'st' (the main thread's store handle, borrowed):
 * sign-ins already in the audit log are not alerted. With no channel
 * configured returns 0 and *out NULL (alerts off). Returns 0, -EINVAL
 * ('err' filled), -ENOMEM or -EIO. Main thread.
 */
int alert_svc_new(const struct alert_svc_cfg *cfg, struct store *st,
                  struct alert_svc **out, char *err, size_t err_cap);

/* One drained record. Main thread. NULL 's' is a no-op. */
void alert_svc_event(struct alert_svc *s, const struct sec_evlog_entry *e);

/* Read the sign-ins audited since the last call. Main thread. */
void alert_svc_poll(struct alert_svc *s);

/*
 * Queue a test alert through every channel. On 0, *id names it in
 * alert_svc_status_json's "test" object once sent. Returns 0 or -ENOSPC.
 */
int alert_svc_test(struct alert_svc *s, uint64_t *id);

/*
 * {"channels":{"webhook":{on,sent,failed,retries},"mail":{...}},
 * "queued","dropped","suppressed","alerts" (let through by the limits),
 * "test":{"id","webhook","mail"} (each "ok", "off" or the error)}.
 * A new object or NULL. Any thread holding 's' alive (main).
 */
json_t *alert_svc_status_json(struct alert_svc *s);

/* Stop the alert thread and free. NULL is a no-op. */
void alert_svc_free(struct alert_svc *s);

#endif
