/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which security events deserve an alert. Pure: fed the records the main
 * loop drains from the event log (sec/evlog.h) and the administrator
 * sign-ins it reads from the audit log, it answers with at most one alert
 * per input. Bans of note (a ban whose rule is in ban_rules), fraud
 * warnings and suspensions, and failed web sign-ins of all sources
 * reaching a threshold within a window are decided from the records; a
 * sign-in from an address the account never used before is decided from
 * what the caller remembers (the store's known administrator addresses).
 * Rate limits are ratelimit.h's, sending send.h's.
 */
#ifndef SW_ALERT_RULES_H
#define SW_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert/alert.h"
#include "sec/evlog.h"

#define ALERT_SPIKE_MAX          1000 /* login_fail_spike at most */
#define ALERT_SPIKE_DEFAULT      10
#define ALERT_SPIKE_WINDOW_S     300
#define ALERT_BAN_RULES_TEXT_CAP 256

struct alert_rules_cfg {
    uint32_t ban_rules;        /* bit (1 << enum sec_reason) per rule */
    uint32_t login_fail_spike; /* failures in the window, 1..SPIKE_MAX */
    uint32_t spike_window_s;   /* 0: ALERT_SPIKE_WINDOW_S */
};

struct alert_rules {
    struct alert_rules_cfg cfg;
    int64_t fails[ALERT_SPIKE_MAX]; /* ring of failure times (unix s) */
    size_t n_fails;                 /* entries in the ring */
    size_t head;                    /* oldest entry */
};

/*
 * The default ban rules: every rule except the plain packet-rate ones
 * (l1_rate, l2_rate, trusted_rate), which fire on floods and would drown
 * the channels.
 */
uint32_t alert_rules_ban_default(void);

/*
 * Parse 'text' into a ban-rule mask: "default", "all", "none", or a list
 * of rule names (sec_reason_name: "ua_blacklist, auth_failures")
 * separated by commas or blanks. Returns 0, or -EINVAL with 'err' naming
 * the unknown word.
 */
int alert_rules_ban_parse(const char *text, uint32_t *mask, char *err,
                          size_t err_cap);

/* Reset 'r' with 'cfg' (a zero spike is taken as the default). */
void alert_rules_init(struct alert_rules *r, const struct alert_rules_cfg *cfg);

/*
 * Decide about one drained record. Returns 1 with *out filled (time,
 * kind, severity, key, summary, details) when it makes an alert, else 0.
 * A failed sign-in spike fires once the window holds login_fail_spike
 * failures and then starts counting afresh.
 */
int alert_rules_event(struct alert_rules *r, const struct sec_evlog_entry *e,
                      struct alert *out);

/*
 * An administrator 'account' signed in from 'address' at 'at'. 'is_known':
 * the account used that address before; 'is_first': the account had no
 * known address at all. Returns 1 with *out filled for a new address, else
 * 0.
 */
int alert_rules_admin_login(const char *account, const char *address,
                            int64_t at, bool is_known, bool is_first,
                            struct alert *out);

/*
 * The value of field 'key' in an event's fields ("net=1.2.3.4/32
 * reason=ua_blacklist ua=\"x y\""), unquoted, into 'dst'. Returns true when
 * found.
 */
bool alert_field_get(const char *fields, const char *key, char *dst,
                     size_t cap);

#endif
