/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy's policy hooks. A call from an extension: internal calls go
 * to the callee; anything else is classified by the tenant's country
 * profile, then, in this order, the suspension, the role permission and
 * the tenant's number lists, the outbound rule, the call rate, the
 * extension's concurrent calls and the fraud watch decide, and the rule's
 * trunks become the hops (on_hop takes each trunk's concurrency as it is
 * tried). Emergency numbers skip every check that could refuse them. A
 * call from a trunk is routed by the inbound rules. Every refusal is a
 * SIP answer naming the rule, a security event and a CDR.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "base/log.h"
#include "calls/calls_int.h"
#include "media/policy.h"
#include "net/transport.h"
#include "reg/location.h"
#include "route/tz.h"
#include "sec/event.h"

/* Rule tokens of our own (route/permit.h has the routing ones). */
#define RULE_SUSPENDED   "suspended"
#define RULE_CALL_RATE   "call_rate"
#define RULE_CONCURRENT  "concurrent_calls"
#define RULE_TRUNK_LIMIT "trunk_limit"
#define RULE_NO_TRUNK    "no_trunk_available"
#define RULE_NO_PROFILE  "no_country_profile"
#define RULE_NOT_READY   "not_ready"
#define RULE_NO_INBOUND  ROUTE_RULE_NO_INBOUND

static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void calls_copy_text(char *dst, size_t cap, struct sv src)
{
    size_t n = 0;
    for (size_t i = 0; i < src.len && n + 1 < cap; i++) {
        unsigned char ch = (unsigned char)src.p[i];
        dst[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (cap) {
        dst[n] = '\0';
    }
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- refusals ---------------------------------------------------------- */

/* Headers of the refusal being answered; the proxy sends them before the
 * hook's caller returns, on this thread. */
static _Thread_local char refusal_hdrs[512];

static const char *reason_phrase(int status)
{
    switch (status) {
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 486:
        return "Busy Here";
    case 488:
        return "Not Acceptable Here";
    case 400:
        return "Bad Request";
    default:
        return "Service Unavailable";
    }
}

/* The rules /metrics counts one by one (any other is "other"). */
static const char *const refusal_rules[CALLS_REFUSAL_RULES] = {
    ROUTE_RULE_INVALID_NUMBER,
    ROUTE_RULE_INTERNAL_ONLY,
    ROUTE_RULE_DISALLOWED,
    ROUTE_RULE_COUNTRY,
    ROUTE_RULE_NO_OUTBOUND,
    ROUTE_RULE_OFFICE_HOURS,
    ROUTE_RULE_NOT_EXTERNAL,
    ROUTE_RULE_NO_INBOUND,
    RULE_SUSPENDED,
    RULE_CALL_RATE,
    RULE_CONCURRENT,
    RULE_TRUNK_LIMIT,
    RULE_NO_TRUNK,
    RULE_NO_PROFILE,
    RULE_NOT_READY,
    "media_unencrypted",
    "sdes_in_clear",
};

const char *calls_refusal_rule_name(size_t i)
{
    return i < CALLS_REFUSAL_RULES ? refusal_rules[i] : "other";
}

/* A refused call: counted (also per rule), and a security event unless it
 * was only a number that does not exist here (404). */
static void report_refusal(struct calls_engine *e,
                           const struct proxy_call_info *ci, int64_t tenant_id,
                           const char *rule, int status)
{
    size_t slot = 0;
    while (slot < CALLS_REFUSAL_RULES
           && (rule == NULL || strcmp(rule, refusal_rules[slot]) != 0)) {
        slot++;
    }
    count(&e->stats.refused);
    count(&e->stats.refused_by_rule[slot]);
    if (status == 404) {
        return;
    }
    char src[64], user[96], callee[64];
    log_escape(ci->src_ip, src, sizeof(src));
    log_escape(ci->caller, user, sizeof(user));
    log_escape(ci->callee, callee, sizeof(callee));
    sec_ev_log(SEC_EV_CALL_REFUSED,
               "src=%s user=%s tenant=%lld callee=%s rule=%s status=%d", src,
               user, (long long)tenant_id, callee, rule, status);
}

/* Refuse with 'status', naming 'rule' (a static token) and a human text
 * (printf; quotes and backslashes are replaced so it can be quoted). */
static bool refuse(struct calls_engine *e, const struct proxy_call_info *ci,
                   struct calls_call *c, struct proxy_refusal *ref, int status,
                   uint32_t retry_after_s, const char *rule, const char *fmt,
                   ...) __attribute__((format(printf, 8, 9)));

static bool refuse(struct calls_engine *e, const struct proxy_call_info *ci,
                   struct calls_call *c, struct proxy_refusal *ref, int status,
                   uint32_t retry_after_s, const char *rule, const char *fmt,
                   ...)
{
    char text[ROUTE_REFUSAL_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (char *p = text; *p; p++) {
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20
            || (unsigned char)*p >= 0x7f) {
            *p = '\'';
        }
    }
    int n = snprintf(refusal_hdrs, sizeof(refusal_hdrs),
                     "Warning: 399 sipwarden \"%s\"\r\n"
                     "Reason: SIP;cause=%d;text=\"%s\"\r\n",
                     text, status, rule);
    if (retry_after_s > 0 && n > 0 && (size_t)n < sizeof(refusal_hdrs)) {
        snprintf(refusal_hdrs + n, sizeof(refusal_hdrs) - (size_t)n,
                 "Retry-After: %u\r\n", retry_after_s);
    }
    ref->status = status;
    ref->reason = reason_phrase(status);
    ref->extra_hdrs = refusal_hdrs;
    if (c) {
        /* The call's end reports it (a trunk skipped by on_hop is no
         * refusal when the next one takes the call). */
        c->refused_rule = rule;
        calls_copy_text(c->cdr.reason, sizeof(c->cdr.reason), sv_cstr(rule));
    } else {
        report_refusal(e, ci, ci->tenant_id, rule, status);
    }
    return false;
}

/* ---- helpers ----------------------------------------------------------- */

struct local_now {
    int64_t utc_s;
    uint16_t minute;
    uint8_t weekday;
};

static void local_now(const struct calls_tenant *t, struct local_now *out)
{
    struct route_local lt;
    out->utc_s = wall_ms() / 1000;
    route_tz_local(t ? t->tz : NULL, out->utc_s, &lt);
    out->minute = (uint16_t)(lt.sec / 60);
    out->weekday = (uint8_t)lt.wday;
}

static bool in_window(const struct calls_cc_limit *l, uint16_t minute)
{
    if (!l->has_window || l->start_min == l->end_min) {
        return true;
    }
    if (l->start_min < l->end_min) {
        return minute >= l->start_min && minute < l->end_min;
    }
    return minute >= l->start_min || minute < l->end_min;
}

/* The extension's concurrency limit: the user's, else a group's, else
 * the tenant's (a limit with a time window beats an all-day one of the
 * same scope while the window is open); 0: none. */
static uint32_t ext_max(const struct calls_tenant *t, int64_t user_id,
                        const int64_t *groups, size_t n_groups, uint16_t minute)
{
    static const enum store_limit_scope order[] = { STORE_LIMIT_USER,
                                                    STORE_LIMIT_GROUP,
                                                    STORE_LIMIT_TENANT };
    for (size_t o = 0; o < 3; o++) {
        uint32_t best = 0;
        bool best_windowed = false;
        for (size_t i = 0; i < t->n_cc; i++) {
            const struct calls_cc_limit *l = &t->cc[i];
            if (l->scope != order[o] || !in_window(l, minute)) {
                continue;
            }
            bool match =
                l->scope == STORE_LIMIT_TENANT
                || (l->scope == STORE_LIMIT_USER && l->target_id == user_id);
            for (size_t g = 0;
                 !match && l->scope == STORE_LIMIT_GROUP && g < n_groups; g++) {
                match = groups[g] == l->target_id;
            }
            if (!match) {
                continue;
            }
            if (best == 0 || (l->has_window && !best_windowed)
                || (l->has_window == best_windowed && l->max < best)) {
                best = l->max;
                best_windowed = l->has_window;
            }
        }
        if (best) {
            return best;
        }
    }
    return 0;
}

static const struct limits_fraud_policy *
fraud_policy(const struct calls_tenant *t, int64_t user_id)
{
    size_t lo = 0, hi = t->n_user_fraud;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->user_fraud[mid].user_id == user_id) {
            return &t->user_fraud[mid].policy;
        }
        if (t->user_fraud[mid].user_id < user_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return &t->fraud;
}

static const char *metric_name(enum limits_fraud_metric m)
{
    return store_fraud_metric_name((enum store_fraud_metric)m);
}

/* The registered gateway of an accept-register trunk. */
struct gw_find {
    bool found;
    struct net_addr addr;
};

static void gw_cb(void *ud, const struct reg_binding_view *b)
{
    struct gw_find *g = ud;
    if (g->found || b->src.transport != NET_PROTO_UDP) {
        return;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t len;
    if (b->src.family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(b->src.port);
        memcpy(&in->sin_addr, b->src.ip, 4);
        len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(b->src.port);
        memcpy(&in6->sin6_addr, b->src.ip, 16);
        len = sizeof(*in6);
    }
    g->found = net_addr_from_sa(&g->addr, (struct sockaddr *)&ss, len) == 0;
}

static bool hop_addr(struct calls_engine *e, const struct calls_trunk *t,
                     struct net_addr *out)
{
    if (t->kind == STORE_TRUNK_ACCEPT_REGISTER) {
        struct gw_find g = { 0 };
        if (e->cfg.gw_loc) {
            reg_loc_lookup(e->cfg.gw_loc, t->id, wall_ms() / 1000, gw_cb, &g);
        }
        *out = g.addr;
        return g.found;
    }
    *out = t->addr;
    return t->has_addr;
}

/* Fill the route's hops from the rule's trunks. */
static void make_hops(struct calls_engine *e, const struct calls_snap *s,
                      const struct route_outbound_rule *rule,
                      const char *number, struct proxy_route *rt)
{
    rt->ext_user_id = 0;
    rt->n_hops = 0;
    for (size_t i = 0; i < rule->n_trunks && rt->n_hops < PROXY_MAX_HOPS; i++) {
        const struct calls_trunk *t = calls_snap_trunk(s, rule->trunks[i]);
        struct proxy_hop *h = &rt->hops[rt->n_hops];
        if (t == NULL || !hop_addr(e, t, &h->addr)) {
            continue;
        }
        char ip[64];
        net_addr_ip_fmt(&h->addr, ip, sizeof(ip));
        bool v6 = strchr(ip, ':') != NULL;
        int n;
        if (t->kind == STORE_TRUNK_ACCEPT_REGISTER || t->host[0] == '\0') {
            n = snprintf(h->ruri, sizeof(h->ruri), "sip:%s@%s%s%s:%u", number,
                         v6 ? "[" : "", ip, v6 ? "]" : "",
                         net_addr_port(&h->addr));
        } else {
            /* RFC 3261 §25.1: an IPv6 reference is bracketed */
            bool h6 = strchr(t->host, ':') != NULL;
            char port[8] = "";
            if (t->port) {
                snprintf(port, sizeof(port), ":%u", t->port);
            }
            n = snprintf(h->ruri, sizeof(h->ruri), "sip:%s@%s%s%s%s", number,
                         h6 ? "[" : "", t->host, h6 ? "]" : "", port);
        }
        if (n > 0 && (size_t)n < sizeof(h->ruri)) {
            h->trunk_id = t->id;
            rt->n_hops++;
        }
    }
}

/* ---- calls from extensions --------------------------------------------- */

struct who {
    enum route_role role;
    int64_t groups[ROUTE_RULE_MAX_GROUPS];
    size_t n_groups;
};

static int find_user(const struct proxy_call_info *ci, const char *domain,
                     struct sv ext, struct calls_user *out)
{
    const struct calls_lookup *lk = ci->policy_arg;
    if (lk == NULL || lk->user == NULL) {
        return -ENOENT;
    }
    return lk->user(lk->ud, sv_cstr(domain), ext, out);
}

static void caller_of(const struct calls_snap *s, const struct calls_tenant *t,
                      const struct proxy_call_info *ci, struct who *w)
{
    struct calls_user u;
    w->role = ROUTE_ROLE_STANDARD;
    w->n_groups = 0;
    if (find_user(ci, t->domain, ci->caller, &u) == 0 && u.tenant_id == t->id) {
        w->role = (enum route_role)u.role;
    }
    size_t n = 0;
    const struct calls_member *m = calls_snap_groups(s, ci->caller_user_id, &n);
    for (size_t i = 0; i < n && w->n_groups < ROUTE_RULE_MAX_GROUPS; i++) {
        w->groups[w->n_groups++] = m[i].group_id;
    }
}

static bool is_ext_never(void *ud, struct sv dialed)
{
    (void)ud;
    (void)dialed;
    return false; /* the proxy already looked it up */
}

static bool start_outbound(struct calls_engine *e, const struct calls_snap *s,
                           struct proxy_call_info *ci, bool is_ext,
                           struct proxy_route *rt, struct proxy_refusal *ref,
                           struct calls_call *c)
{
    const struct calls_tenant *t = calls_snap_tenant(s, ci->tenant_id);
    struct local_now now;
    struct who w;
    struct route_number num;
    const struct route_outbound_rule *rule = NULL;
    char number[ROUTE_OUT_NUMBER_MAX + 1] = "";

    if (t == NULL) {
        return refuse(e, ci, c, ref, 503, 5, RULE_NOT_READY,
                      "tenant not loaded yet");
    }
    local_now(t, &now);
    caller_of(s, t, ci, &w);
    bool emergency = false;
    if (is_ext) {
        snprintf(c->cdr.class_, sizeof(c->cdr.class_), "internal");
    } else {
        if (!t->has_profile) {
            if (t->n_out == 0) {
                return refuse(e, ci, c, ref, 404, 0, "not_found",
                              "no such extension");
            }
            return refuse(e, ci, c, ref, 403, 0, RULE_NO_PROFILE,
                          "tenant has no country profile");
        }
        route_classify(&t->prof, ci->callee, is_ext_never, NULL, &num);
        snprintf(c->cdr.class_, sizeof(c->cdr.class_), "%s",
                 route_class_name(num.cls));
        snprintf(c->cdr.country_code, sizeof(c->cdr.country_code), "%s",
                 num.cc);
        if (num.cls == ROUTE_CLASS_INTERNAL) {
            return refuse(e, ci, c, ref, 404, 0, "not_found",
                          "no such extension");
        }
        emergency = num.cls == ROUTE_CLASS_EMERGENCY;
        c->is_emergency = emergency;
        struct route_refusal why;
        if (!emergency
            && limits_fraud_is_suspended(e->fraud, t->id, ci->caller_user_id)) {
            return refuse(e, ci, c, ref, 403, 0, RULE_SUSPENDED,
                          "outbound calling of this extension is suspended "
                          "(toll-fraud watch)");
        }
        if (route_permit_check(&t->prof, w.role, &num, &why) == ROUTE_REFUSED) {
            return refuse(e, ci, c, ref, 403, 0, why.rule, "%s", why.text);
        }
        struct route_caller rc = { w.role, w.groups, w.n_groups };
        struct route_outbound_result res;
        if (route_outbound(t->out, t->n_out, &rc, ci->callee, &num, &t->hours,
                           now.utc_s, &res, &why)
            != 0) {
            return refuse(e, ci, c, ref, 403, 0, why.rule, "%s", why.text);
        }
        rule = res.rule;
        snprintf(number, sizeof(number), "%s", res.number);
        calls_copy_text(c->cdr.rule, sizeof(c->cdr.rule), sv_cstr(rule->name));
    }

    if (!emergency) {
        struct limits_callrate_req rq = {
            .tenant_id = t->id,
            .user_id = ci->caller_user_id,
            .group_ids = w.groups,
            .n_groups = w.n_groups,
            .minute_of_day = now.minute,
            .weekday = now.weekday,
            .now_ms = mono_ms(),
        };
        struct limits_callrate_result rr;
        if (ci->caller_user_id > 0
            && limits_callrate_take(e->rate, s->rate, &rq, &rr)
                   == LIMITS_CALLRATE_REFUSE) {
            return refuse(e, ci, c, ref, 503, (rr.retry_after_ms + 999) / 1000,
                          RULE_CALL_RATE,
                          "more than %u calls in %u s from this extension",
                          rr.calls, rr.period_s);
        }
        uint32_t max =
            ext_max(t, ci->caller_user_id, w.groups, w.n_groups, now.minute);
        struct limits_cc_req cq = { .tenant_id = t->id,
                                    .user_id = ci->caller_user_id,
                                    .ext_max = max };
        if (ci->caller_user_id > 0) {
            enum limits_cc_res r = limits_cc_acquire(e->cc, &cq, &c->ext_h);
            if (r == LIMITS_CC_EXT) {
                return refuse(e, ci, c, ref, 486, 0, RULE_CONCURRENT,
                              "extension is at its limit of %u calls", max);
            }
            if (r != LIMITS_CC_OK) {
                return refuse(e, ci, c, ref, 503, 5, RULE_CONCURRENT,
                              "no room to count the call");
            }
        }
    }
    if (is_ext) {
        return true; /* rt names the callee already */
    }

    if (!emergency) {
        struct limits_fraud_call fc = {
            .tenant_id = t->id,
            .user_id = ci->caller_user_id,
            .is_international = num.cls == ROUTE_CLASS_INTERNATIONAL,
            .is_outside_hours =
                t->has_hours && !route_hours_open(&t->hours, now.utc_s),
            .dest = sv_cstr(num.e164),
            .now_ms = mono_ms(),
            .wall_s = now.utc_s,
            .policy = fraud_policy(t, ci->caller_user_id),
        };
        struct limits_fraud_result fr;
        limits_fraud_record(e->fraud, &fc, &fr);
        char user[96];
        log_escape(ci->caller, user, sizeof(user));
        for (size_t i = 0; i < fr.n_alerts; i++) {
            const struct limits_fraud_alert *a = &fr.alerts[i];
            bool crit = a->level == LIMITS_FRAUD_CRITICAL;
            if (!crit) {
                count(&e->stats.fraud_warnings);
            }
            sec_ev_log(
                crit ? SEC_EV_FRAUD_SUSPEND : SEC_EV_FRAUD_WARNING,
                "user=%s tenant=%lld scope=%s metric=%s window=%u "
                "count=%u threshold=%u",
                user, (long long)t->id,
                a->scope == LIMITS_FRAUD_SCOPE_EXT ? "extension" : "tenant",
                metric_name(a->metric), a->window_s, a->count, a->threshold);
        }
        if (fr.tenant_suspended_now) {
            /* The tenant as a whole crossed a critical threshold: the
             * extension calling now is suspended (stored, and lifted by an
             * admin like any other), not the whole tenant behind the
             * operator's back. */
            limits_fraud_lift(e->fraud, t->id, 0);
            struct limits_fraud_susp fs = { .tenant_id = t->id,
                                            .user_id = ci->caller_user_id,
                                            .since_wall_s = now.utc_s,
                                            .scope = LIMITS_FRAUD_SCOPE_TENANT,
                                            .metric = LIMITS_FRAUD_ADMIN };
            fr.ext_suspended_now = limits_fraud_suspend(e->fraud, &fs) == 0
                                   || fr.ext_suspended_now;
        }
        if (fr.ext_suspended_now) {
            struct calls_rec r = { .is_susp = true,
                                   .user_id = ci->caller_user_id,
                                   .since = now.utc_s };
            for (size_t i = 0; i < fr.n_alerts; i++) {
                const struct limits_fraud_alert *a = &fr.alerts[i];
                if (a->level == LIMITS_FRAUD_CRITICAL) {
                    snprintf(r.reason, sizeof(r.reason),
                             "fraud watch: %s %u in %u s (critical %u)",
                             metric_name(a->metric), a->count, a->window_s,
                             a->threshold);
                    break;
                }
            }
            count(&e->stats.suspensions);
            calls_rec_push(e, &r);
        }
        if (fr.level == LIMITS_FRAUD_CRITICAL) {
            limits_cc_release(e->cc, &c->ext_h);
            return refuse(e, ci, c, ref, 403, 0, RULE_SUSPENDED,
                          "toll-fraud watch: outbound calling suspended");
        }
    }

    make_hops(e, s, rule, number, rt);
    if (rt->n_hops == 0) {
        limits_cc_release(e->cc, &c->ext_h);
        return refuse(e, ci, c, ref, 503, 30, RULE_NO_TRUNK,
                      "no trunk of rule %s is reachable", rule->name);
    }
    calls_copy_text(c->cdr.callee, sizeof(c->cdr.callee), sv_cstr(number));
    c->is_external = true;
    count(&e->stats.external);
    return true;
}

/* ---- calls from trunks ------------------------------------------------- */

static bool start_inbound(struct calls_engine *e, const struct calls_snap *s,
                          struct proxy_call_info *ci, struct proxy_route *rt,
                          struct proxy_refusal *ref, struct calls_call *c)
{
    const struct calls_trunk *t = calls_snap_trunk(s, ci->trunk_id);
    const struct route_inbound_rule *rule = NULL;
    size_t idx = 0;
    c->is_inbound = true;
    count(&e->stats.inbound);
    snprintf(c->cdr.class_, sizeof(c->cdr.class_), "inbound");
    if (t) {
        calls_copy_text(c->cdr.trunk, sizeof(c->cdr.trunk), sv_cstr(t->name));
    }
    if (t) {
        rule = calls_snap_inbound(s, ci->trunk_id, ci->callee, &idx);
    }
    if (rule == NULL) {
        return refuse(e, ci, c, ref, 404, 0, RULE_NO_INBOUND,
                      "no inbound rule for this number");
    }
    int64_t tenant_id = s->inbound_tenant[idx];
    const struct calls_tenant *ten = calls_snap_tenant(s, tenant_id);
    struct calls_user u;
    if (ten == NULL || find_user(ci, ten->domain, sv_cstr(rule->ext), &u) != 0
        || u.tenant_id != tenant_id) {
        return refuse(e, ci, c, ref, 404, 0, RULE_NO_INBOUND,
                      "the inbound rule's extension does not exist");
    }
    c->tenant_id = tenant_id;
    ci->tenant_id = tenant_id;
    ci->callee_user_id = u.user_id;
    c->cdr.tenant_id = tenant_id;
    calls_copy_text(c->cdr.callee, sizeof(c->cdr.callee), sv_cstr(rule->ext));
    calls_copy_text(c->cdr.rule, sizeof(c->cdr.rule), sv_cstr(rule->did));
    struct limits_cc_req cq = {
        .tenant_id = tenant_id,
        .trunk_id = t->id,
        .trunk_max = t->max_calls,
        .trunk_tenant_max = calls_snap_trunk_tenant_max(s, t->id, tenant_id),
    };
    if (limits_cc_acquire(e->cc, &cq, &c->trunk_h) != LIMITS_CC_OK) {
        return refuse(e, ci, c, ref, 503, 5, RULE_TRUNK_LIMIT,
                      "trunk %s is at its call limit", t->name);
    }
    c->trunk_id = t->id;
    rt->ext_user_id = u.user_id;
    rt->n_hops = 0;
    return true;
}

/*
 * The offer against the media policy of the call's tenant (the caller's,
 * or for an inbound call the callee's): encrypted media required always,
 * over secure transports only, or not at all; also on the transports the
 * operator names ([media] require_encrypted); SDES keys never over a
 * clear transport. Emergency calls are never refused for their media.
 */
static bool media_ok(struct calls_engine *e, const struct calls_snap *s,
                     struct proxy_call_info *ci, struct proxy_refusal *ref,
                     struct calls_call *c)
{
    const struct calls_tenant *t = calls_snap_tenant(s, c->tenant_id);
    uint32_t mp = t ? t->media : STORE_MEDIA_OPTIONAL;
    unsigned tr = (unsigned)ci->caller_dest.transport;
    ci->media_required = mp == STORE_MEDIA_ALWAYS
                         || (mp == STORE_MEDIA_SECURE && ci->offer_secure)
                         || (tr < 32 && (e->cfg.media_transports >> tr) & 1u);
    if (c->is_emergency) {
        ci->media_required = false;
        ci->media_exempt = true;
        return true;
    }
    struct media_policy_in in = {
        .content_type = ci->offer_type,
        .body = ci->offer_body,
        .transport_secure = ci->offer_secure,
        .require_encrypted = ci->media_required,
    };
    const char *why = NULL;
    enum media_verdict v = media_policy_check(&in, &why);
    if (v == MEDIA_OK) {
        return true;
    }
    return refuse(e, ci, c, ref, media_verdict_status(v), 0,
                  media_verdict_rule(v), "%s", why);
}

/* ---- hooks ------------------------------------------------------------- */

static bool on_start(void *ud, struct proxy_call_info *ci, bool is_ext,
                     struct proxy_route *rt, struct proxy_refusal *ref)
{
    struct calls_engine *e = ud;
    count(&e->stats.started);
    struct calls_call *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return refuse(e, ci, NULL, ref, 503, 5, RULE_NOT_READY,
                      "out of memory");
    }
    ci->pol = c;
    c->tenant_id = ci->tenant_id;
    c->user_id = ci->caller_user_id;
    c->cdr.tenant_id = ci->tenant_id;
    c->cdr.start_ms = ci->start_ms;
    calls_copy_text(c->cdr.caller, sizeof(c->cdr.caller), ci->caller);
    calls_copy_text(c->cdr.dialed, sizeof(c->cdr.dialed), ci->callee);
    calls_copy_text(c->cdr.callee, sizeof(c->cdr.callee), ci->callee);

    struct sec_snap *hdr = sec_snap_ref_acquire(&e->ref);
    if (hdr == NULL) {
        return refuse(e, ci, c, ref, 503, 5, RULE_NOT_READY,
                      "call policy not loaded yet");
    }
    const struct calls_snap *s = (const struct calls_snap *)hdr;
    bool ok = ci->trunk_id > 0 ? start_inbound(e, s, ci, rt, ref, c)
                               : start_outbound(e, s, ci, is_ext, rt, ref, c);
    if (ok) {
        ok = media_ok(e, s, ci, ref, c);
    }
    sec_snap_release(hdr);
    return ok;
}

static bool on_hop(void *ud, struct proxy_call_info *ci,
                   const struct proxy_hop *hop, struct proxy_refusal *ref)
{
    struct calls_engine *e = ud;
    struct calls_call *c = ci->pol;
    if (c == NULL) {
        return true;
    }
    limits_cc_release(e->cc, &c->trunk_h);
    struct sec_snap *hdr = sec_snap_ref_acquire(&e->ref);
    if (hdr == NULL) {
        return refuse(e, ci, c, ref, 503, 5, RULE_NOT_READY,
                      "call policy not loaded yet");
    }
    const struct calls_snap *s = (const struct calls_snap *)hdr;
    const struct calls_trunk *t = calls_snap_trunk(s, hop->trunk_id);
    bool ok = true;
    if (t) {
        /* An emergency call is counted on the trunk but never refused. */
        struct limits_cc_req cq = {
            .tenant_id = c->tenant_id,
            .trunk_id = t->id,
            .trunk_max = c->is_emergency ? 0 : t->max_calls,
            .trunk_tenant_max = c->is_emergency ? 0
                                                : calls_snap_trunk_tenant_max(
                                                    s, t->id, c->tenant_id),
        };
        enum limits_cc_res r = limits_cc_acquire(e->cc, &cq, &c->trunk_h);
        if (r != LIMITS_CC_OK) {
            ok = refuse(e, ci, c, ref, 503, 5, RULE_TRUNK_LIMIT,
                        "trunk %s is at its %s limit of %u calls", t->name,
                        r == LIMITS_CC_TRUNK_TENANT ? "tenant" : "global",
                        r == LIMITS_CC_TRUNK_TENANT ? cq.trunk_tenant_max
                                                    : cq.trunk_max);
        } else {
            c->trunk_id = t->id;
            calls_copy_text(c->cdr.trunk, sizeof(c->cdr.trunk),
                            sv_cstr(t->name));
            c->refused_rule = NULL;
            c->cdr.reason[0] = '\0';
        }
    }
    sec_snap_release(hdr);
    return ok;
}

static void on_answer(void *ud, const struct proxy_call_info *ci)
{
    (void)ud;
    struct calls_call *c = ci->pol;
    if (c) {
        c->cdr.answer_ms = ci->answer_ms;
    }
}

static enum store_cdr_result cdr_result(enum proxy_call_result r)
{
    switch (r) {
    case PROXY_CALL_COMPLETED:
    case PROXY_CALL_EXPIRED:
        return STORE_CDR_ANSWERED;
    case PROXY_CALL_REFUSED:
        return STORE_CDR_REFUSED;
    case PROXY_CALL_CANCELLED:
        return STORE_CDR_CANCELLED;
    case PROXY_CALL_FAILED:
    case PROXY_CALL_TIMEOUT:
    case PROXY_CALL_UNAVAILABLE:
        break;
    }
    return STORE_CDR_FAILED;
}

static void on_end(void *ud, const struct proxy_call_info *ci,
                   enum proxy_call_result res, int status)
{
    struct calls_engine *e = ud;
    struct calls_call *c = ci->pol;
    if (c == NULL) {
        return;
    }
    limits_cc_release(e->cc, &c->ext_h);
    limits_cc_release(e->cc, &c->trunk_h);
    if (res == PROXY_CALL_REFUSED && c->refused_rule == NULL
        && ci->refused_rule) {
        /* the proxy refused it after routing (the callee's media) */
        c->refused_rule = ci->refused_rule;
        calls_copy_text(c->cdr.reason, sizeof(c->cdr.reason),
                        sv_cstr(ci->refused_rule));
    }
    if (res == PROXY_CALL_REFUSED && c->refused_rule) {
        report_refusal(e, ci, c->tenant_id, c->refused_rule, status);
    }
    struct calls_rec r = { .is_susp = false };
    r.cdr = c->cdr;
    r.cdr.result = cdr_result(res);
    if (ci->answer_ms && r.cdr.answer_ms == 0) {
        r.cdr.answer_ms = ci->answer_ms;
    }
    if (r.cdr.result == STORE_CDR_ANSWERED && res == PROXY_CALL_COMPLETED) {
        r.cdr.status = 200;
    } else {
        r.cdr.status = status > 0 ? (uint32_t)status : 0;
    }
    if (r.cdr.result != STORE_CDR_REFUSED) {
        r.cdr.reason[0] = '\0';
        if (res == PROXY_CALL_EXPIRED) {
            snprintf(r.cdr.reason, sizeof(r.cdr.reason), "no_bye");
        }
    }
    r.cdr.end_ms = wall_ms();
    calls_rec_push(e, &r);
    free(c);
}

void calls_engine_policy(struct calls_engine *e, struct proxy_policy *out)
{
    memset(out, 0, sizeof(*out));
    out->ud = e;
    out->on_call_start = on_start;
    out->on_hop = on_hop;
    out->on_call_answer = on_answer;
    out->on_call_end = on_end;
}
