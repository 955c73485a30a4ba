/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Security event lines: one key=value record per event on the security
 * log (log_event), rate-limited per event type so a flood cannot fill the
 * disk. Lines dropped by the limit are counted and reported as
 * suppressed=N on the next line of that type. The same funnel feeds the
 * structured event log (sec/evlog.h): every event is counted per hour and
 * a bounded number per second are queued for the database.
 */
#ifndef SW_SEC_EVENT_H
#define SW_SEC_EVENT_H

#include <stdbool.h>
#include <stdint.h>

enum sec_ev {
    SEC_EV_BAN = 0,
    SEC_EV_UNBAN,
    SEC_EV_AUTH_FAILURE,
    SEC_EV_CHALLENGE_FAILURE,
    SEC_EV_USER_BLOCKED,
    SEC_EV_RATE_LIMIT,
    SEC_EV_UA_MATCH,
    SEC_EV_GEO_DROP,
    SEC_EV_ACL_DROP,
    SEC_EV_CALL_REFUSED,
    SEC_EV_FRAUD_WARNING,
    SEC_EV_FRAUD_SUSPEND,
    SEC_EV_LOGIN_FAILURE, /* a portal sign-in refused (credentials, code) */
    SEC_EV_LOGIN_BLOCKED, /* a portal sign-in refused: address blocked */
    SEC_EV_PROV_FETCH,    /* a phone fetched its provisioning file */
    SEC_EV_PROV_GUESS,    /* a provisioning path with an unknown token */
    SEC_EV_COUNT,
};

/* "ban", "unban", "auth_failure", ...: the event= value; "?" when out of
 * range. */
const char *sec_ev_name(enum sec_ev ev);

/* The event named 'name' (exact, lowercase). Returns 0 or -EINVAL (also
 * for NULL). */
int sec_ev_parse(const char *name, enum sec_ev *out);

/*
 * Is 'ev' an attack for the dashboard's counts: every type except unban,
 * call_refused, the fraud alerts (those are our own decisions about
 * legitimate callers, not hostile traffic) and prov_fetch (a phone
 * fetching its own file).
 */
bool sec_ev_is_attack(enum sec_ev ev);

/* Lines per event type per second (>= 1); default 50. Any thread. */
void sec_ev_set_limit(uint32_t per_s);

/*
 * Write "event=<type> <fields>" unless this type is over its limit this
 * second. 'fields' is printf-style; values must already be escaped
 * (log_escape); a leading "src=ADDRESS" names the source for the event
 * log. Whatever the line limit, the event is counted in its hour and,
 * while the event log is open and under its own rate, queued for it
 * (sec/evlog.h). Never blocks. Any thread.
 */
void sec_ev_log(enum sec_ev ev, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Lines dropped by the limit so far, all types. */
uint64_t sec_ev_suppressed_total(void);

#endif
