/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One alert as the rules decide it and the channels send it: its kind,
 * severity, time, the key its rate limit counts under, a one-line summary
 * and a few key/value details. Plain data, copied by value into the alert
 * thread's queue; what triggers an alert is rules.h's business, how often
 * ratelimit.h's, how it looks on the wire format.h's.
 */
#ifndef SW_ALERT_ALERT_H
#define SW_ALERT_ALERT_H

#include <stddef.h>
#include <stdint.h>

#define ALERT_KEY_CAP     128 /* rate-limit key, NUL included */
#define ALERT_SUMMARY_CAP 256
#define ALERT_DKEY_CAP    32
#define ALERT_DVALUE_CAP  256
#define ALERT_DETAILS_MAX 10

enum alert_kind {
    ALERT_BAN = 0,        /* a ban of note (its rule in ban_rules) */
    ALERT_FRAUD,          /* a fraud warning or suspension */
    ALERT_LOGIN_SPIKE,    /* failed web sign-ins, all sources, over spike */
    ALERT_ADMIN_NEW_ADDR, /* an administrator signed in from a new address */
    ALERT_TEST,           /* `sipwarden alerts test` */
    ALERT_KIND_COUNT,
};

enum alert_severity {
    ALERT_SEV_INFO = 0,
    ALERT_SEV_WARNING,
    ALERT_SEV_CRITICAL,
};

struct alert_detail {
    char key[ALERT_DKEY_CAP];
    char value[ALERT_DVALUE_CAP];
};

struct alert {
    enum alert_kind kind;
    enum alert_severity severity;
    int64_t at;              /* unix s */
    char key[ALERT_KEY_CAP]; /* what the per-key interval counts under */
    char summary[ALERT_SUMMARY_CAP];
    struct alert_detail details[ALERT_DETAILS_MAX];
    size_t n_details;
    uint32_t suppressed; /* alerts of this kind suppressed since the last */
    uint64_t test_id;    /* ALERT_TEST: the request's id, else 0 */
};

/* "ban", "fraud", "login_spike", "admin_new_address", "test"; "?" out of
 * range. */
const char *alert_kind_name(enum alert_kind k);

/* "info", "warning", "critical"; "?" out of range. */
const char *alert_severity_name(enum alert_severity s);

/*
 * Append detail 'key' = printf('fmt', ...) to 'a'; text beyond the caps is
 * cut. Returns 0, or -ENOSPC when 'a' already holds ALERT_DETAILS_MAX.
 */
int alert_detail_add(struct alert *a, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The value of detail 'key' in 'a', or NULL. */
const char *alert_detail_get(const struct alert *a, const char *key);

#endif
