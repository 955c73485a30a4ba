/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security event log's tables (migration v5): one row per recorded
 * event (time, kind, source address, its country, the event's fields) and
 * the per-hour counts of every event by kind, including those never
 * recorded one by one. The store keeps and queries what it is given;
 * which events are recorded, what counts as an attack and the retention
 * settings belong to the callers (src/sec, src/daemon).
 */
#ifndef SW_STORE_EVENTS_H
#define SW_STORE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_EVENT_KIND_MAX    31  /* "challenge_failure" */
#define STORE_EVENT_ADDR_MAX    63  /* "2001:db8::1", "" when none */
#define STORE_EVENT_DETAIL_MAX  511 /* key=value fields, longer is cut */
#define STORE_EVENT_PAGE_MAX    1000
#define STORE_EVENT_KINDS_MAX   32 /* kinds in one filter */
#define STORE_EVENT_COUNTRY_CAP 3  /* "FR" + NUL, "" when unknown */

struct store_event {
    int64_t id;                              /* output only */
    int64_t at;                              /* unix s */
    char kind[STORE_EVENT_KIND_MAX + 1];     /* [a-z0-9_], 1..31 */
    char address[STORE_EVENT_ADDR_MAX + 1];  /* no blanks or controls */
    char country[STORE_EVENT_COUNTRY_CAP];   /* ISO 3166 alpha-2 or "" */
    char detail[STORE_EVENT_DETAIL_MAX + 1]; /* no control characters */
};

/*
 * Append an event. Fields must be terminated within their arrays; kind
 * 1..31 of [a-z0-9_]; address without blanks or control characters;
 * country "" or two upper-case letters; detail without control
 * characters. Returns 0 (id in *id if not NULL), -EINVAL or -EIO. Cheap
 * inside a batch (store_begin .. store_commit).
 */
int store_event_add(struct store *st, const struct store_event *e, int64_t *id);

/* Filter and page of store_event_list; zero / NULL members do not filter. */
struct store_event_filter {
    const char *kind;    /* exact */
    const char *address; /* exact */
    int64_t since;       /* at >= since */
    int64_t until;       /* at < until (0: no bound) */
    uint32_t limit;      /* rows, 0: no limit (export), else 1..1000 */
    uint32_t offset;     /* rows skipped */
};

typedef int store_event_fn(void *ud, const struct store_event *e);

/*
 * Events matching 'f' (NULL: all), newest first (by id, which follows the
 * order they were written in). *total (if not NULL) gets the number
 * matching before paging. 'e' is valid during the call; a non-zero return
 * from 'cb' stops the walk and is returned; 'cb' must not use the store
 * on the same handle. Returns 0, -EINVAL (limit over 1000) or -EIO.
 */
int store_event_list(struct store *st, const struct store_event_filter *f,
                     store_event_fn *cb, void *ud, uint64_t *total);

/*
 * Add 'n' to the count of 'kind' (as store_event_add checks it) in the
 * hour starting at 'hour' (unix s, a multiple of 3600), creating the row.
 * Returns 0, -EINVAL or -EIO.
 */
int store_event_hour_add(struct store *st, int64_t hour, const char *kind,
                         uint64_t n);

typedef int store_event_hour_fn(void *ud, int64_t hour, const char *kind,
                                uint64_t n);

/*
 * The hourly counts with from_hour <= hour < to_hour, ordered by hour then
 * kind; 'cb' as in store_event_list. Returns 0 or -EIO.
 */
int store_event_hours(struct store *st, int64_t from_hour, int64_t to_hour,
                      store_event_hour_fn *cb, void *ud);

/* What store_event_top groups events by. */
enum store_event_group {
    STORE_EVENT_BY_ADDRESS = 0, /* rows: address, its country, count */
    STORE_EVENT_BY_COUNTRY = 1, /* rows: "" , country, count */
};

typedef int store_event_top_fn(void *ud, const char *address,
                               const char *country, uint64_t n);

/*
 * The 'limit' (1..1000) addresses or countries with the most events at or
 * after 'since' whose kind is one of kinds[0..n_kinds) (n_kinds 0: every
 * kind; at most STORE_EVENT_KINDS_MAX), most first (ties: address or
 * country order). Events without an address (by address) or without a
 * country (by country) are left out. 'cb' as in store_event_list.
 * Returns 0, -EINVAL or -EIO.
 */
int store_event_top(struct store *st, enum store_event_group by, int64_t since,
                    const char *const *kinds, size_t n_kinds, uint32_t limit,
                    store_event_top_fn *cb, void *ud);

/*
 * Retention: delete events and hourly counts older than 'max_days' days
 * before 'now' (0: no age limit), then the oldest events beyond the newest
 * 'max_rows' (0: no row limit). One transaction. *n_removed (if not NULL)
 * gets the events deleted. Returns 0 or -EIO.
 */
int store_event_purge(struct store *st, int64_t now, uint32_t max_days,
                      uint32_t max_rows, uint32_t *n_removed);

#endif
