/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The structured sink behind sec_ev_log(): per-type counters in hourly
 * buckets (every event, including those the log-line limit suppresses)
 * and a bounded lock-free queue of event records (type, time, source
 * address, fields) for the database, fed at most 'rate' records per type
 * per second. Producers are any threads and never block or allocate: a
 * full queue drops the record and counts it. One consumer (the daemon's
 * main thread) takes records and hourly counts and writes them; that, and
 * what the counts mean to a dashboard, is the caller's business. The sink
 * is one per process, like the line limiter of event.c.
 */
#ifndef SW_SEC_EVLOG_H
#define SW_SEC_EVLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sec/event.h"

#define SEC_EVLOG_ADDR_CAP     64    /* source address text, NUL included */
#define SEC_EVLOG_DETAIL_CAP   512   /* fields text, NUL included */
#define SEC_EVLOG_DEFAULT_CAP  1024  /* queue entries */
#define SEC_EVLOG_MAX_CAP      65536 /* queue entries at most */
#define SEC_EVLOG_DEFAULT_RATE 20    /* records per type per second */
#define SEC_EVLOG_HOURS        4     /* hourly buckets kept in memory */

/* One queued event. */
struct sec_evlog_entry {
    enum sec_ev ev;
    int64_t at;                        /* unix s */
    char addr[SEC_EVLOG_ADDR_CAP];     /* the src= value, "" when none */
    char detail[SEC_EVLOG_DETAIL_CAP]; /* the fields without src= */
};

struct sec_evlog_stats {
    uint64_t queued;    /* records accepted into the queue */
    uint64_t full;      /* records dropped: queue full */
    uint64_t over_rate; /* records not queued: over the rate (counted) */
};

/*
 * Open the queue with 'cap' entries (a power of two, 16..SEC_EVLOG_MAX_CAP)
 * and reset its statistics. Before any producer may queue (the daemon: on
 * the main thread, before the workers start). Returns 0, -EINVAL (bad cap),
 * -EALREADY (open) or -ENOMEM.
 */
int sec_evlog_open(uint32_t cap);

/*
 * Free the queue (records still in it are lost: take them first). Only
 * once no producer can run (after the workers and the HTTP thread
 * stopped). A closed sink still counts hours. No-op when not open.
 */
void sec_evlog_close(void);

/* Records per type per second that may be queued (0 means 1). Any
 * thread. */
void sec_evlog_set_rate(uint32_t per_s);

/*
 * Count one event of type 'ev' at 'now_s' (unix s) in its hourly bucket.
 * Lock-free; any thread. Out-of-range 'ev' or negative 'now_s' is
 * ignored.
 */
void sec_evlog_count(enum sec_ev ev, int64_t now_s);

/*
 * May an event of type 'ev' be queued at 'now_s'? True while the queue is
 * open and the type is under its rate this second (the call uses one of
 * that second's places); false otherwise, counted as over_rate when only
 * the rate said no. Lock-free; any thread.
 */
bool sec_evlog_admit(enum sec_ev ev, int64_t now_s);

/*
 * Queue event 'ev' at 'at_s' with its formatted fields: a leading
 * "src=ADDRESS" (value up to the first blank) becomes the record's address
 * and is cut from the detail; text beyond the caps is truncated. Does not
 * check the rate (sec_evlog_admit does). Returns 0, -ENOSPC (queue full:
 * dropped and counted), -ENODEV (not open) or -EINVAL (bad 'ev', NULL
 * fields). Lock-free, never blocks; any thread.
 */
int sec_evlog_push(enum sec_ev ev, int64_t at_s, const char *fields);

/*
 * Move up to 'max' queued records, oldest first, into 'out'. Returns how
 * many. The single consumer only (one thread at a time); 0 when closed.
 */
size_t sec_evlog_take(struct sec_evlog_entry *out, size_t max);

/* Records in the queue now (approximate while producers run). */
size_t sec_evlog_pending(void);

typedef void sec_evlog_hour_fn(void *ud, int64_t hour_s, enum sec_ev ev,
                               uint64_t n);

/*
 * Take the hourly counts gathered since the last call: 'fn' is called once
 * per (hour, type) with a count, hour_s being the start of the hour (unix
 * s), and those counts restart from zero. A bucket reused for a new hour
 * before its counts were taken (the consumer silent for SEC_EVLOG_HOURS - 1
 * hours) lends them to the new hour. The single consumer only.
 */
void sec_evlog_hours_take(sec_evlog_hour_fn *fn, void *ud);

/* The queue's statistics since it was opened. Any thread. */
void sec_evlog_stats_get(struct sec_evlog_stats *out);

#endif
