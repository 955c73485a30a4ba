/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What /metrics shows, gathered on the main thread: the workers' own
 * counters and histograms summed, the shield's drops and bans per rule,
 * the registrar's and the calls' counters, and security events per kind.
 */
#include "daemon/metrics.h"

#include <stdio.h>

#include "base/clock.h"
#include "daemon/core.h"
#include "sec/event.h"
#include "sip/msg.h"

const char *sw_lat_class_name(enum sw_lat_class c)
{
    switch (c) {
    case SW_LAT_REGISTER:
        return "register";
    case SW_LAT_INVITE:
        return "invite";
    case SW_LAT_OTHER:
    case SW_LAT_COUNT:
        break;
    }
    return "other";
}

enum sw_lat_class sw_lat_class_of(int sip_method)
{
    if (sip_method == SIP_METHOD_REGISTER) {
        return SW_LAT_REGISTER;
    }
    if (sip_method == SIP_METHOD_INVITE) {
        return SW_LAT_INVITE;
    }
    return SW_LAT_OTHER;
}

void sw_wmetrics_reg_result(struct sw_wmetrics *m, int status)
{
    enum sw_reg_result r = status == 200   ? SW_REG_200
                           : status == 401 ? SW_REG_401
                           : status == 403 ? SW_REG_403
                                           : SW_REG_OTHER;
    atomic_fetch_add_explicit(&m->reg_results[r], 1, memory_order_relaxed);
}

static json_int_t ld(const _Atomic uint64_t *v)
{
    return (json_int_t)atomic_load_explicit(v, memory_order_relaxed);
}

static int set_int(json_t *o, const char *key, json_int_t v)
{
    return json_object_set_new(o, key, json_integer(v));
}

/* {"buckets":[...], "sum_ns":N} of one histogram. */
static json_t *hist_json(const struct hist_snap *s)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < HIST_BUCKETS; i++) {
        if (json_array_append_new(arr, json_integer((json_int_t)s->n[i]))
            != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr ? json_pack("{s:o,s:I}", "buckets", arr, "sum_ns",
                           (json_int_t)s->sum_ns)
               : NULL;
}

struct ban_count {
    json_int_t n[SEC_REASON_COUNT];
};

static void count_ban(void *ud, const struct sec_ban *b)
{
    struct ban_count *bc = ud;
    if (b->reason >= 0 && b->reason < SEC_REASON_COUNT) {
        bc->n[b->reason]++;
    }
}

json_t *sw_metrics_json(struct sw_core *core)
{
    sw_evlog_drain(&core->evlog); /* queued events are counted first */
    json_t *pk = json_object();
    json_t *rr = json_object();
    json_t *lat = json_object();
    json_t *drops = json_object();
    json_t *bans_a = json_object();
    json_t *bans_t = json_object();
    json_t *ev = json_object();
    int rc = pk && rr && lat && drops && bans_a && bans_t && ev ? 0 : -1;

    /* The workers' own figures, summed. */
    uint64_t packets[NET_PROTO_COUNT] = { 0 };
    uint64_t reg[SW_REG_RESULT_COUNT] = { 0 };
    uint64_t parsed = 0;
    uint64_t answered_400 = 0;
    struct hist_snap hs[SW_LAT_COUNT] = { 0 };
    for (unsigned i = 0; core->workers && i < core->n_workers; i++) {
        const struct sw_wmetrics *m = &core->workers[i].metrics;
        for (int p = 0; p < NET_PROTO_COUNT; p++) {
            packets[p] += (uint64_t)ld(&m->packets[p]);
        }
        for (int r = 0; r < SW_REG_RESULT_COUNT; r++) {
            reg[r] += (uint64_t)ld(&m->reg_results[r]);
        }
        parsed += (uint64_t)ld(&m->parsed);
        answered_400 += (uint64_t)ld(&m->answered_400);
        for (int c = 0; c < SW_LAT_COUNT; c++) {
            hist_snap_add(&hs[c], &m->lat[c]);
        }
    }
    for (int p = 0; rc == 0 && p < NET_PROTO_COUNT; p++) {
        rc = set_int(pk, net_proto_name((enum net_proto)p),
                     (json_int_t)packets[p]);
    }
    static const char *const reg_names[SW_REG_RESULT_COUNT] = { "200", "401",
                                                                "403",
                                                                "other" };
    for (int r = 0; rc == 0 && r < SW_REG_RESULT_COUNT; r++) {
        rc = set_int(rr, reg_names[r], (json_int_t)reg[r]);
    }
    for (int c = 0; rc == 0 && c < SW_LAT_COUNT; c++) {
        json_t *h = hist_json(&hs[c]);
        rc = h ? json_object_set_new(lat, sw_lat_class_name(c), h) : -1;
    }

    /* The shield: drops per reason, bans active and made per rule. */
    const struct sec_shield_stats *ss =
        core->guard.sh ? sec_shield_stats(core->guard.sh) : NULL;
    for (int d = 1; rc == 0 && d < SEC_DROP_COUNT; d++) {
        rc = set_int(drops, sec_drop_name((enum sec_drop)d),
                     ss ? ld(&ss->drops[d]) : 0);
    }
    struct ban_count bc = { { 0 } };
    if (core->guard.sh) {
        sec_bantable_foreach(sec_shield_bans(core->guard.sh), count_ban, &bc);
    }
    for (int r = 1; rc == 0 && r < SEC_REASON_COUNT; r++) {
        const char *name = sec_reason_name((enum sec_reason)r);
        rc = set_int(bans_a, name, bc.n[r]);
        if (rc == 0) {
            rc = set_int(bans_t, name, ld(&core->guard.bans_by_reason[r]));
        }
    }
    for (int k = 0; rc == 0 && k < SEC_EV_COUNT; k++) {
        rc = set_int(ev, sec_ev_name((enum sec_ev)k),
                     (json_int_t)core->evlog.n_kind[k]);
    }

    /* Registrar and calls. */
    const struct calls_stats *cs =
        core->calls.engine ? calls_engine_stats(core->calls.engine) : NULL;
    json_t *calls = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "active",
        (json_int_t)proxy_dlg_count(&core->proxy.dialogs), "started",
        cs ? ld(&cs->started) : 0, "answered", cs ? ld(&cs->answered) : 0,
        "refused", cs ? ld(&cs->refused) : 0, "external",
        cs ? ld(&cs->external) : 0, "inbound", cs ? ld(&cs->inbound) : 0,
        "fraud_warnings", cs ? ld(&cs->fraud_warnings) : 0, "suspensions",
        cs ? ld(&cs->suspensions) : 0);
    rc = rc == 0 && calls ? 0 : -1;
    json_t *by_rule = rc == 0 ? json_object() : NULL;
    rc = rc == 0 && by_rule ? 0 : -1;
    for (size_t r = 0; rc == 0 && r <= CALLS_REFUSAL_RULES; r++) {
        rc = set_int(by_rule, calls_refusal_rule_name(r),
                     cs ? ld(&cs->refused_by_rule[r]) : 0);
    }
    if (rc == 0) {
        rc = json_object_set_new(calls, "refused_by_rule", by_rule);
        by_rule = NULL;
    }
    json_decref(by_rule);
    if (rc == 0) {
        json_t *msgs = json_pack(
            "{s:I,s:I,s:I,s:I,s:I}", "parsed", (json_int_t)parsed, "bad",
            ld(&core->stats.bad_messages), "answered_400",
            (json_int_t)answered_400, "requests", ld(&core->stats.requests),
            "keepalives", ld(&core->stats.keepalives));
        json_t *auth =
            json_pack("{s:I,s:I,s:I,s:I}", "ok", ld(&core->reg.stats.auth_ok),
                      "failed", ld(&core->reg.stats.auth_failed), "challenges",
                      ld(&core->reg.stats.challenges), "blocked",
                      ld(&core->reg.stats.blocked));
        json_t *res = json_pack(
            "{s:b,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o}", "ok",
            1, "packets", pk, "messages", msgs, "drops", drops,
            "shield_packets", ss ? ld(&ss->packets) : 0, "shield_drops",
            ld(&core->stats.shield_drops), "bans_active", bans_a, "bans_total",
            bans_t, "register_results", rr, "registrations",
            (json_int_t)reg_loc_count(&core->loc, clock_wall_s(NULL)), "auth",
            auth, "calls", calls, "security_events", ev, "sip_latency", lat);
        return res; /* json_pack's "o" took the objects, also on failure */
    }
    json_decref(calls);
    json_decref(pk);
    json_decref(rr);
    json_decref(lat);
    json_decref(drops);
    json_decref(bans_a);
    json_decref(bans_t);
    json_decref(ev);
    return NULL;
}
