/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The open stream connections table: entries hashed by (transport, peer
 * address, port); an id carries its shard and bucket in its low bits, so
 * finding a connection by id reads one bucket.
 */
#include "daemon/conns.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "net/transport.h"

#define SHARDS  64u
#define BUCKETS 256u

struct ent {
    struct ent *next;
    uint64_t id;
    struct net_conn *conn;
    uint8_t proto;
    uint8_t ip[16];
    uint16_t port;
};

struct sw_conns_shard {
    pthread_mutex_t mu;
    struct ent *b[BUCKETS];
};

static uint64_t key_hash(int proto, const uint8_t ip[16], uint16_t port)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)proto;
    for (int i = 0; i < 16; i++) {
        h = (h ^ ip[i]) * 1099511628211ull;
    }
    h = (h ^ port) * 1099511628211ull;
    return h ^ (h >> 29);
}

int sw_conns_init(struct sw_conns *c)
{
    c->shards = calloc(SHARDS, sizeof(*c->shards));
    if (c->shards == NULL) {
        return -ENOMEM;
    }
    for (unsigned i = 0; i < SHARDS; i++) {
        pthread_mutex_init(&c->shards[i].mu, NULL);
    }
    atomic_init(&c->seq, 1);
    return 0;
}

void sw_conns_fini(struct sw_conns *c)
{
    if (c->shards == NULL) {
        return;
    }
    for (unsigned i = 0; i < SHARDS; i++) {
        for (unsigned k = 0; k < BUCKETS; k++) {
            struct ent *e = c->shards[i].b[k];
            while (e) {
                struct ent *next = e->next;
                net_conn_unref(e->conn);
                free(e);
                e = next;
            }
        }
        pthread_mutex_destroy(&c->shards[i].mu);
    }
    free(c->shards);
    c->shards = NULL;
}

static void key_of(struct net_conn *conn, int *proto, uint8_t ip[16],
                   uint16_t *port)
{
    const struct net_addr *a = net_conn_peer(conn);
    *proto = (int)net_conn_proto(conn);
    net_addr_ip16(a, ip);
    *port = net_addr_port(a);
}

uint64_t sw_conns_note(struct sw_conns *c, struct net_conn *conn)
{
    int proto;
    uint8_t ip[16];
    uint16_t port;
    key_of(conn, &proto, ip, &port);
    uint64_t h = key_hash(proto, ip, port);
    unsigned si = (unsigned)(h % SHARDS);
    unsigned bi = (unsigned)((h / SHARDS) % BUCKETS);
    struct sw_conns_shard *s = &c->shards[si];
    uint64_t id = 0;

    pthread_mutex_lock(&s->mu);
    for (struct ent *e = s->b[bi]; e; e = e->next) {
        if (e->conn == conn) {
            id = e->id;
            break;
        }
    }
    if (id == 0 && !net_conn_is_closed(conn)) {
        struct ent *e = calloc(1, sizeof(*e));
        if (e) {
            uint64_t seq =
                atomic_fetch_add_explicit(&c->seq, 1, memory_order_relaxed);
            e->id = (seq << 14) | ((uint64_t)si << 8) | bi;
            e->conn = conn;
            e->proto = (uint8_t)proto;
            memcpy(e->ip, ip, 16);
            e->port = port;
            net_conn_ref(conn);
            e->next = s->b[bi];
            s->b[bi] = e;
            id = e->id;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return id;
}

struct net_conn *sw_conns_get(struct sw_conns *c, uint64_t id)
{
    unsigned si = (unsigned)((id >> 8) & 0x3f);
    unsigned bi = (unsigned)(id & 0xff);
    struct sw_conns_shard *s = &c->shards[si];
    struct net_conn *conn = NULL;
    pthread_mutex_lock(&s->mu);
    for (struct ent *e = s->b[bi]; e; e = e->next) {
        if (e->id == id) {
            conn = e->conn;
            net_conn_ref(conn);
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return conn;
}

uint64_t sw_conns_find(struct sw_conns *c, int proto, const uint8_t ip16[16],
                       uint16_t port)
{
    uint64_t h = key_hash(proto, ip16, port);
    struct sw_conns_shard *s = &c->shards[h % SHARDS];
    unsigned bi = (unsigned)((h / SHARDS) % BUCKETS);
    uint64_t id = 0;
    pthread_mutex_lock(&s->mu);
    for (struct ent *e = s->b[bi]; e; e = e->next) {
        if (e->proto == proto && e->port == port && memcmp(e->ip, ip16, 16) == 0
            && !net_conn_is_closed(e->conn)) {
            id = e->id;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return id;
}

void sw_conns_closed(struct sw_conns *c, struct net_conn *conn)
{
    int proto;
    uint8_t ip[16];
    uint16_t port;
    key_of(conn, &proto, ip, &port);
    uint64_t h = key_hash(proto, ip, port);
    struct sw_conns_shard *s = &c->shards[h % SHARDS];
    unsigned bi = (unsigned)((h / SHARDS) % BUCKETS);
    struct ent *gone = NULL;
    pthread_mutex_lock(&s->mu);
    for (struct ent **pp = &s->b[bi]; *pp; pp = &(*pp)->next) {
        if ((*pp)->conn == conn) {
            gone = *pp;
            *pp = gone->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (gone) {
        net_conn_unref(gone->conn);
        free(gone);
    }
}
