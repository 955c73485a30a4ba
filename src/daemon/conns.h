/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Open stream connections (TCP, TLS) by peer, so a request can be sent to
 * a phone on the connection it registered on, from any worker and after
 * the packet that brought it is gone. Transactions and dialogs keep a
 * connection id, never a pointer: a closed connection's id simply finds
 * nothing. Sharded, a mutex per shard; one entry per open connection.
 */
#ifndef SW_DAEMON_CONNS_H
#define SW_DAEMON_CONNS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct net_conn;
struct sw_conns_shard;

struct sw_conns {
    struct sw_conns_shard *shards;
    _Atomic uint64_t seq; /* id generator */
};

int sw_conns_init(struct sw_conns *c);
/* Drop every entry and its reference. No other thread may use 'c'. */
void sw_conns_fini(struct sw_conns *c);

/*
 * The id of open connection 'conn', entered (with a reference) the first
 * time it is seen. Returns 0 when it cannot be entered (no memory). Any
 * thread.
 */
uint64_t sw_conns_note(struct sw_conns *c, struct net_conn *conn);

/* The connection of 'id' with a reference the caller drops
 * (net_conn_unref), or NULL. Any thread. */
struct net_conn *sw_conns_get(struct sw_conns *c, uint64_t id);

/*
 * The id of the open connection from peer 'ip16' (net_addr_ip16 form) and
 * 'port' over 'proto' (enum net_proto), or 0. Any thread.
 */
uint64_t sw_conns_find(struct sw_conns *c, int proto, const uint8_t ip16[16],
                       uint16_t port);

/* 'conn' is closing: forget it and drop our reference. Any thread. */
void sw_conns_closed(struct sw_conns *c, struct net_conn *conn);

#endif
