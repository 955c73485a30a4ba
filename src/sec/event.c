/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-type one-second windows with atomic counters: the first 'limit'
 * lines of a second are written, the rest counted. Every event also goes
 * to the event log's sink (evlog.c), which counts it and may queue it;
 * the fields are formatted only when a line or a record needs them.
 */
#include "sec/event.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "sec/evlog.h"

static const char *const names[SEC_EV_COUNT] = {
    [SEC_EV_BAN] = "ban",
    [SEC_EV_UNBAN] = "unban",
    [SEC_EV_AUTH_FAILURE] = "auth_failure",
    [SEC_EV_CHALLENGE_FAILURE] = "challenge_failure",
    [SEC_EV_USER_BLOCKED] = "user_blocked",
    [SEC_EV_RATE_LIMIT] = "rate_limit",
    [SEC_EV_UA_MATCH] = "ua_match",
    [SEC_EV_GEO_DROP] = "geo_drop",
    [SEC_EV_ACL_DROP] = "acl_drop",
    [SEC_EV_CALL_REFUSED] = "call_refused",
    [SEC_EV_FRAUD_WARNING] = "fraud_warning",
    [SEC_EV_FRAUD_SUSPEND] = "fraud_suspend",
    [SEC_EV_LOGIN_FAILURE] = "login_failure",
    [SEC_EV_LOGIN_BLOCKED] = "login_blocked",
    [SEC_EV_PROV_FETCH] = "prov_fetch",
    [SEC_EV_PROV_GUESS] = "prov_guess",
};

struct ev_window {
    atomic_uint_least64_t second;
    atomic_uint_least32_t n;
    atomic_uint_least64_t suppressed;
};

static struct ev_window windows[SEC_EV_COUNT];
static atomic_uint_least32_t limit = 50;
static atomic_uint_least64_t suppressed_total;

const char *sec_ev_name(enum sec_ev ev)
{
    return (unsigned)ev < SEC_EV_COUNT ? names[ev] : "?";
}

int sec_ev_parse(const char *name, enum sec_ev *out)
{
    for (int i = 0; name && i < SEC_EV_COUNT; i++) {
        if (strcmp(name, names[i]) == 0) {
            *out = (enum sec_ev)i;
            return 0;
        }
    }
    return -EINVAL;
}

bool sec_ev_is_attack(enum sec_ev ev)
{
    switch (ev) {
    case SEC_EV_UNBAN:
    case SEC_EV_CALL_REFUSED:
    case SEC_EV_FRAUD_WARNING:
    case SEC_EV_FRAUD_SUSPEND:
    case SEC_EV_PROV_FETCH:
    case SEC_EV_COUNT:
        return false;
    default:
        return (unsigned)ev < SEC_EV_COUNT;
    }
}

void sec_ev_set_limit(uint32_t per_s)
{
    atomic_store(&limit, per_s ? per_s : 1);
}

uint64_t sec_ev_suppressed_total(void)
{
    return atomic_load(&suppressed_total);
}

void sec_ev_log(enum sec_ev ev, const char *fmt, ...)
{
    if ((unsigned)ev >= SEC_EV_COUNT) {
        return;
    }
    struct ev_window *w = &windows[ev];
    struct timespec ts;
    struct timespec wall;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    clock_gettime(CLOCK_REALTIME_COARSE, &wall);
    int64_t now_s = (int64_t)wall.tv_sec;
    sec_evlog_count(ev, now_s);
    bool want_record = sec_evlog_admit(ev, now_s);
    uint64_t sec = (uint64_t)ts.tv_sec;
    uint64_t cur = atomic_load_explicit(&w->second, memory_order_relaxed);
    if (cur != sec && atomic_compare_exchange_strong(&w->second, &cur, sec)) {
        atomic_store(&w->n, 0);
    }
    bool want_line = atomic_fetch_add(&w->n, 1) < atomic_load(&limit);
    if (!want_line) {
        atomic_fetch_add(&w->suppressed, 1);
        atomic_fetch_add(&suppressed_total, 1);
        if (!want_record) {
            return;
        }
    }
    char fields[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fields, sizeof(fields), fmt, ap);
    va_end(ap);
    if (want_record) {
        sec_evlog_push(ev, now_s, fields);
    }
    if (!want_line) {
        return;
    }
    uint64_t sup = atomic_exchange(&w->suppressed, 0);
    if (sup) {
        log_event("event=%s %s suppressed=%llu", names[ev], fields,
                  (unsigned long long)sup);
    } else {
        log_event("event=%s %s", names[ev], fields);
    }
}
