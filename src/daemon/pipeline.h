/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The path of a packet from the transport to a verdict and an answer:
 * parse, transaction layer, dispatch by method. One entry point per
 * received message, running on the worker that received it.
 */
#ifndef SW_DAEMON_PIPELINE_H
#define SW_DAEMON_PIPELINE_H

#include <stddef.h>

#include "net/transport.h"
#include "sip/txn.h"

struct sw_worker;

/* net_msg_fn for every SIP listener; 'ud' is the struct sw_core. */
void sw_pipeline_on_msg(void *ud, const struct net_pkt *pkt);

/* net_frame_fn for SIP over TCP and TLS (Content-Length framing). */
int sw_pipeline_frame(const char *data, size_t len, size_t *skip,
                      size_t *frame_len);

/* sip_txn_send_fn: transaction retransmissions from worker 'ud'. */
void sw_pipeline_txn_send(void *ud, const struct sip_txn_dest *dest,
                          const char *bytes, size_t len);

/* Run due transaction timers and re-arm the worker's timer. */
void sw_pipeline_run_timers(struct sw_worker *w);

/* net_close_fn of the stream listeners ('ud': the core): the connection
 * leaves the connections table. */
void sw_pipeline_on_close(void *ud, struct net_conn *conn,
                          enum net_close_reason why);

#endif
