/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared fixture for the transaction tests: a table whose send callback
 * records what was sent and when, keys built from C strings, and a driver
 * that steps a fake "now" from deadline to deadline like the owning loop's
 * uv timer would.
 */
#ifndef SW_TESTS_SIP_TXN_FIXTURE_H
#define SW_TESTS_SIP_TXN_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "sip/txn.h"

#define FX_LOG_MAX 64

struct fx_sent {
    uint64_t at_ms;
    char bytes[64]; /* NUL-terminated prefix of what was sent */
    size_t len;
    struct sip_txn_dest dest;
};

struct fx {
    struct sip_txn_table t;
    struct sip_txn_config cfg;
    uint64_t now_ms;
    unsigned n_sent;
    struct fx_sent sent[FX_LOG_MAX];
};

static inline void fx_send(void *ud, const struct sip_txn_dest *dest,
                           const char *bytes, size_t len)
{
    struct fx *f = ud;
    if (f->n_sent < FX_LOG_MAX) {
        struct fx_sent *s = &f->sent[f->n_sent];
        size_t n = len < sizeof(s->bytes) - 1 ? len : sizeof(s->bytes) - 1;
        memcpy(s->bytes, bytes, n);
        s->bytes[n] = '\0';
        s->len = len;
        s->at_ms = f->now_ms;
        s->dest = *dest;
    }
    f->n_sent++;
}

/* Init the table from f->cfg (after fx_default_cfg() and any changes). */
static inline int fx_init_cfg(struct fx *f)
{
    return sip_txn_table_init(&f->t, &f->cfg, fx_send, f);
}

/* Zero the fixture; RFC 3261 defaults with a fixed hash key. */
static inline void fx_default_cfg(struct fx *f)
{
    memset(f, 0, sizeof(*f));
    sip_txn_config_default(&f->cfg);
    for (unsigned i = 0; i < sizeof(f->cfg.hash_key); i++) {
        f->cfg.hash_key[i] = (uint8_t)(i + 1);
    }
}

/* Move time to 'to_ms', firing timers exactly at their deadlines. */
static inline unsigned fx_advance_to(struct fx *f, uint64_t to_ms)
{
    unsigned n = 0;
    for (;;) {
        uint64_t d = sip_txn_table_next_deadline_ms(&f->t);
        if (d > to_ms) {
            break;
        }
        if (d > f->now_ms) {
            f->now_ms = d;
        }
        n += sip_txn_table_run_timers(&f->t, f->now_ms);
    }
    f->now_ms = to_ms;
    return n;
}

static inline struct sip_txn_key fx_key(enum sip_method m, const char *branch,
                                        const char *host, uint16_t port)
{
    struct sip_txn_key k;
    memset(&k, 0, sizeof(k));
    k.method = m;
    k.branch = sv_cstr(branch);
    k.host = sv_cstr(host);
    k.port = port;
    return k;
}

static inline struct sip_txn_dest fx_dest(unsigned char tag)
{
    struct sip_txn_dest d;
    memset(&d, 0, sizeof(d));
    d.addr[0] = tag;
    d.transport = tag;
    d.conn_id = tag;
    return d;
}

#endif
