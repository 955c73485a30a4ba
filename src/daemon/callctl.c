/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Calls in the daemon: the policy engine's reloads and record writing on
 * the main loop, the accept-register gateways' registrar, and the
 * register-trunk client on worker 0 (its configuration, passwords
 * included, is read on the main thread and handed over by a queued call).
 */
#include "daemon/callctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "daemon/core.h"
#include "daemon/pipeline.h"
#include "loop/worker.h"
#include "store/store.h"
#include "trunk/regclient.h"

static const struct log_ctx lc = { "calls", NULL };

#define MAX_REG_TRUNKS TRUNK_REG_MAX

static void wake_main(void *ud)
{
    struct sw_calls *c = ud;
    uv_async_send(&c->wake);
}

/*
 * Records wait this long before the main loop writes them, so that under
 * load one transaction carries a few hundred of them instead of one each
 * (a wake comes only when the queue was empty). Listings of CDRs and
 * suspensions drain first (control.c), so nobody sees the delay.
 */
#define CDR_DRAIN_DELAY_MS 200

static void on_drain_timer(uv_timer_t *t)
{
    struct sw_calls *c = t->data;
    calls_engine_drain(c->engine, c->st);
}

static void on_wake(uv_async_t *a)
{
    struct sw_calls *c = a->data;
    if (!uv_is_active((uv_handle_t *)&c->drain_timer)) {
        uv_timer_start(&c->drain_timer, on_drain_timer, CDR_DRAIN_DELAY_MS, 0);
    }
}

/* ---- register trunks on worker 0 --------------------------------------- */

static void wipe_free(struct trunk_reg_params *p, size_t n)
{
    if (p) {
        explicit_bzero(p, n * sizeof(*p));
        free(p);
    }
}

static int make_set(struct sw_worker *w)
{
    struct proxy_core *pc = &w->core->proxy;
    struct trunk_reg_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.contact_ip, sizeof(cfg.contact_ip), "%s", pc->self_ip);
    cfg.contact_port = net_addr_port(&pc->self);
    snprintf(cfg.sent_by, sizeof(cfg.sent_by), "%s",
             pc->side[NET_PROTO_UDP].sent_by);
    cfg.worker_index = w->lw->index;
    cfg.conn_id = w->proxy.conn_id;
    cfg.backoff_min_ms = w->core->cfg->trunk_backoff_min_ms;
    cfg.backoff_max_ms = w->core->cfg->trunk_backoff_max_ms;
    return trunk_reg_set_new(&w->txn, &cfg, &w->trunks);
}

static void sync_on_worker(struct loop_worker *lw, void *ud)
{
    struct sw_core *core = ud;
    struct sw_worker *w = &core->workers[lw->index];
    struct sw_calls *c = &core->calls;
    if (!w->has_proxy || !w->is_ready) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    struct trunk_reg_params *p = c->pending;
    size_t n = c->n_pending;
    bool has = c->has_pending;
    c->pending = NULL;
    c->n_pending = 0;
    c->has_pending = false;
    pthread_mutex_unlock(&c->mu);
    if (!has) {
        return;
    }
    if (w->trunks == NULL && n > 0 && make_set(w) != 0) {
        log_err(&lc, "register trunks: client not started");
    }
    if (w->trunks) {
        uv_update_time(&lw->loop);
        int rc = trunk_reg_set_sync(w->trunks, p, n, uv_now(&lw->loop));
        if (rc != 0) {
            log_err(&lc, "register trunks not applied: %s", strerror(-rc));
        }
        sw_pipeline_run_timers(w);
        sw_calls_worker_publish(w);
    }
    wipe_free(p, n);
}

/* Read the register trunks (with their passwords) and hand them over. */
static void post_trunks(struct sw_core *core)
{
    struct sw_calls *c = &core->calls;
    struct calls_reg_trunk *rt = calloc(MAX_REG_TRUNKS, sizeof(*rt));
    if (rt == NULL) {
        return;
    }
    size_t n = calls_engine_reg_trunks(c->engine, rt, MAX_REG_TRUNKS);
    if (n > MAX_REG_TRUNKS) {
        log_warn(&lc, "only %u register trunks are kept registered",
                 MAX_REG_TRUNKS);
        n = MAX_REG_TRUNKS;
    }
    struct trunk_reg_params *p = n ? calloc(n, sizeof(*p)) : NULL;
    if (n && p == NULL) {
        free(rt);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        struct trunk_reg_params *o = &p[k];
        o->id = rt[i].id;
        snprintf(o->name, sizeof(o->name), "%s", rt[i].name);
        o->server = rt[i].server;
        snprintf(o->host, sizeof(o->host), "%s", rt[i].host);
        o->port = rt[i].port;
        snprintf(o->user, sizeof(o->user), "%s", rt[i].user);
        snprintf(o->realm, sizeof(o->realm), "%s", rt[i].realm);
        o->expires_s = rt[i].expires_s;
        if (store_trunk_password(c->st, rt[i].id, o->password,
                                 sizeof(o->password))
                != 0
            || o->user[0] == '\0') {
            log_warn(&lc, "trunk %s: no username or password, not registered",
                     rt[i].name);
            explicit_bzero(o, sizeof(*o));
            continue;
        }
        k++;
    }
    free(rt);
    pthread_mutex_lock(&c->mu);
    wipe_free(c->pending, c->n_pending);
    c->pending = p;
    c->n_pending = k;
    c->has_pending = true;
    pthread_mutex_unlock(&c->mu);
    if (core->workers && core->n_workers > 0 && core->workers[0].lw) {
        loop_pool_call(core->workers[0].lw, sync_on_worker, core);
    }
}

void sw_calls_worker_start(struct sw_worker *w)
{
    if (w->lw->index == 0) {
        sync_on_worker(w->lw, w->core);
    }
}

void sw_calls_worker_publish(struct sw_worker *w)
{
    struct sw_calls *c = &w->core->calls;
    if (w->trunks == NULL) {
        return;
    }
    size_t n = trunk_reg_set_status(w->trunks, NULL, 0);
    struct trunk_reg_status *st = n ? calloc(n, sizeof(*st)) : NULL;
    if (n && st == NULL) {
        return;
    }
    n = trunk_reg_set_status(w->trunks, st, n);
    pthread_mutex_lock(&c->mu);
    free(c->status);
    c->status = st;
    c->n_status = n;
    pthread_mutex_unlock(&c->mu);
}

uint64_t sw_calls_worker_deadline(const struct sw_worker *w)
{
    return w->trunks ? trunk_reg_set_next_deadline_ms(w->trunks) : UINT64_MAX;
}

void sw_calls_worker_run(struct sw_worker *w, uint64_t now_ms)
{
    if (w->trunks) {
        trunk_reg_set_run(w->trunks, now_ms);
        sw_calls_worker_publish(w);
    }
}

void sw_calls_worker_fini(struct sw_worker *w)
{
    if (w->trunks) {
        trunk_reg_set_detach(w->trunks, uv_now(&w->lw->loop));
        trunk_reg_set_free(w->trunks);
        w->trunks = NULL;
    }
}

/* ---- main thread ------------------------------------------------------- */

int sw_calls_open(struct sw_core *core, uv_loop_t *loop, struct store *st,
                  const uint8_t nonce_key[32], uint32_t nonce_lifetime_s)
{
    struct sw_calls *c = &core->calls;
    c->st = st;
    pthread_mutex_init(&c->mu, NULL);
    int rc = reg_loc_init(&c->gw_loc);
    if (rc != 0) {
        return rc;
    }
    c->is_init = true;
    rc = reg_registrar_init(&c->gw_reg, &c->gw_loc, NULL, nonce_key,
                            nonce_lifetime_s);
    if (rc == 0) {
        rc = reg_registrar_set_algorithms(&c->gw_reg, core->cfg->digest_algs,
                                          core->cfg->n_digest_algs);
    }
    if (rc != 0) {
        return rc;
    }
    uv_async_init(loop, &c->wake, on_wake);
    c->wake.data = c;
    uv_timer_init(loop, &c->drain_timer);
    c->drain_timer.data = c;
    c->has_wake = true;
    struct calls_cfg cfg = { .gw_loc = &c->gw_loc,
                             .wake = wake_main,
                             .wake_ud = c,
                             .media_transports = core->cfg->media_transports };
    rc = calls_engine_new(&cfg, &c->engine);
    if (rc != 0) {
        return rc;
    }
    rc = calls_engine_reload(c->engine, st);
    if (rc != 0) {
        return rc;
    }
    post_trunks(core);
    return 0;
}

void sw_calls_reload(struct sw_core *core)
{
    struct sw_calls *c = &core->calls;
    if (c->engine && calls_engine_reload(c->engine, c->st) == 0) {
        post_trunks(core);
    }
}

static void drop_dirty(struct reg_loc *loc)
{
    size_t n = 0;
    free(reg_loc_dirty_take(loc, &n));
}

void sw_calls_tick(struct sw_core *core, int64_t now_s)
{
    struct sw_calls *c = &core->calls;
    if (c->engine) {
        calls_engine_drain(c->engine, c->st);
    }
    if (c->is_init) {
        reg_loc_purge(&c->gw_loc, now_s);
        drop_dirty(&c->gw_loc); /* gateways are not persisted */
    }
}

void sw_calls_stats_json(struct sw_core *core, json_t *obj)
{
    struct sw_calls *c = &core->calls;
    if (c->engine == NULL) {
        return;
    }
    const struct calls_stats *s = calls_engine_stats(c->engine);
#define LD(x) (json_int_t) atomic_load_explicit(&s->x, memory_order_relaxed)
    json_object_set_new(
        obj, "calls",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "started",
                  LD(started), "refused", LD(refused), "external", LD(external),
                  "inbound", LD(inbound), "cdrs", LD(cdrs), "cdr_lost",
                  LD(cdr_lost), "fraud_warnings", LD(fraud_warnings),
                  "suspensions", LD(suspensions), "dialogs",
                  (json_int_t)proxy_dlg_count(&core->proxy.dialogs), "gateways",
                  (json_int_t)reg_loc_count(&c->gw_loc, clock_wall_s(NULL))));
#undef LD
    json_t *arr = json_array();
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; arr && i < c->n_status; i++) {
        const struct trunk_reg_status *t = &c->status[i];
        json_array_append_new(
            arr,
            json_pack("{s:s,s:s,s:i,s:I,s:I,s:i,s:s}", "name", t->name, "state",
                      trunk_reg_state_name(t->state), "last_status",
                      t->last_status, "failures", (json_int_t)t->failures,
                      "expires_at_ms", (json_int_t)t->expires_at_ms,
                      "granted_s", (int)t->granted_s, "reason", t->reason));
    }
    pthread_mutex_unlock(&c->mu);
    json_object_set_new(obj, "register_trunks", arr);
}

void sw_calls_close(struct sw_core *core)
{
    struct sw_calls *c = &core->calls;
    if (c->engine) {
        calls_engine_drain(c->engine, c->st);
    }
    if (c->has_wake) {
        c->has_wake = false;
        uv_close((uv_handle_t *)&c->wake, NULL);
        uv_close((uv_handle_t *)&c->drain_timer, NULL);
    }
}

void sw_calls_fini(struct sw_core *core)
{
    struct sw_calls *c = &core->calls;
    if (c->engine) {
        calls_engine_drain(c->engine, c->st);
        calls_engine_free(c->engine);
        c->engine = NULL;
    }
    if (c->is_init) {
        reg_registrar_fini(&c->gw_reg);
        reg_loc_fini(&c->gw_loc);
        c->is_init = false;
        wipe_free(c->pending, c->n_pending);
        c->pending = NULL;
        free(c->status);
        c->status = NULL;
        pthread_mutex_destroy(&c->mu);
    }
}
