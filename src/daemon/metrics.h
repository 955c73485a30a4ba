/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's figures for /metrics: per-worker counters and latency
 * histograms the pipeline records (no shared cache lines between workers),
 * and "metrics.show", which gathers them with the shield's, registrar's,
 * calls' and event log's counters into one JSON object on the main thread.
 * The HTTP thread turns that object into Prometheus text (api/metrics.h).
 */
#ifndef SW_DAEMON_METRICS_H
#define SW_DAEMON_METRICS_H

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/hist.h"
#include "net/transport.h"

struct sw_core;

/* Request classes of the SIP latency histogram. */
enum sw_lat_class {
    SW_LAT_REGISTER = 0,
    SW_LAT_INVITE,
    SW_LAT_OTHER,
    SW_LAT_COUNT,
};

/* REGISTER answers counted by status. */
enum sw_reg_result {
    SW_REG_200 = 0,
    SW_REG_401,
    SW_REG_403,
    SW_REG_OTHER,
    SW_REG_RESULT_COUNT,
};

/* One worker's counters; written by that worker only (relaxed atomics so
 * the main thread may read them). */
struct sw_wmetrics {
    _Atomic uint64_t packets[NET_PROTO_COUNT]; /* messages received */
    _Atomic uint64_t parsed;                   /* requests and responses */
    _Atomic uint64_t answered_400;             /* bad requests answered */
    _Atomic uint64_t reg_results[SW_REG_RESULT_COUNT];
    struct hist lat[SW_LAT_COUNT]; /* receive to answer or forward */
};

/* "register", "invite", "other". */
const char *sw_lat_class_name(enum sw_lat_class c);

/* The class of a SIP method (enum sip_method value). */
enum sw_lat_class sw_lat_class_of(int sip_method);

/* Count a REGISTER answered with 'status'. */
void sw_wmetrics_reg_result(struct sw_wmetrics *m, int status);

/*
 * "metrics.show": every figure of /metrics the main thread holds, as
 * {"ok":true, ...} (a new reference, NULL on allocation failure). The
 * queued security events are counted first. Main thread.
 */
json_t *sw_metrics_json(struct sw_core *core);

#endif
