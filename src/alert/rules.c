/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alert rules: bans of note, fraud events, failed sign-in spikes and
 * administrator sign-ins from new addresses, decided from plain data (no
 * clock, no store, no I/O) so every trigger is unit-tested.
 */
#include "alert/rules.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sec/detect.h"
#include "sec/event.h"

/* ---- fields ---------------------------------------------------------------
 */

bool alert_field_get(const char *fields, const char *key, char *dst, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = fields;
    if (cap == 0) {
        return false;
    }
    dst[0] = '\0';
    while (p && *p) {
        while (*p == ' ') {
            p++;
        }
        const char *eq = strchr(p, '=');
        if (!eq) {
            return false;
        }
        bool hit = (size_t)(eq - p) == klen && strncmp(p, key, klen) == 0;
        const char *v = eq + 1;
        const char *end;
        const char *next;
        if (*v == '"') {
            v++;
            end = v;
            /* log_escape writes \" and \\ inside quoted values */
            while (*end && *end != '"') {
                end += end[0] == '\\' && end[1] ? 2 : 1;
            }
            next = *end ? end + 1 : end;
        } else {
            end = v + strcspn(v, " ");
            next = end;
        }
        if (hit) {
            size_t n = (size_t)(end - v);
            if (n >= cap) {
                n = cap - 1;
            }
            memcpy(dst, v, n);
            dst[n] = '\0';
            return true;
        }
        p = next;
    }
    return false;
}

/* ---- ban rules ------------------------------------------------------------
 */

uint32_t alert_rules_ban_default(void)
{
    uint32_t m = 0;
    for (int i = SEC_REASON_NONE + 1; i < SEC_REASON_COUNT; i++) {
        m |= 1u << i;
    }
    m &= ~((1u << SEC_REASON_L1_RATE) | (1u << SEC_REASON_L2_RATE)
           | (1u << SEC_REASON_TRUSTED_RATE));
    return m;
}

int alert_rules_ban_parse(const char *text, uint32_t *mask, char *err,
                          size_t err_cap)
{
    uint32_t m = 0;
    const char *p = text ? text : "";
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    if (*p == '\0' || strcmp(p, "default") == 0) {
        *mask = alert_rules_ban_default();
        return 0;
    }
    if (strcmp(p, "none") == 0) {
        *mask = 0;
        return 0;
    }
    if (strcmp(p, "all") == 0) {
        *mask = alert_rules_ban_default() | (1u << SEC_REASON_L1_RATE)
                | (1u << SEC_REASON_L2_RATE) | (1u << SEC_REASON_TRUSTED_RATE);
        return 0;
    }
    while (*p) {
        size_t n = strcspn(p, ", \t");
        if (n > 0) {
            int found = -1;
            for (int i = SEC_REASON_NONE + 1; i < SEC_REASON_COUNT; i++) {
                const char *name = sec_reason_name((enum sec_reason)i);
                if (strlen(name) == n && strncmp(name, p, n) == 0) {
                    found = i;
                    break;
                }
            }
            if (found < 0) {
                snprintf(err, err_cap, "unknown ban rule '%.*s'",
                         (int)(n > 40 ? 40 : n), p);
                return -EINVAL;
            }
            m |= 1u << found;
        }
        p += n;
        p += strspn(p, ", \t");
    }
    *mask = m;
    return 0;
}

void alert_rules_init(struct alert_rules *r, const struct alert_rules_cfg *cfg)
{
    memset(r, 0, sizeof(*r));
    r->cfg = *cfg;
    if (r->cfg.login_fail_spike == 0) {
        r->cfg.login_fail_spike = ALERT_SPIKE_DEFAULT;
    }
    if (r->cfg.login_fail_spike > ALERT_SPIKE_MAX) {
        r->cfg.login_fail_spike = ALERT_SPIKE_MAX;
    }
    if (r->cfg.spike_window_s == 0) {
        r->cfg.spike_window_s = ALERT_SPIKE_WINDOW_S;
    }
}

/* ---- triggers -------------------------------------------------------------
 */

static void start(struct alert *a, enum alert_kind k, enum alert_severity s,
                  int64_t at)
{
    memset(a, 0, sizeof(*a));
    a->kind = k;
    a->severity = s;
    a->at = at;
}

/* Copy field 'key' of 'e' into a detail named 'as' when present. */
static void copy_field(struct alert *a, const struct sec_evlog_entry *e,
                       const char *key, const char *as)
{
    char v[ALERT_DVALUE_CAP];
    if (alert_field_get(e->detail, key, v, sizeof(v))) {
        alert_detail_add(a, as, "%s", v);
    }
}

static int on_ban(struct alert_rules *r, const struct sec_evlog_entry *e,
                  struct alert *out)
{
    char reason[32];
    if (!alert_field_get(e->detail, "reason", reason, sizeof(reason))) {
        return 0;
    }
    int rule = -1;
    for (int i = SEC_REASON_NONE + 1; i < SEC_REASON_COUNT; i++) {
        if (strcmp(reason, sec_reason_name((enum sec_reason)i)) == 0) {
            rule = i;
            break;
        }
    }
    if (rule < 0 || !(r->cfg.ban_rules & (1u << rule))) {
        return 0;
    }
    char net[64];
    if (!alert_field_get(e->detail, "net", net, sizeof(net))) {
        snprintf(net, sizeof(net), "%s", e->addr);
    }
    start(out, ALERT_BAN, ALERT_SEV_WARNING, e->at);
    snprintf(out->key, sizeof(out->key), "%s", net);
    snprintf(out->summary, sizeof(out->summary), "%s banned (rule %s)",
             e->addr[0] ? e->addr : net, reason);
    alert_detail_add(out, "address", "%s", e->addr);
    alert_detail_add(out, "net", "%s", net);
    alert_detail_add(out, "rule", "%s", reason);
    copy_field(out, e, "ban_s", "ban_s");
    copy_field(out, e, "count", "count");
    copy_field(out, e, "method", "method");
    copy_field(out, e, "ua", "user_agent");
    copy_field(out, e, "from_user", "from_user");
    return 1;
}

static int on_fraud(const struct sec_evlog_entry *e, bool is_critical,
                    struct alert *out)
{
    char user[64];
    char metric[24];
    if (!alert_field_get(e->detail, "user", user, sizeof(user))) {
        snprintf(user, sizeof(user), "?");
    }
    if (!alert_field_get(e->detail, "metric", metric, sizeof(metric))) {
        snprintf(metric, sizeof(metric), "?");
    }
    start(out, ALERT_FRAUD,
          is_critical ? ALERT_SEV_CRITICAL : ALERT_SEV_WARNING, e->at);
    snprintf(out->key, sizeof(out->key), "%s|%s|%s", user, metric,
             is_critical ? "suspend" : "warning");
    snprintf(out->summary, sizeof(out->summary), "fraud %s: %s (%s)",
             is_critical ? "suspension" : "warning", user, metric);
    alert_detail_add(out, "level", "%s", is_critical ? "critical" : "warning");
    alert_detail_add(out, "user", "%s", user);
    copy_field(out, e, "tenant", "tenant");
    copy_field(out, e, "scope", "scope");
    alert_detail_add(out, "metric", "%s", metric);
    copy_field(out, e, "window", "window_s");
    copy_field(out, e, "count", "count");
    copy_field(out, e, "threshold", "threshold");
    return 1;
}

static int on_login_failure(struct alert_rules *r,
                            const struct sec_evlog_entry *e, struct alert *out)
{
    /* Forget what left the window (times arrive nearly in order). */
    while (r->n_fails > 0
           && r->fails[r->head] <= e->at - (int64_t)r->cfg.spike_window_s) {
        r->head = (r->head + 1) % ALERT_SPIKE_MAX;
        r->n_fails--;
    }
    if (r->n_fails == ALERT_SPIKE_MAX) {
        r->head = (r->head + 1) % ALERT_SPIKE_MAX;
        r->n_fails--;
    }
    r->fails[(r->head + r->n_fails) % ALERT_SPIKE_MAX] = e->at;
    r->n_fails++;
    if (r->n_fails < r->cfg.login_fail_spike) {
        return 0;
    }
    int64_t first = r->fails[r->head];
    size_t n = r->n_fails;
    r->n_fails = 0;
    r->head = 0;
    start(out, ALERT_LOGIN_SPIKE, ALERT_SEV_WARNING, e->at);
    snprintf(out->key, sizeof(out->key), "all");
    snprintf(out->summary, sizeof(out->summary),
             "%zu failed sign-ins within %u s", n, r->cfg.spike_window_s);
    alert_detail_add(out, "failures", "%zu", n);
    alert_detail_add(out, "window_s", "%u", r->cfg.spike_window_s);
    alert_detail_add(out, "threshold", "%u", r->cfg.login_fail_spike);
    alert_detail_add(out, "first_at", "%lld", (long long)first);
    alert_detail_add(out, "last_address", "%s", e->addr);
    copy_field(out, e, "user", "last_user");
    return 1;
}

int alert_rules_event(struct alert_rules *r, const struct sec_evlog_entry *e,
                      struct alert *out)
{
    switch (e->ev) {
    case SEC_EV_BAN:
        return on_ban(r, e, out);
    case SEC_EV_FRAUD_WARNING:
        return on_fraud(e, false, out);
    case SEC_EV_FRAUD_SUSPEND:
        return on_fraud(e, true, out);
    case SEC_EV_LOGIN_FAILURE:
        return on_login_failure(r, e, out);
    default:
        return 0;
    }
}

int alert_rules_admin_login(const char *account, const char *address,
                            int64_t at, bool is_known, bool is_first,
                            struct alert *out)
{
    if (is_known || !account || !account[0]) {
        return 0;
    }
    const char *addr = address && address[0] ? address : "local";
    start(out, ALERT_ADMIN_NEW_ADDR, ALERT_SEV_WARNING, at);
    snprintf(out->key, sizeof(out->key), "%s|%s", account, addr);
    snprintf(out->summary, sizeof(out->summary),
             "administrator %s signed in from new address %s", account, addr);
    alert_detail_add(out, "account", "%s", account);
    alert_detail_add(out, "address", "%s", addr);
    alert_detail_add(out, "first_sign_in", "%s", is_first ? "yes" : "no");
    return 1;
}
