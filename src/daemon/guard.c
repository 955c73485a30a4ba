/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shield glue: store -> shield configuration, bans -> store and kernel.
 * Workers make bans; the hooks below only queue a store write (under a
 * mutex, bounded) and send the kernel request (non-blocking), then wake
 * the main loop, which writes the queue in one transaction.
 */
#include "daemon/guard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "daemon/config.h"
#include "fw/fw.h"
#include "ops/ops.h"
#include "ops/security.h"
#include "sec/own.h"
#include "sec/settings.h"
#include "sec/ua.h"
#include "store/store.h"

#define GUARD_QUEUE_MAX 65536u

static const struct log_ctx lc = { "shield", NULL };

/* ---- conversions -------------------------------------------------------- */

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int reason_parse(const char *name)
{
    for (int r = 1; r < SEC_REASON_COUNT; r++) {
        if (strcmp(sec_reason_name((enum sec_reason)r), name) == 0) {
            return r;
        }
    }
    return SEC_REASON_NONE;
}

static void ban_to_store(const struct sec_ban *b, struct store_ban *o)
{
    memset(o, 0, sizeof(*o));
    sec_net_fmt(&b->net, o->net, sizeof(o->net));
    copy_str(o->reason, sizeof(o->reason),
             sec_reason_name((enum sec_reason)b->reason));
    copy_str(o->source, sizeof(o->source), "shield");
    o->threshold = b->threshold;
    o->count = b->count;
    o->window_s = b->window_s;
    o->first_seen = b->first_seen;
    o->last_seen = b->last_seen;
    o->created_at = b->created_at;
    o->expires_at = b->expires_at;
    copy_str(o->method, sizeof(o->method), b->sample.method);
    copy_str(o->ruri, sizeof(o->ruri), b->sample.ruri);
    copy_str(o->from_user, sizeof(o->from_user), b->sample.from_user);
    copy_str(o->user_agent, sizeof(o->user_agent), b->sample.ua);
}

static int ban_from_store(const struct store_ban *o, struct sec_ban *b)
{
    memset(b, 0, sizeof(*b));
    if (sec_net_parse(sv_cstr(o->net), 0, &b->net, NULL, NULL, 0) != 0) {
        return -EINVAL;
    }
    b->reason = reason_parse(o->reason);
    b->threshold = o->threshold;
    b->count = o->count;
    b->window_s = o->window_s;
    b->first_seen = o->first_seen;
    b->last_seen = o->last_seen;
    b->created_at = o->created_at;
    b->expires_at = o->expires_at;
    copy_str(b->sample.method, sizeof(b->sample.method), o->method);
    copy_str(b->sample.ruri, sizeof(b->sample.ruri), o->ruri);
    copy_str(b->sample.from_user, sizeof(b->sample.from_user), o->from_user);
    copy_str(b->sample.ua, sizeof(b->sample.ua), o->user_agent);
    return 0;
}

/* ---- kernel -------------------------------------------------------------- */

static void kernel_add(struct sw_guard *g, const struct sec_ban *b, int64_t now)
{
    if (!atomic_load(&g->kernel_sync) || b->expires_at <= now) {
        return;
    }
    int64_t left = b->expires_at - now;
    int rc = fw_ban_add(g->fw, &b->net,
                        left > FW_TIMEOUT_MAX_S ? 0 : (uint32_t)left);
    if (rc != 0 && rc != -EAGAIN) {
        log_warn_rl(&lc, "kernel ban not sent: %s", strerror(-rc));
    }
}

static void resync_one(void *ud, const struct sec_ban *b)
{
    struct sw_guard *g = ud;
    kernel_add(g, b, (int64_t)time(NULL));
}

/* Make the kernel sets equal the ban table again. */
static void kernel_resync(struct sw_guard *g)
{
    if (!atomic_load(&g->kernel_sync)) {
        return;
    }
    fw_ban_flush(g->fw);
    sec_bantable_foreach(sec_shield_bans(g->sh), resync_one, g);
}

/* ---- hooks (any worker thread) ------------------------------------------ */

static void enqueue(struct sw_guard *g, const struct sec_ban *b, bool is_del)
{
    bool queued = false;
    pthread_mutex_lock(&g->q_lock);
    if (g->q_len == g->q_cap && g->q_cap < GUARD_QUEUE_MAX) {
        size_t cap = g->q_cap ? g->q_cap * 2 : 64;
        struct guard_op *q = realloc(g->q, cap * sizeof(*q));
        if (q) {
            g->q = q;
            g->q_cap = cap;
        }
    }
    if (g->q_len < g->q_cap) {
        g->q[g->q_len].is_del = is_del;
        g->q[g->q_len].ban = *b;
        g->q_len++;
        queued = true;
    }
    pthread_mutex_unlock(&g->q_lock);
    if (!queued) {
        atomic_fetch_add(&g->q_dropped, 1);
        log_warn_rl(&lc, "ban store queue full: a ban is not persisted");
        return;
    }
    if (g->has_handles) {
        uv_async_send(&g->wake);
    }
}

static void on_ban(void *ud, const struct sec_ban *b)
{
    struct sw_guard *g = ud;
    if (b->reason >= 0 && b->reason < SEC_REASON_COUNT) {
        atomic_fetch_add(&g->bans_by_reason[b->reason], 1);
    }
    kernel_add(g, b, b->created_at);
    enqueue(g, b, false);
}

static void on_unban(void *ud, const struct sec_ban *b, const char *cause)
{
    struct sw_guard *g = ud;
    (void)cause;
    if (atomic_load(&g->kernel_sync)) {
        fw_ban_del(g->fw, &b->net);
    }
    enqueue(g, b, true);
}

/* ---- store writes (main thread) ----------------------------------------- */

static void flush_queue(struct sw_guard *g)
{
    struct guard_op *q;
    size_t n;

    pthread_mutex_lock(&g->q_lock);
    q = g->q;
    n = g->q_len;
    g->q = NULL;
    g->q_len = 0;
    g->q_cap = 0;
    pthread_mutex_unlock(&g->q_lock);
    if (n == 0 || !g->st) {
        free(q);
        return;
    }
    bool in_txn = store_begin(g->st) == 0;
    for (size_t i = 0; i < n; i++) {
        struct store_ban sb;
        ban_to_store(&q[i].ban, &sb);
        int rc = q[i].is_del ? store_ban_del(g->st, sb.net)
                             : store_ban_put(g->st, &sb);
        if (rc != 0 && rc != -ENOENT) {
            atomic_fetch_add(&g->store_errors, 1);
            log_warn_rl(&lc, "ban %s not %s: %s", sb.net,
                        q[i].is_del ? "deleted" : "stored",
                        store_errmsg(g->st));
        }
    }
    if (in_txn && store_commit(g->st) != 0) {
        atomic_fetch_add(&g->store_errors, 1);
        log_warn(&lc, "writing bans: %s", store_errmsg(g->st));
    }
    free(q);
}

static void on_wake(uv_async_t *a)
{
    flush_queue(a->data);
}

static void on_tick(uv_timer_t *t)
{
    struct sw_guard *g = t->data;
    sec_shield_expire(g->sh, (int64_t)time(NULL));
    if (g->fw && fw_resync_take(g->fw)) {
        log_warn(&lc, "kernel ban sets out of step: sending them again");
        kernel_resync(g);
    }
    flush_queue(g);
}

static void on_fw_readable(uv_poll_t *p, int status, int events)
{
    struct sw_guard *g = p->data;
    (void)status;
    (void)events;
    if (fw_on_readable(g->fw) == -EPIPE) {
        log_err(&lc, "kernel enforcement lost: %s", fw_status(g->fw));
        atomic_store(&g->kernel_sync, false);
        uv_poll_stop(p);
    }
}

/* ---- configuration ------------------------------------------------------ */

/* What the store holds, gathered for sec_shield_configure(). */
struct gather {
    struct sec_settings set;
    struct sec_acl_entry *acl;
    size_t n_acl;
    size_t cap_acl;
    char **ua;
    size_t n_ua;
    size_t cap_ua;
    char (*cc)[3];
    size_t n_cc;
    size_t cap_cc;
    struct sec_shield_rate *rates;
    size_t n_rates;
    size_t cap_rates;
};

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return 0;
    }
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * elem);
    if (!p) {
        return -ENOMEM;
    }
    *arr = p;
    *cap = nc;
    return 0;
}

static int on_ip_rule(void *ud, const struct store_ip_rule *r)
{
    struct gather *ga = ud;
    struct sec_net net;
    enum sec_acl_action action;
    char err[SEC_NET_ERR_CAP];
    if (sec_net_parse(sv_cstr(r->net), 0, &net, NULL, err, sizeof(err)) != 0
        || sec_acl_action_parse(sv_cstr(r->action), &action) != 0) {
        log_warn(&lc, "stored IP rule %s ignored: %s", r->net, err);
        return 0;
    }
    if (grow((void **)&ga->acl, &ga->cap_acl, ga->n_acl, sizeof(*ga->acl))) {
        return -ENOMEM;
    }
    if (sec_acl_entry_set(&ga->acl[ga->n_acl], &net, action, r->id,
                          sv_cstr(r->descr))
        == 0) {
        ga->n_acl++;
    }
    return 0;
}

static int on_ua_rule(void *ud, const struct store_ua_rule *r)
{
    struct gather *ga = ud;
    char err[128];
    if (sec_ua_pattern_check(sv_cstr(r->pattern), err, sizeof(err)) != 0) {
        log_warn(&lc, "stored User-Agent pattern ignored: %s", err);
        return 0;
    }
    if (grow((void **)&ga->ua, &ga->cap_ua, ga->n_ua, sizeof(*ga->ua))) {
        return -ENOMEM;
    }
    ga->ua[ga->n_ua] = strdup(r->pattern);
    if (!ga->ua[ga->n_ua]) {
        return -ENOMEM;
    }
    ga->n_ua++;
    return 0;
}

static int on_geo_rule(void *ud, const char *country, int64_t created_at)
{
    struct gather *ga = ud;
    (void)created_at;
    if (grow((void **)&ga->cc, &ga->cap_cc, ga->n_cc, sizeof(*ga->cc))) {
        return -ENOMEM;
    }
    copy_str(ga->cc[ga->n_cc], sizeof(ga->cc[ga->n_cc]), country);
    ga->n_cc++;
    return 0;
}

static int on_rate_rule(void *ud, const struct store_rate_rule *r)
{
    struct gather *ga = ud;
    struct sec_shield_rate rr;
    memset(&rr, 0, sizeof(rr));
    if (sec_net_parse(sv_cstr(r->net), 0, &rr.net, NULL, NULL, 0) != 0) {
        log_warn(&lc, "stored rate rule for %s ignored", r->net);
        return 0;
    }
    copy_str(rr.method, sizeof(rr.method), r->method);
    rr.rate = r->rate;
    rr.period_s = r->period_s;
    rr.burst = r->burst;
    if (grow((void **)&ga->rates, &ga->cap_rates, ga->n_rates,
             sizeof(*ga->rates))) {
        return -ENOMEM;
    }
    ga->rates[ga->n_rates++] = rr;
    return 0;
}

static void gather_fini(struct gather *ga)
{
    free(ga->acl);
    for (size_t i = 0; i < ga->n_ua; i++) {
        free(ga->ua[i]);
    }
    free(ga->ua);
    free(ga->cc);
    free(ga->rates);
}

static int seed_ua(struct store *st)
{
    size_t n = 0;
    const char *const *pats = sec_ua_defaults(&n);
    return store_ua_seed(st, pats, n, (int64_t)time(NULL), NULL);
}

int sw_guard_reload(struct sw_guard *g)
{
    struct gather ga;
    struct sv *ua = NULL;
    int rc;

    memset(&ga, 0, sizeof(ga));
    rc = seed_ua(g->st);
    if (rc == 0) {
        char err[SEC_SETTINGS_ERR_CAP];
        rc = ops_security_settings_load(g->st, &ga.set, err, sizeof(err));
        if (rc == -EINVAL) {
            /* A refused row keeps its default; the rest applies. */
            log_warn(&lc, "stored setting ignored: %s", err);
            rc = 0;
        }
    }
    if (rc == 0) {
        rc = store_ip_rule_list(g->st, NULL, on_ip_rule, &ga);
    }
    if (rc == 0) {
        rc = store_ua_rule_list(g->st, on_ua_rule, &ga);
    }
    if (rc == 0) {
        rc = store_geo_rule_list(g->st, on_geo_rule, &ga);
    }
    if (rc == 0) {
        rc = store_rate_rule_list(g->st, on_rate_rule, &ga);
    }
    if (rc == 0 && ga.n_ua) {
        ua = calloc(ga.n_ua, sizeof(*ua));
        rc = ua ? 0 : -ENOMEM;
        for (size_t i = 0; ua && i < ga.n_ua; i++) {
            ua[i] = sv_cstr(ga.ua[i]);
        }
    }
    if (rc != 0) {
        log_err(&lc, "reading the shield's configuration: %s",
                rc == -ENOMEM ? "out of memory" : store_errmsg(g->st));
        free(ua);
        gather_fini(&ga);
        return rc;
    }
    const struct sec_shield_input in = {
        .set = &ga.set,
        .acl = ga.acl,
        .n_acl = ga.n_acl,
        .ua = ua,
        .n_ua = ga.n_ua,
        .countries = (const char(*)[3])ga.cc,
        .n_countries = ga.n_cc,
        .rates = ga.rates,
        .n_rates = ga.n_rates,
    };
    char err[512];
    char warn[600];
    rc = sec_shield_configure(g->sh, &in, clock_mono_ms(NULL), err, sizeof(err),
                              warn, sizeof(warn));
    if (rc != 0) {
        log_err(&lc, "configuration refused, the previous one stays: %s", err);
    } else {
        if (warn[0]) {
            log_warn(&lc, "%s", warn);
        }
        bool want = ga.set.kernel_sync && fw_is_active(g->fw);
        bool had = atomic_exchange(&g->kernel_sync, want);
        if (want && !had) {
            kernel_resync(g);
        } else if (!want && had) {
            fw_ban_flush(g->fw);
        }
        log_info(&lc,
                 "configured: %zu IP rules, %zu User-Agent patterns, %zu "
                 "countries, %zu rate rules, kernel %s",
                 ga.n_acl, ga.n_ua, ga.n_cc, ga.n_rates,
                 want ? "sync on" : fw_status(g->fw));
    }
    free(ua);
    gather_fini(&ga);
    return rc;
}

/* ---- lifecycle ---------------------------------------------------------- */

int sw_guard_init(struct sw_guard *g, const struct sw_config *cfg)
{
    struct sec_own own = { 0 };
    int rc;

    memset(g, 0, sizeof(*g));
    if (pthread_mutex_init(&g->q_lock, NULL) != 0) {
        return -ENOMEM;
    }
    rc = sec_own_load(&own);
    if (rc != 0) {
        log_warn(&lc, "own addresses unknown (%s): none protected from bans",
                 strerror(-rc));
    }
    const struct sec_shield_hooks hooks = { on_ban, on_unban, g };
    rc = sec_shield_new(own.nets, own.n, &hooks, &g->sh);
    sec_own_fini(&own);
    if (rc != 0) {
        log_err(&lc, "shield: %s", strerror(-rc));
        return rc;
    }
    struct fw_cfg fc = { .mode = cfg->fw_mode };
    copy_str(fc.table, sizeof(fc.table), cfg->fw_table);
    rc = fw_start(&fc, &g->fw);
    if (rc != 0) {
        log_err(&lc, "kernel enforcement ([firewall] nftables = on): %s",
                strerror(-rc));
        return rc;
    }
    log_info(&lc, "kernel enforcement: %s", fw_status(g->fw));
    rc = fw_drop_privileges();
    if (rc != 0) {
        log_err(&lc, "dropping firewall privileges: %s", strerror(-rc));
        return rc;
    }
    return 0;
}

struct restore_ctx {
    struct sw_guard *g;
    long n;
};

static int on_stored_ban(void *ud, const struct store_ban *sb)
{
    struct restore_ctx *rc = ud;
    struct sec_ban b;
    if (ban_from_store(sb, &b) != 0) {
        log_warn(&lc, "stored ban %s ignored: bad network", sb->net);
        return 0;
    }
    if (sec_shield_restore(rc->g->sh, &b) >= 0) {
        rc->n++;
    }
    return 0;
}

int sw_guard_open(struct sw_guard *g, uv_loop_t *loop, struct store *st)
{
    g->st = st;
    g->loop = loop;
    int rc = sw_guard_reload(g);
    if (rc != 0) {
        return rc;
    }
    int64_t now = (int64_t)time(NULL);
    store_ban_purge_expired(st, now, NULL);
    struct restore_ctx rctx = { g, 0 };
    rc = store_ban_list(st, now, on_stored_ban, &rctx);
    if (rc != 0) {
        log_err(&lc, "loading bans: %s", store_errmsg(st));
        return rc;
    }
    log_info(&lc, "restored %ld bans", rctx.n);
    kernel_resync(g);

    uv_async_init(loop, &g->wake, on_wake);
    g->wake.data = g;
    uv_timer_init(loop, &g->tick);
    g->tick.data = g;
    uv_timer_start(&g->tick, on_tick, 1000, 1000);
    g->has_handles = true;
    int fd = fw_poll_fd(g->fw);
    if (fd >= 0 && uv_poll_init(loop, &g->fw_poll, fd) == 0) {
        g->fw_poll.data = g;
        uv_poll_start(&g->fw_poll, UV_READABLE, on_fw_readable);
        g->has_fw_poll = true;
    }
    return 0;
}

int sw_guard_lift(struct sw_guard *g, const char *net_text)
{
    struct sec_net net;
    if (sec_net_parse(sv_cstr(net_text), 0, &net, NULL, NULL, 0) != 0) {
        return -EINVAL;
    }
    return sec_shield_lift(g->sh, &net);
}

struct list_ctx {
    json_t *arr;
    int64_t now;
    int err;
};

static void list_one(void *ud, const struct sec_ban *b)
{
    struct list_ctx *lx = ud;
    if (b->expires_at <= lx->now || lx->err) {
        return;
    }
    struct store_ban sb;
    ban_to_store(b, &sb);
    json_t *j = ops_ban_json(&sb, lx->now);
    if (!j || json_array_append_new(lx->arr, j) != 0) {
        lx->err = -ENOMEM;
    }
}

int sw_guard_ban_list_json(struct sw_guard *g, json_t **out)
{
    struct list_ctx lx = { json_array(), (int64_t)time(NULL), 0 };
    if (!lx.arr) {
        return -ENOMEM;
    }
    sec_bantable_foreach(sec_shield_bans(g->sh), list_one, &lx);
    if (lx.err) {
        json_decref(lx.arr);
        return lx.err;
    }
    *out = lx.arr;
    return 0;
}

void sw_guard_stats_json(struct sw_guard *g, json_t *obj)
{
    const struct sec_shield_stats *s = sec_shield_stats(g->sh);
    struct sec_srctable_stats ts;
    struct fw_stats fs;
    char geo[600];

    json_object_set_new(obj, "packets", json_integer((json_int_t)s->packets));
    for (int d = 1; d < SEC_DROP_COUNT; d++) {
        char key[32];
        snprintf(key, sizeof(key), "drop_%s", sec_drop_name((enum sec_drop)d));
        json_object_set_new(obj, key, json_integer((json_int_t)s->drops[d]));
    }
    json_object_set_new(
        obj, "bans_active",
        json_integer((json_int_t)sec_bantable_count(sec_shield_bans(g->sh))));
    json_object_set_new(obj, "bans_total",
                        json_integer((json_int_t)s->bans_total));
    json_object_set_new(obj, "bans_refused_own",
                        json_integer((json_int_t)s->bans_own));
    json_object_set_new(obj, "bans_refused_full",
                        json_integer((json_int_t)s->bans_full));
    json_object_set_new(obj, "users_blocked",
                        json_integer((json_int_t)s->user_blocked));
    json_object_set_new(obj, "ban_store_errors",
                        json_integer((json_int_t)g->store_errors));
    json_object_set_new(obj, "ban_queue_dropped",
                        json_integer((json_int_t)g->q_dropped));
    sec_shield_table_stats(g->sh, &ts);
    json_object_set_new(obj, "srctable_entries",
                        json_integer((json_int_t)ts.n_entries));
    json_object_set_new(obj, "srctable_cap", json_integer((json_int_t)ts.cap));
    json_object_set_new(obj, "srctable_mem_bytes",
                        json_integer((json_int_t)ts.mem_bytes));
    json_object_set_new(obj, "srctable_evictions",
                        json_integer((json_int_t)ts.evictions));
    fw_stats_get(g->fw, &fs);
    json_object_set_new(
        obj, "kernel",
        json_string(atomic_load(&g->kernel_sync)
                        ? fw_status(g->fw)
                        : (fw_is_active(g->fw) ? "off (kernel_sync off)"
                                               : fw_status(g->fw))));
    json_object_set_new(obj, "kernel_sent", json_integer((json_int_t)fs.sent));
    json_object_set_new(obj, "kernel_dropped",
                        json_integer((json_int_t)fs.dropped));
    json_object_set_new(obj, "kernel_errors",
                        json_integer((json_int_t)fs.helper_errors));
    sec_shield_geo_status(g->sh, geo, sizeof(geo));
    json_object_set_new(obj, "geoip", json_string(geo));
}

void sw_guard_close(struct sw_guard *g)
{
    if (!g->has_handles) {
        return;
    }
    g->has_handles = false;
    uv_close((uv_handle_t *)&g->wake, NULL);
    uv_close((uv_handle_t *)&g->tick, NULL);
    if (g->has_fw_poll) {
        uv_close((uv_handle_t *)&g->fw_poll, NULL);
        g->has_fw_poll = false;
    }
}

void sw_guard_fini(struct sw_guard *g)
{
    flush_queue(g);
    sec_shield_free(g->sh);
    g->sh = NULL;
    /* Bans stay in the store; the kernel table goes with the helper and
     * is rebuilt from the store at the next start. */
    fw_stop(g->fw);
    g->fw = NULL;
    free(g->q);
    g->q = NULL;
    pthread_mutex_destroy(&g->q_lock);
}
