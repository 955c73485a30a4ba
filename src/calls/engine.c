/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call policy engine's life: the limit tables (call rate, concurrent
 * calls, fraud watch) that outlive snapshots, the record queue, reloads
 * that publish a new snapshot and bring suspensions in line with the
 * store, and the trunk look-ups the daemon needs before a call exists
 * (which trunk a source is, an accept-register gateway's credentials, the
 * register trunks to keep registered).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "calls/calls_int.h"
#include "reg/location.h"

static const struct log_ctx lc = { "calls", NULL };

#define DEFAULT_QUEUE 65536u

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int calls_engine_new(const struct calls_cfg *cfg, struct calls_engine **out)
{
    struct calls_engine *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return -ENOMEM;
    }
    if (cfg) {
        e->cfg = *cfg;
    }
    if (e->cfg.tz_dir) {
        snprintf(e->tz_dir, sizeof(e->tz_dir), "%s", e->cfg.tz_dir);
    }
    e->cfg.tz_dir = NULL;
    e->q_cap = e->cfg.cdr_queue_max ? e->cfg.cdr_queue_max : DEFAULT_QUEUE;
    limits_fraud_settings_default(&e->fraud_settings);
    int rc = sec_snap_ref_init(&e->ref);
    if (rc != 0) {
        free(e);
        return rc;
    }
    pthread_mutex_init(&e->q_mu, NULL);
    e->q = calloc(e->q_cap, sizeof(*e->q));
    if (e->q == NULL) {
        rc = -ENOMEM;
    }
    if (rc == 0) {
        rc = limits_callrate_new(LIMITS_CALLRATE_DEFAULT_CAP, &e->rate);
    }
    if (rc == 0) {
        rc = limits_cc_new(LIMITS_CC_DEFAULT_CAP, &e->cc);
    }
    if (rc == 0) {
        rc = limits_fraud_new(&e->fraud_settings, mono_ms(), &e->fraud);
    }
    if (rc != 0) {
        calls_engine_free(e);
        return rc;
    }
    *out = e;
    return 0;
}

void calls_engine_free(struct calls_engine *e)
{
    if (e == NULL) {
        return;
    }
    sec_snap_ref_fini(&e->ref);
    limits_callrate_free(e->rate);
    limits_cc_free(e->cc);
    limits_fraud_free(e->fraud);
    pthread_mutex_destroy(&e->q_mu);
    free(e->q);
    free(e->sq);
    free(e);
}

/* Suspensions: the store is the truth (an admin lifts there); the watch
 * adds the ones it makes, which the queue writes before any reload. */
static void sync_suspensions(struct calls_engine *e, const struct calls_snap *s)
{
    for (size_t i = 0; i < s->n_susp; i++) {
        const struct store_suspension *ss = &s->susp[i];
        struct limits_fraud_susp fs = { .tenant_id = ss->tenant_id,
                                        .user_id = ss->user_id,
                                        .since_wall_s = ss->since,
                                        .metric = LIMITS_FRAUD_ADMIN };
        int rc = limits_fraud_suspend(e->fraud, &fs);
        if (rc != 0 && rc != -EEXIST) {
            log_warn(&lc, "suspension of user %lld not restored: %s",
                     (long long)ss->user_id, strerror(-rc));
        }
    }
    size_t n = limits_fraud_list(e->fraud, NULL, 0);
    if (n == 0) {
        return;
    }
    struct limits_fraud_susp *live = calloc(n, sizeof(*live));
    if (live == NULL) {
        return;
    }
    n = limits_fraud_list(e->fraud, live, n);
    for (size_t i = 0; i < n; i++) {
        if (live[i].user_id == 0) {
            continue; /* a whole tenant: kept until a restart */
        }
        bool stored = false;
        for (size_t j = 0; j < s->n_susp && !stored; j++) {
            stored = s->susp[j].user_id == live[i].user_id;
        }
        if (!stored) {
            limits_fraud_lift(e->fraud, live[i].tenant_id, live[i].user_id);
            log_info(&lc, "suspension of user %lld lifted",
                     (long long)live[i].user_id);
        }
    }
    free(live);
}

int calls_engine_reload(struct calls_engine *e, struct store *st)
{
    calls_engine_drain(e, st);
    struct calls_snap *s = NULL;
    int rc = calls_snap_load(e, st, &s);
    if (rc != 0) {
        log_err(&lc, "call configuration not reloaded: %s", strerror(-rc));
        return rc;
    }
    sync_suspensions(e, s);
    log_info(&lc,
             "call policy: %zu tenants, %zu trunks, %zu inbound rules, %zu "
             "suspended",
             s->n_tenants, s->n_trunks, s->n_inbound, s->n_susp);
    sec_snap_ref_publish(&e->ref, &s->hdr);
    return 0;
}

/* ---- trunk look-ups ---------------------------------------------------- */

struct gw_src {
    const struct net_addr *src;
    bool found;
};

static void gw_match(void *ud, const struct reg_binding_view *b)
{
    struct gw_src *g = ud;
    uint8_t ip[16];
    net_addr_ip16(g->src, ip);
    if (b->src.family == AF_INET) {
        /* ip16 gives IPv4 as mapped IPv6 */
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff };
        g->found = g->found
                   || (memcmp(ip, mapped, 12) == 0
                       && memcmp(ip + 12, b->src.ip, 4) == 0);
    } else {
        g->found = g->found || memcmp(ip, b->src.ip, 16) == 0;
    }
}

int64_t calls_engine_trunk_of(struct calls_engine *e,
                              const struct net_addr *src)
{
    return calls_engine_trunk_of_tls(e, src, NULL);
}

int64_t calls_engine_trunk_of_tls(struct calls_engine *e,
                                  const struct net_addr *src,
                                  const uint8_t *cert_fp)
{
    struct sec_snap *hdr = sec_snap_ref_acquire(&e->ref);
    if (hdr == NULL) {
        return 0;
    }
    const struct calls_snap *s = (const struct calls_snap *)hdr;
    int64_t id = 0;
    /* A verified client certificate names its trunk, whatever the
     * address it comes from. */
    for (size_t i = 0; cert_fp && i < s->n_trunks && id == 0; i++) {
        const struct calls_trunk *t = &s->trunks[i];
        if (t->has_cert_fp
            && memcmp(t->cert_fp, cert_fp, sizeof(t->cert_fp)) == 0) {
            id = t->id;
        }
    }
    for (size_t i = 0; i < s->n_trunks && id == 0; i++) {
        const struct calls_trunk *t = &s->trunks[i];
        if (t->has_cert_fp) {
            continue; /* its certificate or nothing */
        }
        switch (t->kind) {
        case STORE_TRUNK_IP:
            for (size_t k = 0; k < t->n_nets; k++) {
                if (sec_net_covers(&t->nets[k], src)) {
                    id = t->id;
                    break;
                }
            }
            if (id == 0 && t->n_nets == 0 && t->has_addr
                && net_addr_eq_ip(&t->addr, src)) {
                id = t->id; /* no networks: its host is the provider */
            }
            break;
        case STORE_TRUNK_REGISTER:
            if (t->has_addr && net_addr_eq_ip(&t->addr, src)) {
                id = t->id;
            }
            break;
        case STORE_TRUNK_ACCEPT_REGISTER:
            if (e->cfg.gw_loc) {
                struct gw_src g = { src, false };
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                reg_loc_lookup(e->cfg.gw_loc, t->id, ts.tv_sec, gw_match, &g);
                if (g.found) {
                    id = t->id;
                }
            }
            break;
        }
    }
    sec_snap_release(hdr);
    return id;
}

int calls_engine_gateway_creds(struct calls_engine *e, struct sv realm,
                               struct sv user, int64_t *trunk_id,
                               char ha1_md5[65], char ha1_sha256[65])
{
    struct sec_snap *hdr = sec_snap_ref_acquire(&e->ref);
    if (hdr == NULL) {
        return -ENOENT;
    }
    const struct calls_snap *s = (const struct calls_snap *)hdr;
    int rc = -ENOENT;
    for (size_t i = 0; i < s->n_trunks; i++) {
        const struct calls_trunk *t = &s->trunks[i];
        if (t->kind != STORE_TRUNK_ACCEPT_REGISTER || t->ha1_md5[0] == '\0'
            || !sv_eq_cstr(user, t->username)
            || !sv_eq_cstr_nocase(realm, t->realm)) {
            continue;
        }
        *trunk_id = t->id;
        if (ha1_md5 && ha1_sha256) {
            memcpy(ha1_md5, t->ha1_md5, CALLS_HA1_HEX);
            memcpy(ha1_sha256, t->ha1_sha256, CALLS_HA1_HEX);
        }
        rc = 0;
        break;
    }
    sec_snap_release(hdr);
    return rc;
}

size_t calls_engine_reg_trunks(struct calls_engine *e,
                               struct calls_reg_trunk *out, size_t cap)
{
    struct sec_snap *hdr = sec_snap_ref_acquire(&e->ref);
    if (hdr == NULL) {
        return 0;
    }
    const struct calls_snap *s = (const struct calls_snap *)hdr;
    size_t n = 0;
    for (size_t i = 0; i < s->n_trunks; i++) {
        const struct calls_trunk *t = &s->trunks[i];
        if (t->kind != STORE_TRUNK_REGISTER || !t->has_addr) {
            continue;
        }
        if (n < cap) {
            struct calls_reg_trunk *o = &out[n];
            memset(o, 0, sizeof(*o));
            o->id = t->id;
            snprintf(o->name, sizeof(o->name), "%s", t->name);
            o->server = t->addr;
            snprintf(o->host, sizeof(o->host), "%s", t->host);
            o->port = t->port;
            snprintf(o->user, sizeof(o->user), "%s", t->username);
            snprintf(o->realm, sizeof(o->realm), "%s", t->realm);
            o->expires_s = t->expires_s;
        }
        n++;
    }
    sec_snap_release(hdr);
    return n;
}

const struct calls_stats *calls_engine_stats(const struct calls_engine *e)
{
    return &e->stats;
}
