/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state machine of the register-based trunks of one worker: a REGISTER
 * attempt per trunk (answering at most a few digest challenges and 423s),
 * the refresh at half the granted expiry, the doubling back-off after a
 * failure, and the Expires: 0 farewell of a removed trunk (kept as a
 * "leaving" entry until its transaction ends). Message text lives in
 * regmsg.c; retransmissions and timeouts in the transaction table.
 */
#include "trunk/regclient.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/check.h"
#include "base/clock.h"
#include "base/log.h"
#include "net/transport.h"
#include "proxy/proxy.h"
#include "sip/build.h"
#include "sip/msg.h"
#include "sip/txn.h"
#include "trunk/regclient_int.h"

static const struct log_ctx lc = { "trunk", NULL };

/* Challenges answered in one attempt (stale nonces, challenges after a
 * 423); beyond that the provider is looping and the attempt fails. */
#define TRUNK_MAX_CHALLENGES 3
/* 423 Interval Too Brief answered in one attempt. */
#define TRUNK_MAX_423 2
/* The request we build is small; this bounds a hostile challenge. */
#define TRUNK_REQ_MAX_LEN 4096

#define CALL_ID_BYTES  16
#define TAG_BYTES      8
#define CNONCE_BYTES   12
#define BRANCH_R_BYTES 10

struct trunk_entry {
    struct trunk_reg_set *set;
    struct trunk_reg_params p; /* password wiped on free */
    struct net_addr server;    /* p.server with its port filled in */
    uint32_t expires_s;        /* requested; raised by a 423 */
    char call_id[2 * CALL_ID_BYTES + 1];
    char from_tag[2 * TAG_BYTES + 1];
    uint32_t cseq;         /* of the last request sent */
    struct sip_txn *txn;   /* request in flight, NULL when none */
    bool is_leaving;       /* removed: Expires: 0 in flight */
    bool is_kept;          /* scratch of trunk_reg_set_sync() */
    bool sent_auth;        /* the request in flight carries credentials */
    unsigned n_challenges; /* answered in this attempt */
    unsigned n_423;        /* 423s answered in this attempt */
    enum trunk_reg_state state;
    int last_status;
    uint32_t failures;
    uint32_t granted_s;
    uint64_t next_ms;        /* next attempt (monotonic), UINT64_MAX none */
    uint64_t bound_until_ms; /* monotonic end of our binding, 0 none */
    int64_t expires_at_wall_ms;
    char reason[96];
    struct trunk_entry *prev; /* in the leaving list */
    struct trunk_entry *next;
};

struct trunk_reg_set {
    struct sip_txn_table *txn; /* borrowed */
    struct trunk_reg_cfg cfg;
    struct trunk_entry *e[TRUNK_REG_MAX]; /* in sync order */
    size_t n;
    struct trunk_entry *leaving; /* removed, farewell in flight */
    size_t n_leaving;
    struct buf out;       /* request being built */
    uint64_t last_now_ms; /* latest time seen, callbacks never go back */
};

/* ---- small helpers ----------------------------------------------------- */

const char *trunk_reg_state_name(enum trunk_reg_state st)
{
    switch (st) {
    case TRUNK_REG_IDLE:
        return "idle";
    case TRUNK_REG_REGISTERING:
        return "registering";
    case TRUNK_REG_REGISTERED:
        return "registered";
    case TRUNK_REG_FAILED:
        return "failed";
    }
    return "unknown";
}

static int rand_hex(char *out, size_t n_bytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[32];
    SW_ASSERT(n_bytes <= sizeof(r));
    if (RAND_bytes(r, (int)n_bytes) != 1) {
        return -EIO;
    }
    for (size_t i = 0; i < n_bytes; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 0xf];
    }
    out[2 * n_bytes] = '\0';
    return 0;
}

/* Callbacks get no time: read the set's clock, never going backwards. */
static uint64_t set_now(struct trunk_reg_set *s)
{
    uint64_t t = clock_mono_ms(s->cfg.clock);
    if (t < s->last_now_ms) {
        t = s->last_now_ms;
    }
    s->last_now_ms = t;
    return t;
}

static void saw_now(struct trunk_reg_set *s, uint64_t now_ms)
{
    if (now_ms > s->last_now_ms) {
        s->last_now_ms = now_ms;
    }
}

static int64_t wall_ms(const struct sw_clock *c)
{
    if (c != NULL && c->is_fake) {
        return c->fake_wall_s * 1000;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void server_of(const struct trunk_reg_params *p, struct net_addr *out)
{
    *out = p->server;
    if (net_addr_port(out) == 0) {
        net_addr_set_port(out, p->port != 0 ? p->port : 5060);
    }
}

static void entry_free(struct trunk_entry *e)
{
    if (e == NULL) {
        return;
    }
    explicit_bzero(&e->p, sizeof(e->p));
    free(e);
}

static void leaving_unlink(struct trunk_entry *e)
{
    struct trunk_reg_set *s = e->set;
    if (e->prev != NULL) {
        e->prev->next = e->next;
    } else {
        s->leaving = e->next;
    }
    if (e->next != NULL) {
        e->next->prev = e->prev;
    }
    e->prev = NULL;
    e->next = NULL;
    s->n_leaving--;
}

/* ±10% so the trunks of many workers do not retry in step. */
static uint64_t backoff_ms(const struct trunk_reg_set *s, uint32_t failures)
{
    uint64_t d = s->cfg.backoff_min_ms;
    for (uint32_t i = 1; i < failures && d < s->cfg.backoff_max_ms; i++) {
        d *= 2;
    }
    if (d > s->cfg.backoff_max_ms) {
        d = s->cfg.backoff_max_ms;
    }
    uint64_t span = d / 5;
    uint32_t r;
    if (span > 0 && RAND_bytes((unsigned char *)&r, sizeof(r)) == 1) {
        d = d - d / 10 + r % (span + 1);
    }
    return d > 0 ? d : 1;
}

/* Refresh at half the granted time, at least 5 s before the end, never
 * sooner than 1 s from now. */
static uint64_t refresh_in_ms(uint32_t granted_s)
{
    uint64_t life = (uint64_t)granted_s * 1000u;
    uint64_t at = life / 2;
    if (life <= 5000) {
        at = 0;
    } else if (life - 5000 < at) {
        at = life - 5000;
    }
    return at < 1000 ? 1000 : at;
}

/* ---- sending ----------------------------------------------------------- */

static void on_txn(void *ud, struct sip_txn *txn,
                   const struct sip_txn_event *ev);

static int send_register(struct trunk_entry *e,
                         const struct trunk_challenge *ch, uint64_t now_ms)
{
    struct trunk_reg_set *s = e->set;
    char rnd[2 * BRANCH_R_BYTES + 1];
    char branch[TRUNK_BRANCH_CAP];
    char cnonce[2 * CNONCE_BYTES + 1] = "";

    /* The daemon routes responses by the worker index in our branch. */
    int rc = rand_hex(rnd, BRANCH_R_BYTES);
    if (rc == 0 && ch != NULL && ch->qop_auth) {
        rc = rand_hex(cnonce, CNONCE_BYTES);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(branch, sizeof(branch), "%s%02x%s", PROXY_BRANCH_PREFIX,
             s->cfg.worker_index & 0xffu, rnd);
    struct trunk_req r = {
        .p = &e->p,
        .cfg = &s->cfg,
        .branch = branch,
        .call_id = e->call_id,
        .from_tag = e->from_tag,
        .cseq = e->cseq + 1,
        .expires_s = e->is_leaving ? 0 : e->expires_s,
        .ch = ch,
        .cnonce = cnonce,
    };
    buf_reset(&s->out);
    rc = trunk_build_register(&s->out, &r);
    if (rc != 0) {
        return rc;
    }
    struct sip_txn_dest d;
    memset(&d, 0, sizeof(d));
    size_t alen =
        e->server.len < sizeof(d.addr) ? e->server.len : sizeof(d.addr);
    memcpy(d.addr, &e->server.ss, alen);
    d.transport = NET_PROTO_UDP;
    d.conn_id = s->cfg.conn_id;
    struct sip_txn_key key = { .method = SIP_METHOD_REGISTER,
                               .branch = sv_cstr(branch) };
    rc = sip_txn_client_start(s->txn, &key, &d, s->out.p, s->out.len, false,
                              now_ms, on_txn, e, &e->txn);
    if (rc != 0) {
        e->txn = NULL;
        return rc;
    }
    e->cseq++;
    e->sent_auth = ch != NULL;
    return 0;
}

/* ---- outcomes ---------------------------------------------------------- */

static void fail(struct trunk_entry *e, uint64_t now_ms, int status,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail(struct trunk_entry *e, uint64_t now_ms, int status,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
    va_end(ap);
    e->state = TRUNK_REG_FAILED;
    e->last_status = status;
    if (e->failures < UINT32_MAX) {
        e->failures++;
    }
    uint64_t wait_ms = backoff_ms(e->set, e->failures);
    e->next_ms = now_ms + wait_ms;
    log_warn_rl(&lc, "trunk %s: registration failed (%s), retry in %llu s",
                e->p.name, e->reason,
                (unsigned long long)((wait_ms + 500) / 1000));
}

static void start_attempt(struct trunk_entry *e, uint64_t now_ms)
{
    e->n_challenges = 0;
    e->n_423 = 0;
    e->next_ms = UINT64_MAX;
    if (e->state != TRUNK_REG_REGISTERED) {
        e->state = TRUNK_REG_REGISTERING;
    }
    int rc = send_register(e, NULL, now_ms);
    if (rc != 0) {
        fail(e, now_ms, 0, "request not sent: %s", strerror(-rc));
    }
}

static bool contact_is_ours(const struct trunk_entry *e,
                            const struct sip_uri *u)
{
    const struct trunk_reg_cfg *cfg = &e->set->cfg;
    struct sv host = u->host;
    if (host.len >= 2 && host.p[0] == '[') {
        host = sv_make(host.p + 1, host.len - 2);
    }
    uint16_t port = u->has_port ? u->port : 5060;
    return u->scheme == SIP_URI_SIP && sv_eq_cstr(u->user, e->p.user)
           && sv_eq_cstr_nocase(host, cfg->contact_ip)
           && port == cfg->contact_port;
}

/*
 * The expiry granted by a 2xx: our Contact's expires param (a lone
 * Contact counts as ours: the provider may have rewritten it for NAT),
 * else the Expires header, else what we asked for; never more than that.
 */
static uint32_t granted_s(const struct trunk_entry *e,
                          const struct sip_msg *resp)
{
    uint32_t want = e->expires_s;
    if (resp == NULL) {
        return want;
    }
    struct sip_contact_iter it = { NULL, 0 };
    struct sip_contact c;
    unsigned n = 0;
    bool ours = false;
    bool has = false;
    uint32_t val = 0;
    while (sip_msg_next_contact(resp, &it, &c, NULL) == SIP_PARSE_OK) {
        if (c.star) {
            continue;
        }
        n++;
        if (contact_is_ours(e, &c.na.uri)) {
            ours = true;
            has = c.has_expires;
            val = c.expires_s;
            break;
        }
        if (n == 1) {
            has = c.has_expires;
            val = c.expires_s;
        }
    }
    if (!ours && n != 1) {
        has = false;
    }
    if (!has && sip_msg_expires(resp, &val) == 0) {
        has = true;
    }
    if (!has || val > want) {
        val = want;
    }
    return val;
}

static void on_ok(struct trunk_entry *e, const struct sip_msg *resp, int status,
                  uint64_t now_ms)
{
    struct trunk_reg_set *s = e->set;
    uint32_t g = granted_s(e, resp);
    if (g == 0) {
        fail(e, now_ms, status, "%d without a binding", status);
        return;
    }
    bool was_registered = e->state == TRUNK_REG_REGISTERED;
    e->state = TRUNK_REG_REGISTERED;
    e->last_status = status;
    e->failures = 0;
    e->granted_s = g;
    e->bound_until_ms = now_ms + (uint64_t)g * 1000u;
    e->expires_at_wall_ms = wall_ms(s->cfg.clock) + (int64_t)g * 1000;
    e->next_ms = now_ms + refresh_in_ms(g);
    snprintf(e->reason, sizeof(e->reason), "registered for %u s", (unsigned)g);
    if (was_registered) {
        log_debug(&lc, "trunk %s: refreshed for %u s", e->p.name, (unsigned)g);
    } else {
        log_info(&lc, "trunk %s: registered at %s for %u s", e->p.name,
                 e->p.host, (unsigned)g);
    }
}

static void on_challenge(struct trunk_entry *e, const struct sip_msg *resp,
                         int status, uint64_t now_ms)
{
    struct trunk_challenge ch;
    int rc = trunk_challenge_pick(resp, e->p.realm, &ch);
    if (rc == -EACCES) {
        fail(e, now_ms, status, "%d challenge for another realm", status);
        return;
    }
    if (rc != 0) {
        fail(e, now_ms, status, "%d without a usable digest challenge", status);
        return;
    }
    /* Challenged again right after answering, and not for a stale nonce:
     * the provider refuses our credentials. Looping would only lock the
     * account. */
    if (e->sent_auth && !ch.stale) {
        fail(e, now_ms, status, "%d credentials refused", status);
        return;
    }
    if (++e->n_challenges > TRUNK_MAX_CHALLENGES) {
        fail(e, now_ms, status, "%d too many challenges", status);
        return;
    }
    rc = send_register(e, &ch, now_ms);
    if (rc != 0) {
        fail(e, now_ms, status, "request not sent: %s", strerror(-rc));
    }
}

/* RFC 3261 §10.2.8: retry with an expiry of at least Min-Expires. */
static void on_too_brief(struct trunk_entry *e, const struct sip_msg *resp,
                         uint64_t now_ms)
{
    const struct sip_hdr *h = sip_msg_hdr(resp, SIP_HDR_MIN_EXPIRES);
    uint64_t v = 0;
    if (h == NULL
        || sv_to_u64(sv_trim(h->value), TRUNK_REG_EXPIRES_MAX_S, &v) != 0
        || v <= e->expires_s || ++e->n_423 > TRUNK_MAX_423) {
        fail(e, now_ms, 423, "423 without a usable Min-Expires");
        return;
    }
    e->expires_s = (uint32_t)v;
    int rc = send_register(e, NULL, now_ms);
    if (rc != 0) {
        fail(e, now_ms, 423, "request not sent: %s", strerror(-rc));
    }
}

/* A removed trunk's farewell: answer one challenge, then forget it. */
static void leaving_final(struct trunk_entry *e, const struct sip_txn_event *ev,
                          uint64_t now_ms)
{
    const struct sip_msg *resp = ev->resp;
    if (ev->kind == SIP_TXN_EV_FINAL && (ev->status == 401 || ev->status == 407)
        && resp != NULL && !e->sent_auth) {
        struct trunk_challenge ch;
        if (trunk_challenge_pick(resp, e->p.realm, &ch) == 0
            && send_register(e, &ch, now_ms) == 0) {
            return;
        }
    }
    log_debug(&lc, "trunk %s: unregistered (%d)", e->p.name, ev->status);
    leaving_unlink(e);
    entry_free(e);
}

static void on_txn(void *ud, struct sip_txn *txn,
                   const struct sip_txn_event *ev)
{
    struct trunk_entry *e = ud;
    SW_UNUSED(txn);
    if (ev->kind == SIP_TXN_EV_PROVISIONAL) {
        return;
    }
    SW_ASSERT(e->txn == txn);
    e->txn = NULL; /* the last report: the table frees it */
    uint64_t now_ms = set_now(e->set);
    const struct sip_msg *resp = ev->resp;
    int st = ev->status;

    if (e->is_leaving) {
        leaving_final(e, ev, now_ms);
        return;
    }
    if (ev->kind == SIP_TXN_EV_TIMEOUT) {
        fail(e, now_ms, 408, "no answer (timeout)");
    } else if (st < 300) {
        on_ok(e, resp, st, now_ms);
    } else if ((st == 401 || st == 407) && resp != NULL) {
        on_challenge(e, resp, st, now_ms);
    } else if (st == 423 && resp != NULL) {
        on_too_brief(e, resp, now_ms);
    } else {
        fail(e, now_ms, st, "%d %s", st, sip_status_reason(st));
    }
}

/* ---- the set ----------------------------------------------------------- */

static bool ip_ok(const char *s)
{
    unsigned char a[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

static bool sent_by_ok(const char *s)
{
    if (s[0] == '\0') {
        return false;
    }
    for (const char *c = s; *c; c++) {
        bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
                  || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'
                  || *c == ':' || *c == '[' || *c == ']';
        if (!ok) {
            return false;
        }
    }
    return true;
}

int trunk_reg_set_new(struct sip_txn_table *txn,
                      const struct trunk_reg_cfg *cfg,
                      struct trunk_reg_set **out)
{
    if (txn == NULL || cfg == NULL || out == NULL) {
        return -EINVAL;
    }
    struct trunk_reg_cfg c = *cfg;
    if (c.backoff_min_ms == 0) {
        c.backoff_min_ms = TRUNK_REG_BACKOFF_MIN_MS_DEFAULT;
    }
    if (c.backoff_max_ms == 0) {
        c.backoff_max_ms = TRUNK_REG_BACKOFF_MAX_MS_DEFAULT;
    }
    if (c.backoff_min_ms > c.backoff_max_ms || c.worker_index > 255
        || c.contact_port == 0
        || !terminated(c.contact_ip, sizeof(c.contact_ip))
        || !ip_ok(c.contact_ip) || !terminated(c.sent_by, sizeof(c.sent_by))
        || !sent_by_ok(c.sent_by)) {
        return -EINVAL;
    }
    struct trunk_reg_set *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return -ENOMEM;
    }
    s->txn = txn;
    s->cfg = c;
    buf_init(&s->out, TRUNK_REQ_MAX_LEN);
    *out = s;
    return 0;
}

void trunk_reg_set_detach(struct trunk_reg_set *s, uint64_t now_ms)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        sip_txn_client_detach(s->e[i]->txn, now_ms);
        s->e[i]->txn = NULL;
    }
    for (struct trunk_entry *e = s->leaving; e != NULL; e = e->next) {
        sip_txn_client_detach(e->txn, now_ms);
        e->txn = NULL;
    }
}

void trunk_reg_set_free(struct trunk_reg_set *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->n; i++) {
        entry_free(s->e[i]);
        s->e[i] = NULL;
    }
    while (s->leaving != NULL) {
        struct trunk_entry *e = s->leaving;
        leaving_unlink(e);
        entry_free(e);
    }
    buf_fini(&s->out);
    free(s);
}

static bool params_ok(const struct trunk_reg_params *p)
{
    int fam = net_addr_family(&p->server);
    return p->id > 0 && terminated(p->name, sizeof(p->name))
           && terminated(p->host, sizeof(p->host))
           && terminated(p->user, sizeof(p->user))
           && terminated(p->password, sizeof(p->password))
           && terminated(p->realm, sizeof(p->realm)) && trunk_host_ok(p->host)
           && trunk_user_ok(p->user) && p->expires_s >= TRUNK_REG_EXPIRES_MIN_S
           && p->expires_s <= TRUNK_REG_EXPIRES_MAX_S
           && (fam == AF_INET || fam == AF_INET6);
}

/* Same account at the same place: the binding carries over. */
static bool same_identity(const struct trunk_entry *e,
                          const struct trunk_reg_params *p)
{
    struct net_addr srv;
    server_of(p, &srv);
    return net_addr_eq(&e->server, &srv) && strcmp(e->p.host, p->host) == 0
           && e->p.port == p->port && strcmp(e->p.user, p->user) == 0;
}

static bool same_auth(const struct trunk_entry *e,
                      const struct trunk_reg_params *p)
{
    return strcmp(e->p.password, p->password) == 0
           && strcmp(e->p.realm, p->realm) == 0
           && e->p.expires_s == p->expires_s;
}

static void copy_params(struct trunk_entry *e, const struct trunk_reg_params *p)
{
    explicit_bzero(&e->p, sizeof(e->p));
    e->p = *p;
    server_of(p, &e->server);
    e->expires_s = p->expires_s;
}

static int entry_new(struct trunk_reg_set *s, const struct trunk_reg_params *p,
                     struct trunk_entry **out)
{
    struct trunk_entry *e = calloc(1, sizeof(*e));
    if (e == NULL) {
        return -ENOMEM;
    }
    e->set = s;
    copy_params(e, p);
    e->state = TRUNK_REG_IDLE;
    e->next_ms = UINT64_MAX;
    if (rand_hex(e->call_id, CALL_ID_BYTES) != 0
        || rand_hex(e->from_tag, TAG_BYTES) != 0) {
        entry_free(e);
        return -EIO;
    }
    *out = e;
    return 0;
}

/* Forget 'e', saying goodbye first when it is or may be bound. */
static void entry_retire(struct trunk_entry *e, uint64_t now_ms)
{
    struct trunk_reg_set *s = e->set;
    bool may_be_bound = e->txn != NULL || e->bound_until_ms > now_ms;
    if (e->txn != NULL) {
        sip_txn_client_detach(e->txn, now_ms);
        e->txn = NULL;
    }
    if (!may_be_bound || s->n_leaving >= TRUNK_REG_MAX) {
        entry_free(e);
        return;
    }
    e->is_leaving = true;
    e->sent_auth = false;
    e->next = s->leaving;
    e->prev = NULL;
    if (s->leaving != NULL) {
        s->leaving->prev = e;
    }
    s->leaving = e;
    s->n_leaving++;
    if (send_register(e, NULL, now_ms) != 0) {
        leaving_unlink(e);
        entry_free(e);
        return;
    }
    log_info(&lc, "trunk %s: removed, unregistering", e->p.name);
}

static struct trunk_entry *find(const struct trunk_reg_set *s, int64_t id)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i]->p.id == id) {
            return s->e[i];
        }
    }
    return NULL;
}

enum sync_action { ACT_KEEP, ACT_RESTART, ACT_NEW };

int trunk_reg_set_sync(struct trunk_reg_set *s,
                       const struct trunk_reg_params *p, size_t n,
                       uint64_t now_ms)
{
    if (s == NULL || (n > 0 && p == NULL)) {
        return -EINVAL;
    }
    if (n > TRUNK_REG_MAX) {
        return -E2BIG;
    }
    for (size_t i = 0; i < n; i++) {
        if (!params_ok(&p[i])) {
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++) {
            if (p[j].id == p[i].id) {
                return -EINVAL;
            }
        }
    }
    saw_now(s, now_ms);

    /* Phase 1: decide and allocate; nothing changes yet. */
    struct trunk_entry *next[TRUNK_REG_MAX];
    enum sync_action act[TRUNK_REG_MAX];
    for (size_t i = 0; i < s->n; i++) {
        s->e[i]->is_kept = false;
    }
    for (size_t i = 0; i < n; i++) {
        struct trunk_entry *old = find(s, p[i].id);
        if (old != NULL && same_identity(old, &p[i])) {
            old->is_kept = true;
            next[i] = old;
            act[i] = same_auth(old, &p[i]) ? ACT_KEEP : ACT_RESTART;
            continue;
        }
        int rc = entry_new(s, &p[i], &next[i]);
        if (rc != 0) {
            for (size_t j = 0; j < i; j++) {
                if (act[j] == ACT_NEW) {
                    entry_free(next[j]);
                }
            }
            return rc;
        }
        act[i] = ACT_NEW;
    }

    /* Phase 2: farewell to what is gone (or moved elsewhere). */
    for (size_t i = 0; i < s->n; i++) {
        if (!s->e[i]->is_kept) {
            entry_retire(s->e[i], now_ms);
        }
        s->e[i] = NULL;
    }

    /* Phase 3: the new list; changed and new trunks register now. */
    s->n = n;
    for (size_t i = 0; i < n; i++) {
        struct trunk_entry *e = next[i];
        s->e[i] = e;
        switch (act[i]) {
        case ACT_KEEP:
            memcpy(e->p.name, p[i].name, sizeof(e->p.name));
            break;
        case ACT_RESTART:
            if (e->txn != NULL) {
                sip_txn_client_detach(e->txn, now_ms);
                e->txn = NULL;
            }
            copy_params(e, &p[i]);
            e->state = TRUNK_REG_REGISTERING;
            e->failures = 0;
            log_info(&lc, "trunk %s: settings changed, registering again",
                     e->p.name);
            start_attempt(e, now_ms);
            break;
        case ACT_NEW:
            log_info(&lc, "trunk %s: registering at %s as %s", e->p.name,
                     e->p.host, e->p.user);
            start_attempt(e, now_ms);
            break;
        }
    }
    return 0;
}

uint64_t trunk_reg_set_next_deadline_ms(const struct trunk_reg_set *s)
{
    uint64_t d = UINT64_MAX;
    if (s == NULL) {
        return d;
    }
    for (size_t i = 0; i < s->n; i++) {
        const struct trunk_entry *e = s->e[i];
        if (e->txn == NULL && e->next_ms < d) {
            d = e->next_ms;
        }
    }
    return d;
}

void trunk_reg_set_run(struct trunk_reg_set *s, uint64_t now_ms)
{
    if (s == NULL) {
        return;
    }
    saw_now(s, now_ms);
    for (size_t i = 0; i < s->n; i++) {
        struct trunk_entry *e = s->e[i];
        if (e->txn == NULL && e->next_ms <= now_ms) {
            start_attempt(e, now_ms);
        }
    }
}

size_t trunk_reg_set_status(const struct trunk_reg_set *s,
                            struct trunk_reg_status *out, size_t cap)
{
    if (s == NULL) {
        return 0;
    }
    for (size_t i = 0; i < s->n && i < cap; i++) {
        const struct trunk_entry *e = s->e[i];
        struct trunk_reg_status *o = &out[i];
        memset(o, 0, sizeof(*o));
        o->id = e->p.id;
        memcpy(o->name, e->p.name, sizeof(o->name));
        o->state = e->state;
        o->last_status = e->last_status;
        o->failures = e->failures;
        o->expires_at_ms =
            e->state == TRUNK_REG_REGISTERED ? e->expires_at_wall_ms : 0;
        o->granted_s = e->state == TRUNK_REG_REGISTERED ? e->granted_s : 0;
        o->next_try_ms = e->txn != NULL ? UINT64_MAX : e->next_ms;
        memcpy(o->reason, e->reason, sizeof(o->reason));
    }
    return s->n;
}
