/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's alerts: the [alerts] keys of the configuration turned into
 * the alert service (src/alert/svc.h), hung on the event log's drain so
 * every drained record and every audited sign-in reaches the rules.
 */
#ifndef SW_DAEMON_ALERTCTL_H
#define SW_DAEMON_ALERTCTL_H

struct store;
struct sw_config;
struct sw_evlog;

/*
 * Start alerting per 'cfg' on the drain of 'l' (opened), reading sign-ins
 * and known addresses through 'st' (the main thread's handle). No channel
 * configured: nothing starts, returns 0. Returns 0 or a negative errno
 * (logged; a bad [alerts] value is -EINVAL). Main thread.
 */
int sw_alerts_open(struct sw_evlog *l, const struct sw_config *cfg,
                   struct store *st);

/* Stop the alert thread (after sw_evlog_fini's last drain). Idempotent. */
void sw_alerts_close(struct sw_evlog *l);

#endif
