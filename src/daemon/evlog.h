/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's side of the security event log: opens the sink of
 * sec/evlog.h before any thread can raise an event, and on the main loop
 * drains it once a second into the store (the queued records with their
 * source's country, and the hourly counts) in one transaction per batch,
 * then purges what is past the retention settings once a minute. Workers
 * and the HTTP thread only queue (sec_ev_log); all store work is here, on
 * the main thread.
 */
#ifndef SW_DAEMON_EVLOG_H
#define SW_DAEMON_EVLOG_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "sec/evlog.h"

struct alert_svc;
struct geo_db;
struct store;

/* One hourly count waiting to be written. */
struct sw_evlog_hour {
    int64_t hour; /* unix s, start of the hour */
    enum sec_ev ev;
    uint64_t n;
};

struct sw_evlog {
    struct store *st; /* main thread's handle (borrowed) */
    uv_timer_t timer; /* drain each second, purge each minute */
    bool has_timer;
    bool is_open; /* the sink is open: sw_evlog_fini() closes it */
    unsigned ticks;
    uint32_t max_rows;             /* settings: event_log_max_rows */
    uint32_t max_days;             /* settings: event_log_max_days */
    struct geo_db *geo;            /* countries of sources, or NULL */
    char geo_path[PATH_MAX];       /* the database 'geo' was opened from */
    struct sec_evlog_entry *batch; /* records taken, written together */
    size_t batch_cap;
    /* counts taken but not yet written (a failed write keeps them) */
    struct sw_evlog_hour hours[SEC_EVLOG_HOURS * SEC_EV_COUNT];
    size_t n_hours;
    uint64_t n_written; /* events written */
    uint64_t n_lost;    /* events taken but not written (store errors) */
    uint64_t n_purged;  /* events removed by retention */
    uint64_t n_errors;  /* failed writes and purges */
    uint64_t n_kind[SEC_EV_COUNT]; /* events raised per kind, as drained */
    struct alert_svc *alerts;      /* each drained record, sign-ins; NULL off */
};

/*
 * Open the sink (SEC_EVLOG_DEFAULT_CAP records, SEC_EVLOG_DEFAULT_RATE per
 * type per second), read the retention and GeoIP settings from 'st' (the
 * main thread's handle, kept), purge once and start the timer on 'loop'.
 * Main thread, before the workers and the HTTP thread start. Returns 0 or
 * a negative errno (logged).
 */
int sw_evlog_open(struct sw_evlog *l, uv_loop_t *loop, struct store *st);

/* Read the settings again (after a security.* change, on SIGHUP). */
void sw_evlog_reload(struct sw_evlog *l);

/*
 * Write every queued record and the hourly counts now, in one
 * transaction. Also what a listing runs first, so it sees every event
 * raised before it. Returns the records written (>= 0) or a negative
 * errno (logged; the counts are kept for the next try, the records
 * lost). With l->alerts set, each record taken goes to the alert rules
 * first (written or not) and the sign-ins audited since the last drain
 * are read (daemon/alertctl.h). Main thread.
 */
long sw_evlog_drain(struct sw_evlog *l);

/* Apply the retention settings now. Main thread. */
void sw_evlog_purge(struct sw_evlog *l, int64_t now_s);

/* Counters into 'obj' ("event_log": {...}) for `sipwarden stats`. */
void sw_evlog_stats_json(const struct sw_evlog *l, json_t *obj);

/* Stop the timer (stop path, main loop still running). */
void sw_evlog_close(struct sw_evlog *l);

/*
 * After every producer stopped (workers, HTTP thread): a last drain, the
 * sink closed, the GeoIP database released. Idempotent.
 */
void sw_evlog_fini(struct sw_evlog *l);

#endif
