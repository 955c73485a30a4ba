/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Write-behind of registrations. The workers change the location table at
 * packet rate; this file turns the dirty list into one SQLite transaction
 * per flush: each changed extension's rows are replaced by what the table
 * holds now. Bindings are copied out of the table first so no SQLite work
 * happens under a shard lock.
 */
#include "daemon/persist.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/buf.h"
#include "base/log.h"
#include "store/store.h"

static const struct log_ctx lc = { "persist", NULL };

/* enum net_proto order. */
static const char *const proto_names[] = { "udp", "tcp", "tls", "wss" };
enum { N_PROTO_NAMES = sizeof(proto_names) / sizeof(proto_names[0]) };

/* "proto:a.b.c.d:port" without the printf machinery: the persister
 * formats one per binding it writes. */
static int fmt_src_v4(const char *proto, const struct reg_src *src, char *dst,
                      size_t cap)
{
    char tmp[40];
    size_t n = strlen(proto);
    memcpy(tmp, proto, n);
    tmp[n++] = ':';
    for (unsigned i = 0; i < 4; i++) {
        unsigned v = src->ip[i];
        if (i > 0) {
            tmp[n++] = '.';
        }
        if (v >= 100) {
            tmp[n++] = (char)('0' + v / 100);
        }
        if (v >= 10) {
            tmp[n++] = (char)('0' + v / 10 % 10);
        }
        tmp[n++] = (char)('0' + v % 10);
    }
    tmp[n++] = ':';
    char digits[5];
    unsigned nd = 0;
    unsigned port = src->port;
    do {
        digits[nd++] = (char)('0' + port % 10);
        port /= 10;
    } while (port > 0);
    while (nd > 0) {
        tmp[n++] = digits[--nd];
    }
    if (n >= cap) {
        return -ENOSPC;
    }
    memcpy(dst, tmp, n);
    dst[n] = '\0';
    return 0;
}

int sw_src_format(const struct reg_src *src, char *dst, size_t cap)
{
    char ip[INET6_ADDRSTRLEN];
    const char *proto =
        src->transport < N_PROTO_NAMES ? proto_names[src->transport] : "udp";
    int n;

    if (src->family == AF_INET) {
        return fmt_src_v4(proto, src, dst, cap);
    }
    if (!inet_ntop(src->family, src->ip, ip, sizeof(ip))) {
        return -EINVAL;
    }
    if (src->family == AF_INET6) {
        n = snprintf(dst, cap, "%s:[%s]:%u", proto, ip, src->port);
    } else {
        n = snprintf(dst, cap, "%s:%s:%u", proto, ip, src->port);
    }
    return (n < 0 || (size_t)n >= cap) ? -ENOSPC : 0;
}

int sw_src_parse(const char *s, struct reg_src *out)
{
    char ip[INET6_ADDRSTRLEN + 2];
    const char *colon = strchr(s, ':');
    const char *port;
    size_t ip_len;
    uint64_t p;

    memset(out, 0, sizeof(*out));
    if (!colon) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < N_PROTO_NAMES; i++) {
        if ((size_t)(colon - s) == strlen(proto_names[i])
            && strncmp(s, proto_names[i], (size_t)(colon - s)) == 0) {
            out->transport = (uint8_t)i;
        }
    }
    port = strrchr(colon + 1, ':');
    if (!port || sv_to_u64(sv_cstr(port + 1), 65535, &p) != 0) {
        return -EINVAL;
    }
    const char *ip_start = colon + 1;
    ip_len = (size_t)(port - ip_start);
    if (ip_len >= 2 && ip_start[0] == '[' && port[-1] == ']') {
        ip_start++;
        ip_len -= 2;
    }
    if (ip_len >= sizeof(ip)) {
        return -EINVAL;
    }
    memcpy(ip, ip_start, ip_len);
    ip[ip_len] = '\0';
    if (inet_pton(AF_INET, ip, out->ip) == 1) {
        out->family = AF_INET;
    } else if (inet_pton(AF_INET6, ip, out->ip) == 1) {
        out->family = AF_INET6;
    } else {
        return -EINVAL;
    }
    out->port = (uint16_t)p;
    return 0;
}

void sw_persist_init(struct sw_persist *p, struct reg_loc *loc,
                     struct store *st)
{
    memset(p, 0, sizeof(*p));
    p->loc = loc;
    p->st = st;
}

/* ---- restore ----------------------------------------------------------- */

struct restore_ctx {
    struct reg_loc *loc;
    long n;
};

static int restore_one(void *ud, const struct store_binding *b)
{
    struct restore_ctx *rc = ud;
    struct reg_binding_view v;
    char aor[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];

    memset(&v, 0, sizeof(v));
    snprintf(aor, sizeof(aor), "%s@%s", b->ext ? b->ext : "",
             b->domain ? b->domain : "");
    v.user_id = b->user_id;
    v.tenant_id = b->tenant_id;
    v.aor = sv_cstr(aor);
    v.contact = sv_cstr(b->contact_uri);
    v.call_id = sv_cstr(b->call_id);
    v.user_agent = sv_cstr(b->user_agent);
    v.cseq = b->cseq;
    v.expires_at = b->expires_at;
    v.registered_at = b->updated_at;
    if (b->source && sw_src_parse(b->source, &v.src) != 0) {
        log_warn(&lc, "binding of %s has a bad source '%s', kept", aor,
                 b->source);
    }
    if (reg_loc_restore(rc->loc, &v) == 0) {
        rc->n++;
    }
    return 0;
}

long sw_persist_restore(struct sw_persist *p, int64_t now_s)
{
    struct restore_ctx rc = { p->loc, 0 };
    int err = store_binding_load_all(p->st, now_s, restore_one, &rc);
    return err < 0 ? err : rc.n;
}

/* ---- flush ------------------------------------------------------------- */

/* One binding copied out of the table: all strings in one buffer. */
struct copied {
    int64_t user_id;
    int64_t expires_at;
    int64_t registered_at;
    uint32_t cseq;
    struct reg_src src;
    size_t off_aor, off_contact, off_call_id, off_ua;
};

struct copy_ctx {
    struct copied *items;
    size_t n, cap;
    struct buf strings;
    int err;
};

static size_t push_str(struct buf *b, struct sv v)
{
    size_t off = b->len;
    buf_append_sv(b, v);
    buf_append_char(b, '\0');
    return off;
}

static void copy_one(void *ud, const struct reg_binding_view *v)
{
    struct copy_ctx *cc = ud;
    if (cc->n == cc->cap) {
        size_t cap = cc->cap ? cc->cap * 2 : 64;
        struct copied *it = realloc(cc->items, cap * sizeof(*it));
        if (!it) {
            cc->err = -ENOMEM;
            return;
        }
        cc->items = it;
        cc->cap = cap;
    }
    struct copied *c = &cc->items[cc->n++];
    c->user_id = v->user_id;
    c->expires_at = v->expires_at;
    c->registered_at = v->registered_at;
    c->cseq = v->cseq;
    c->src = v->src;
    c->off_aor = push_str(&cc->strings, v->aor);
    c->off_contact = push_str(&cc->strings, v->contact);
    c->off_call_id = push_str(&cc->strings, v->call_id);
    c->off_ua = push_str(&cc->strings, v->user_agent);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/*
 * Make the store's rows of extension 'uid' match the table. When no contact
 * was dropped since the last write, the current bindings are written over
 * the rows of the same contacts (an update in place: the steady case of a
 * phone registering again). Otherwise every row of the extension is
 * deleted first.
 */
static int write_user(struct sw_persist *p, int64_t uid, int64_t now_s,
                      struct copy_ctx *cc)
{
    int rc;
    bool stale = reg_loc_rows_stale_take(p->loc, uid);
    cc->n = 0;
    buf_reset(&cc->strings);
    reg_loc_lookup(p->loc, uid, now_s, copy_one, cc);
    if (cc->err || cc->strings.err) {
        return cc->err ? cc->err : cc->strings.err;
    }
    if (stale || cc->n == 0) {
        rc = store_binding_delete_user(p->st, uid, NULL);
        if (rc < 0) {
            return rc;
        }
        p->stats.n_full_rewrites++;
    }
    for (size_t i = 0; i < cc->n; i++) {
        const struct copied *c = &cc->items[i];
        const char *s = cc->strings.p;
        char source[80];
        char aor[STORE_EXT_MAX + STORE_DOMAIN_MAX + 8];
        struct store_binding b;

        memset(&b, 0, sizeof(b));
        size_t aor_len = strnlen(s + c->off_aor, sizeof(aor) - 5);
        memcpy(aor, "sip:", 4);
        memcpy(aor + 4, s + c->off_aor, aor_len);
        aor[4 + aor_len] = '\0';
        if (sw_src_format(&c->src, source, sizeof(source)) != 0) {
            source[0] = '\0';
        }
        b.user_id = c->user_id;
        b.aor = aor;
        b.contact_uri = s + c->off_contact;
        b.expires_at = c->expires_at;
        b.call_id = s + c->off_call_id;
        b.cseq = c->cseq;
        b.source = source;
        b.user_agent = s + c->off_ua;
        rc = store_binding_upsert(p->st, &b, c->registered_at, NULL);
        if (rc < 0 && rc != -ENOENT) {
            return rc;
        }
        p->stats.n_bindings_written++;
    }
    return 0;
}

int sw_persist_flush(struct sw_persist *p, int64_t now_s)
{
    size_t n;
    int64_t *ids = reg_loc_dirty_take(p->loc, &n);
    struct copy_ctx cc = { 0 };
    int rc;

    if (n == 0) {
        free(ids);
        return 0;
    }
    qsort(ids, n, sizeof(*ids), cmp_id);
    buf_init(&cc.strings, 1u << 20);
    rc = store_begin(p->st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (i > 0 && ids[i] == ids[i - 1]) {
            continue;
        }
        rc = write_user(p, ids[i], now_s, &cc);
        p->stats.n_users_written++;
    }
    rc = rc == 0 ? store_commit(p->st) : rc;
    if (rc != 0) {
        store_rollback(p->st);
        p->stats.n_errors++;
        log_warn(&lc, "writing %zu changed registrations failed: %s", n,
                 store_errmsg(p->st));
        /* Put them back so the next flush retries, rewriting every row:
         * the rollback also undid deletions whose marks were taken. */
        for (size_t i = 0; i < n; i++) {
            reg_loc_rows_stale_set(p->loc, ids[i]);
            reg_loc_mark_dirty(p->loc, ids[i]);
        }
    }
    p->stats.n_flushes++;
    free(cc.items);
    buf_fini(&cc.strings);
    free(ids);
    return rc;
}

void sw_persist_purge(struct sw_persist *p, int64_t now_s)
{
    uint32_t n_db = 0;
    size_t n_mem = reg_loc_purge(p->loc, now_s);
    if (store_binding_purge_expired(p->st, now_s, &n_db) != 0) {
        log_warn(&lc, "purging expired registrations failed: %s",
                 store_errmsg(p->st));
    }
    if (n_mem || n_db) {
        log_debug(&lc,
                  "expired registrations dropped: %zu in memory, %u "
                  "stored",
                  n_mem, n_db);
    }
}
