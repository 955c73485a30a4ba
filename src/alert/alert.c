/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names of alert kinds and severities and the detail list of an alert.
 */
#include "alert/alert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *alert_kind_name(enum alert_kind k)
{
    static const char *const names[ALERT_KIND_COUNT] = {
        [ALERT_BAN] = "ban",
        [ALERT_FRAUD] = "fraud",
        [ALERT_LOGIN_SPIKE] = "login_spike",
        [ALERT_ADMIN_NEW_ADDR] = "admin_new_address",
        [ALERT_TEST] = "test",
    };
    return (unsigned)k < ALERT_KIND_COUNT ? names[k] : "?";
}

const char *alert_severity_name(enum alert_severity s)
{
    switch (s) {
    case ALERT_SEV_INFO:
        return "info";
    case ALERT_SEV_WARNING:
        return "warning";
    case ALERT_SEV_CRITICAL:
        return "critical";
    }
    return "?";
}

int alert_detail_add(struct alert *a, const char *key, const char *fmt, ...)
{
    if (a->n_details >= ALERT_DETAILS_MAX) {
        return -ENOSPC;
    }
    struct alert_detail *d = &a->details[a->n_details++];
    snprintf(d->key, sizeof(d->key), "%s", key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->value, sizeof(d->value), fmt, ap);
    va_end(ap);
    return 0;
}

const char *alert_detail_get(const struct alert *a, const char *key)
{
    for (size_t i = 0; i < a->n_details; i++) {
        if (strcmp(a->details[i].key, key) == 0) {
            return a->details[i].value;
        }
    }
    return NULL;
}
