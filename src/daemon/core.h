/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's shared state and per-worker state. struct sw_core is
 * created on the main thread before the workers start and read by all of
 * them; struct sw_worker belongs to one worker thread.
 */
#ifndef SW_DAEMON_CORE_H
#define SW_DAEMON_CORE_H

#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "base/buf.h"
#include "daemon/callctl.h"
#include "daemon/config.h"
#include "daemon/conns.h"
#include "daemon/evlog.h"
#include "daemon/guard.h"
#include "daemon/lookup.h"
#include "daemon/metrics.h"
#include "proxy/proxy.h"
#include "reg/location.h"
#include "reg/registrar.h"
#include "sip/msg.h"
#include "sip/txn.h"

struct loop_worker;
struct net_ctx;
struct net_tls_ctx;
struct net_pkt;
struct store;

/* Counters of the packet pipeline (all workers, relaxed atomics). */
struct sw_pipeline_stats {
    _Atomic uint64_t requests;
    _Atomic uint64_t responses_ignored;
    _Atomic uint64_t bad_messages;
    _Atomic uint64_t keepalives;
    _Atomic uint64_t txn_resent;
    _Atomic uint64_t txn_absorbed;
    _Atomic uint64_t txn_full;
    _Atomic uint64_t send_errors;
    _Atomic uint64_t shield_drops; /* packets and requests the shield dropped */
};

struct sw_worker {
    struct sw_core *core;
    struct loop_worker *lw;
    struct store *st;              /* this thread's read handle */
    struct sip_txn_table txn;      /* this worker's transactions */
    uv_timer_t txn_timer;          /* armed at the next transaction deadline */
    uint64_t txn_timer_due_ms;     /* UINT64_MAX when not armed */
    struct sip_msg msg;            /* parse target, reused per packet */
    struct buf out;                /* response being built, reused */
    const struct net_pkt *cur_pkt; /* packet being answered, or NULL */
    struct sec_shield_view shield; /* this thread's shield configuration */
    struct sec_pkt sec;            /* the shield's view of the packet */
    struct sec_req_info sec_req;   /* ... and of its request */
    struct proxy_worker proxy;     /* calls this worker forwards */
    bool has_proxy;                /* proxy set up: calls are routed */
    struct trunk_reg_set *trunks;  /* worker 0: register trunks, or NULL */
    bool is_ready;                 /* init finished: handles must be closed */
    struct sw_wmetrics metrics;    /* this worker's counters (/metrics) */
};

struct sw_core {
    const struct sw_config *cfg;
    struct reg_loc loc;
    struct reg_registrar reg;
    struct sw_lookup_cache lookup; /* tenants and credentials */
    struct sw_guard guard;         /* the shield and its bans */
    struct proxy_core proxy;       /* calls: policy hooks, dialogs */
    struct sw_calls calls;         /* call policy, gateways, trunks */
    struct sw_conns conns;         /* open TCP / TLS connections by peer */
    struct sw_evlog evlog;         /* security events -> store (main) */
    struct net_ctx *net;
    struct net_tls_ctx *tls;   /* SIP TLS / WSS / HTTPS certificates */
    struct sw_worker *workers; /* one per pool worker */
    unsigned n_workers;
    struct sw_pipeline_stats stats;
};

#endif
