/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's side of calls: the call policy engine (src/calls/) wired to
 * the main loop (reloads after configuration changes, CDR writing), the
 * registrar of accept-register gateways (its own location table, not
 * persisted: a gateway registers again after a restart), and the
 * register-trunk client, which runs on worker 0 next to its transactions.
 */
#ifndef SW_DAEMON_CALLCTL_H
#define SW_DAEMON_CALLCTL_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "calls/calls.h"
#include "reg/location.h"
#include "reg/registrar.h"

struct sw_core;
struct sw_worker;
struct store;
struct trunk_reg_params;

struct sw_calls {
    struct calls_engine *engine;
    struct reg_loc gw_loc;       /* accept-register gateways by trunk id */
    struct reg_registrar gw_reg; /* their registrar */
    struct store *st;            /* main thread's handle (borrowed) */
    uv_async_t wake;             /* records queued: drain on the main loop */
    uv_timer_t drain_timer;      /* ... CDR_DRAIN_DELAY_MS later */
    bool has_wake;
    bool is_init;
    pthread_mutex_t mu;               /* guards the pending trunk list */
    struct trunk_reg_params *pending; /* register trunks for worker 0 */
    size_t n_pending;
    bool has_pending;
    struct trunk_reg_status *status; /* worker 0's last published view */
    size_t n_status;
};

/*
 * Set up on the main thread before the workers start: engine, gateway
 * registrar (nonce key as the main registrar's), first reload from 'st'
 * (borrowed, the main thread's handle). Returns 0 or a negative errno.
 */
int sw_calls_open(struct sw_core *core, uv_loop_t *loop, struct store *st,
                  const uint8_t nonce_key[32], uint32_t nonce_lifetime_s);

/* Reload the call configuration (after a change, on SIGHUP). Main thread. */
void sw_calls_reload(struct sw_core *core);

/* Periodic work on the main thread: write records, purge gateways. */
void sw_calls_tick(struct sw_core *core, int64_t now_s);

/* Counters into 'obj' ("calls": {...}). Any thread. */
void sw_calls_stats_json(struct sw_core *core, json_t *obj);

/* Close the main-loop handles; sw_calls_fini() frees the rest after the
 * workers are gone. */
void sw_calls_close(struct sw_core *core);
void sw_calls_fini(struct sw_core *core);

/* ---- worker side ---- */

/* Worker thread, once its proxy is set up: worker 0 starts the trunk
 * client with the configuration handed over so far. */
void sw_calls_worker_start(struct sw_worker *w);
/* Worker thread: the trunk client's next deadline (UINT64_MAX none). */
uint64_t sw_calls_worker_deadline(const struct sw_worker *w);
/* Worker thread: run the trunk client's due work. */
void sw_calls_worker_run(struct sw_worker *w, uint64_t now_ms);
/* Worker thread: publish the trunk client's status for `stats`. */
void sw_calls_worker_publish(struct sw_worker *w);
/* Worker thread, before its transaction table goes: free the client. */
void sw_calls_worker_fini(struct sw_worker *w);

#endif
