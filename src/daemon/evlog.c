/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Security event log writer on the main loop: records and hourly counts
 * from the sink go to the store in one transaction per drain, each record
 * with the country of its source when a GeoIP database is configured (the
 * shield's geoip_db, opened here a second time: the shield keeps its own
 * handle private to its snapshot), and the retention settings are applied
 * once a minute.
 */
#include "daemon/evlog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert/svc.h"
#include "base/clock.h"
#include "base/log.h"
#include "geo/geo.h"
#include "net/addr.h"
#include "ops/security.h"
#include "sec/settings.h"
#include "store/events.h"
#include "store/store.h"

#define DRAIN_INTERVAL_MS 1000
#define PURGE_EVERY_TICKS 60 /* once a minute */

static const struct log_ctx lc = { "events", NULL };

/* ---- settings ------------------------------------------------------------ */

static void geo_set(struct sw_evlog *l, const char *path)
{
    if (strcmp(path, l->geo_path) == 0 && (l->geo || path[0] == '\0')) {
        return;
    }
    geo_db_release(l->geo);
    l->geo = NULL;
    snprintf(l->geo_path, sizeof(l->geo_path), "%s", path);
    if (path[0] == '\0') {
        return;
    }
    char err[GEO_ERR_CAP];
    if (geo_db_open(path, &l->geo, err, sizeof(err)) != 0) {
        /* The shield says why GeoIP is off; events go without country. */
        log_debug(&lc, "no countries for events: %s", err);
        l->geo = NULL;
    }
}

void sw_evlog_reload(struct sw_evlog *l)
{
    struct sec_settings set;
    char err[SEC_SETTINGS_ERR_CAP + STORE_ERRMSG_CAP];
    if (ops_security_settings_load(l->st, &set, err, sizeof(err)) == -EIO) {
        log_warn(&lc, "reading the event log settings: %s", err);
        return;
    }
    l->max_rows = set.event_log_max_rows;
    l->max_days = set.event_log_max_days;
    geo_set(l, set.geoip_db);
}

/* ---- drain ----------------------------------------------------------------
 */

/* Merge one count taken from the sink into the pending list. */
static void hour_add(void *ud, int64_t hour, enum sec_ev ev, uint64_t n)
{
    struct sw_evlog *l = ud;
    if ((int)ev >= 0 && ev < SEC_EV_COUNT) {
        l->n_kind[ev] += n;
    }
    for (size_t i = 0; i < l->n_hours; i++) {
        if (l->hours[i].hour == hour && l->hours[i].ev == ev) {
            l->hours[i].n += n;
            return;
        }
    }
    if (l->n_hours < sizeof(l->hours) / sizeof(l->hours[0])) {
        l->hours[l->n_hours++] = (struct sw_evlog_hour){ hour, ev, n };
    }
}

/* Text the store accepts: controls and blanks (address) become '?'. */
static void clean(char *s, bool no_blank)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (no_blank && c == ' ')) {
            *s = '?';
        }
    }
}

static void to_store(struct sw_evlog *l, struct sec_evlog_entry *e,
                     struct store_event *o)
{
    memset(o, 0, sizeof(*o));
    o->at = e->at;
    snprintf(o->kind, sizeof(o->kind), "%s", sec_ev_name(e->ev));
    clean(e->addr, true);
    snprintf(o->address, sizeof(o->address), "%s", e->addr);
    clean(e->detail, false);
    snprintf(o->detail, sizeof(o->detail), "%s", e->detail);
    struct net_addr a;
    char cc[3];
    if (l->geo && o->address[0] && net_addr_parse(o->address, 1, &a) == 0
        && geo_db_country(l->geo, &a, cc) == 0) {
        memcpy(o->country, cc, sizeof(cc));
    }
}

long sw_evlog_drain(struct sw_evlog *l)
{
    if (!l->is_open || !l->st) {
        return 0;
    }
    sec_evlog_hours_take(hour_add, l);
    size_t n = sec_evlog_take(l->batch, l->batch_cap);
    /* Alerts see every record taken, whether or not the write succeeds,
     * and the sign-ins audited since the last drain. */
    for (size_t i = 0; l->alerts && i < n; i++) {
        alert_svc_event(l->alerts, &l->batch[i]);
    }
    alert_svc_poll(l->alerts);
    if (n == 0 && l->n_hours == 0) {
        return 0;
    }
    int rc = store_begin(l->st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct store_event e;
        to_store(l, &l->batch[i], &e);
        rc = store_event_add(l->st, &e, NULL);
        if (rc == -EINVAL) {
            /* Cannot happen after clean(); skip rather than lose all. */
            log_warn_rl(&lc, "event not recorded: %s", store_errmsg(l->st));
            rc = 0;
        }
    }
    for (size_t i = 0; rc == 0 && i < l->n_hours; i++) {
        rc = store_event_hour_add(l->st, l->hours[i].hour,
                                  sec_ev_name(l->hours[i].ev), l->hours[i].n);
    }
    rc = rc == 0 ? store_commit(l->st) : rc;
    if (rc != 0) {
        store_rollback(l->st);
        l->n_errors++;
        l->n_lost += n;
        log_warn_rl(&lc, "writing %zu security events failed: %s", n,
                    store_errmsg(l->st));
        return rc;
    }
    l->n_hours = 0;
    l->n_written += n;
    return (long)n;
}

void sw_evlog_purge(struct sw_evlog *l, int64_t now_s)
{
    uint32_t n = 0;
    if (!l->st) {
        return;
    }
    if (store_event_purge(l->st, now_s, l->max_days, l->max_rows, &n) != 0) {
        l->n_errors++;
        log_warn(&lc, "purging old security events: %s", store_errmsg(l->st));
        return;
    }
    l->n_purged += n;
    if (n > 0) {
        log_debug(&lc, "purged %u security events", n);
    }
}

static void on_timer(uv_timer_t *t)
{
    struct sw_evlog *l = t->data;
    /* A burst larger than one batch is written over the next ticks. */
    sw_evlog_drain(l);
    if (++l->ticks % PURGE_EVERY_TICKS == 0) {
        sw_evlog_purge(l, clock_wall_s(NULL));
    }
}

/* ---- lifecycle ------------------------------------------------------------
 */

int sw_evlog_open(struct sw_evlog *l, uv_loop_t *loop, struct store *st)
{
    memset(l, 0, sizeof(*l));
    l->st = st;
    l->batch_cap = SEC_EVLOG_DEFAULT_CAP;
    l->batch = calloc(l->batch_cap, sizeof(*l->batch));
    if (!l->batch) {
        return -ENOMEM;
    }
    int rc = sec_evlog_open(SEC_EVLOG_DEFAULT_CAP);
    if (rc != 0) {
        log_err(&lc, "security event log: %s", strerror(-rc));
        free(l->batch);
        l->batch = NULL;
        return rc;
    }
    l->is_open = true;
    sec_evlog_set_rate(SEC_EVLOG_DEFAULT_RATE);
    sw_evlog_reload(l);
    sw_evlog_purge(l, clock_wall_s(NULL));
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, on_timer, DRAIN_INTERVAL_MS, DRAIN_INTERVAL_MS);
    l->has_timer = true;
    return 0;
}

void sw_evlog_stats_json(const struct sw_evlog *l, json_t *obj)
{
    struct sec_evlog_stats s;
    sec_evlog_stats_get(&s);
    json_object_set_new(
        obj, "event_log",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "queued",
                  (json_int_t)s.queued, "queue_full", (json_int_t)s.full,
                  "over_rate", (json_int_t)s.over_rate, "written",
                  (json_int_t)l->n_written, "lost", (json_int_t)l->n_lost,
                  "purged", (json_int_t)l->n_purged, "errors",
                  (json_int_t)l->n_errors, "geoip", l->geo != NULL));
}

void sw_evlog_close(struct sw_evlog *l)
{
    if (l->has_timer) {
        l->has_timer = false;
        uv_close((uv_handle_t *)&l->timer, NULL);
    }
}

void sw_evlog_fini(struct sw_evlog *l)
{
    if (l->is_open) {
        sw_evlog_drain(l);
        sec_evlog_close();
        l->is_open = false;
    }
    geo_db_release(l->geo);
    l->geo = NULL;
    l->geo_path[0] = '\0';
    free(l->batch);
    l->batch = NULL;
}
