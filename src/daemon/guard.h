/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's side of the shield: builds it from the store and reloads
 * it after every change an operator makes, restores bans at start, writes
 * new and ended bans to the store (write-behind, woken at once), mirrors
 * them into nftables through the privileged helper, and ends bans on
 * time. Workers only call the shield itself (src/sec/shield.h); all of
 * this runs on the main thread.
 */
#ifndef SW_DAEMON_GUARD_H
#define SW_DAEMON_GUARD_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <uv.h>

#include "sec/shield.h"

struct fw;
struct store;
struct sw_config;

/* A ban to write to the store, or to delete from it. */
struct guard_op {
    bool is_del;
    struct sec_ban ban;
};

struct sw_guard {
    struct sec_shield *sh;
    struct fw *fw;
    atomic_bool kernel_sync; /* settings: kernel_sync and fw active */
    struct store *st;        /* main thread's handle (borrowed) */
    uv_loop_t *loop;
    uv_async_t wake; /* workers queued store writes */
    uv_timer_t tick; /* expiry of bans, once a second */
    uv_poll_t fw_poll;
    bool has_handles;
    bool has_fw_poll;
    pthread_mutex_t q_lock;
    struct guard_op *q; /* pending store writes */
    size_t q_len;
    size_t q_cap;
    _Atomic uint64_t q_dropped;
    _Atomic uint64_t store_errors;
    /* bans made (new or lengthened) per rule, enum sec_reason (metrics) */
    _Atomic uint64_t bans_by_reason[SEC_REASON_COUNT];
};

/*
 * First step of start, before any thread exists: the server's own
 * addresses, the shield, and kernel enforcement as [firewall] says (the
 * helper is forked here, then the daemon drops its firewall privileges).
 * Returns 0 or a negative errno (logged).
 */
int sw_guard_init(struct sw_guard *g, const struct sw_config *cfg);

/*
 * Configure the shield from 'st' (main thread's handle, kept), put back
 * the bans kept across a restart (and into the kernel), and start the
 * main-loop handles. Before the workers start. Returns 0 or -errno.
 */
int sw_guard_open(struct sw_guard *g, uv_loop_t *loop, struct store *st);

/*
 * Re-read the shield's configuration from the store and publish it.
 * Returns 0, or -errno with the reason logged (the previous configuration
 * stays in force).
 */
int sw_guard_reload(struct sw_guard *g);

/* An operator lifted the ban on 'net_text'. Returns 0 or -ENOENT. */
int sw_guard_lift(struct sw_guard *g, const char *net_text);

/*
 * The active bans as a JSON array of ops_ban_json objects, from memory
 * (the ops ban_list hook: the store may lag a few milliseconds behind).
 * Returns 0 or -ENOMEM.
 */
int sw_guard_ban_list_json(struct sw_guard *g, json_t **out);

/* Counters and states for `sipwarden stats` into 'obj'. */
void sw_guard_stats_json(struct sw_guard *g, json_t *obj);

/* Close the main-loop handles (stop path, main loop still running). */
void sw_guard_close(struct sw_guard *g);

/* After the workers stopped: last store writes, shield freed, helper
 * stopped. */
void sw_guard_fini(struct sw_guard *g);

#endif
