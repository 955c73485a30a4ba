/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shield's verdicts. The configuration (settings, detectors, IP list,
 * User-Agent patterns, rate rules, GeoIP) is one refcounted snapshot; the
 * per-source table and the GeoIP database are shared between snapshots
 * while their settings do not change, so a reload keeps every counter.
 * Bans live in one table of their own, outside the snapshots, so they
 * survive any reload and a flood of spoofed sources cannot evict them.
 */
#include "sec/shield.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "geo/allow.h"
#include "geo/geo.h"
#include "net/addr.h"
#include "sec/event.h"
#include "sec/ua.h"
#include "sip/msg.h"

/* The per-source table, shared by the snapshots built with its size. */
struct tab_holder {
    atomic_uint refs;
    size_t cap;
    struct sec_srctable *t;
};

struct shield_conf {
    struct sec_snap snap;
    struct sec_settings set;
    struct tab_holder *tab;
    struct sec_detect *det;
    struct sec_acl *acl;       /* IP list; NULL when empty */
    struct sec_acl *rate_nets; /* networks with rate rules: id = net id */
    struct sec_ratelimit *rl;  /* NULL when no rules */
    struct sec_ua *ua;
    struct geo_db *geo; /* NULL: GeoIP off */
    struct geo_allow allow;
    size_t n_allow;
    char geo_err[GEO_ERR_CAP]; /* why GeoIP is off although configured */
};

struct sec_shield {
    struct sec_snap_ref ref;
    struct sec_bantable *bans;
    struct sec_net *own;
    size_t n_own;
    struct sec_shield_hooks hooks;
    struct sec_shield_stats stats;
    pthread_mutex_t cfg_lock; /* serialises configure */
    struct shield_conf *last; /* last published (cfg_lock; held ref) */
};

static const char *const drop_names[SEC_DROP_COUNT] = {
    [SEC_DROP_NONE] = "none",     [SEC_DROP_ACL] = "acl",
    [SEC_DROP_BAN] = "ban",       [SEC_DROP_GEO] = "geo",
    [SEC_DROP_FLOOD] = "flood",   [SEC_DROP_UA] = "ua",
    [SEC_DROP_METHOD] = "method", [SEC_DROP_AUTH] = "auth",
};

const char *sec_drop_name(enum sec_drop d)
{
    return (unsigned)d < SEC_DROP_COUNT ? drop_names[d] : "?";
}

static void inc(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static int64_t wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (int64_t)ts.tv_sec;
}

/* ---- configuration snapshots ------------------------------------------ */

static void tab_release(struct tab_holder *h)
{
    if (h && atomic_fetch_sub(&h->refs, 1) == 1) {
        sec_srctable_free(h->t);
        free(h);
    }
}

static void conf_free(struct sec_snap *snap)
{
    struct shield_conf *c = (struct shield_conf *)snap;
    sec_detect_free(c->det);
    tab_release(c->tab);
    sec_acl_release(c->acl);
    sec_acl_release(c->rate_nets);
    sec_ratelimit_free(c->rl);
    sec_ua_release(c->ua);
    geo_db_release(c->geo);
    free(c);
}

int sec_shield_new(const struct sec_net *own, size_t n_own,
                   const struct sec_shield_hooks *hooks,
                   struct sec_shield **out)
{
    struct sec_shield *sh = calloc(1, sizeof(*sh));
    if (!sh) {
        return -ENOMEM;
    }
    if (n_own) {
        sh->own = calloc(n_own, sizeof(*own));
        if (!sh->own) {
            free(sh);
            return -ENOMEM;
        }
        memcpy(sh->own, own, n_own * sizeof(*own));
        sh->n_own = n_own;
    }
    if (hooks) {
        sh->hooks = *hooks;
    }
    int rc = sec_snap_ref_init(&sh->ref);
    if (rc == 0) {
        rc = sec_bantable_new(65536, &sh->bans);
    }
    if (rc != 0 || pthread_mutex_init(&sh->cfg_lock, NULL) != 0) {
        sec_bantable_free(sh->bans);
        free(sh->own);
        free(sh);
        return rc ? rc : -ENOMEM;
    }
    *out = sh;
    return 0;
}

void sec_shield_free(struct sec_shield *sh)
{
    if (!sh) {
        return;
    }
    if (sh->last) {
        sec_snap_release(&sh->last->snap);
    }
    sec_snap_ref_fini(&sh->ref);
    sec_bantable_free(sh->bans);
    pthread_mutex_destroy(&sh->cfg_lock);
    free(sh->own);
    free(sh);
}

static int build_rates(struct shield_conf *c, const struct sec_shield_input *in,
                       char *err, size_t cap)
{
    if (in->n_rates == 0) {
        return 0;
    }
    struct sec_acl_entry *nets = calloc(in->n_rates, sizeof(*nets));
    struct sec_rl_rule *rules = calloc(in->n_rates, sizeof(*rules));
    size_t n_nets = 0;
    int rc = -ENOMEM;
    if (!nets || !rules) {
        goto out;
    }
    for (size_t i = 0; i < in->n_rates; i++) {
        const struct sec_shield_rate *r = &in->rates[i];
        size_t id = 0;
        while (id < n_nets && !sec_net_eq(&nets[id].net, &r->net)) {
            id++;
        }
        if (id == n_nets) {
            if (n_nets == 255) {
                snprintf(err, cap, "more than 255 rate-limited networks");
                rc = -EINVAL;
                goto out;
            }
            rc = sec_acl_entry_set(&nets[n_nets], &r->net, SEC_ACL_BLOCK,
                                   (int64_t)(n_nets + 1), SV_NULL);
            if (rc != 0) {
                snprintf(err, cap, "bad rate rule network");
                goto out;
            }
            n_nets++;
        }
        rules[i].net_id = (uint8_t)(id + 1);
        memcpy(rules[i].method, r->method, sizeof(rules[i].method));
        rules[i].method[sizeof(rules[i].method) - 1] = '\0';
        rules[i].rate = r->rate;
        rules[i].period_s = r->period_s;
        rules[i].burst = r->burst;
    }
    size_t bad = 0;
    rc = sec_acl_build(nets, n_nets, &c->rate_nets, &bad);
    if (rc == 0) {
        rc = sec_ratelimit_new(rules, in->n_rates, &c->rl, &bad);
        if (rc != 0) {
            snprintf(err, cap, "rate rule %zu (%s) refused: %s", bad,
                     rules[bad].method, strerror(-rc));
        }
    } else {
        snprintf(err, cap, "rate networks refused: %s", strerror(-rc));
    }
out:
    free(nets);
    free(rules);
    return rc;
}

static int build_lists(struct shield_conf *c, const struct sec_shield_input *in,
                       char *err, size_t cap)
{
    size_t bad = 0;
    int rc = 0;
    if (in->n_acl) {
        rc = sec_acl_build(in->acl, in->n_acl, &c->acl, &bad);
        if (rc != 0) {
            char net[SEC_NET_FMT_CAP];
            snprintf(err, cap, "IP list entry %s refused: %s",
                     sec_net_fmt(&in->acl[bad].net, net, sizeof(net)),
                     strerror(-rc));
            return rc;
        }
    }
    rc = sec_ua_build(in->ua, in->n_ua, &c->ua, &bad);
    if (rc != 0) {
        snprintf(err, cap, "User-Agent pattern %zu refused: %s", bad,
                 strerror(-rc));
        return rc;
    }
    for (size_t i = 0; i < in->n_countries; i++) {
        if (geo_allow_add(&c->allow, in->countries[i]) != 0) {
            snprintf(err, cap, "bad country code '%.2s'", in->countries[i]);
            return -EINVAL;
        }
    }
    c->n_allow = geo_allow_count(&c->allow);
    return build_rates(c, in, err, cap);
}

/* Per-source table: the previous one when its size is unchanged. */
static int take_table(struct sec_shield *sh, struct shield_conf *c,
                      uint64_t now_ms)
{
    size_t cap = c->set.source_table_size;
    if (sh->last && sh->last->tab->cap == cap) {
        c->tab = sh->last->tab;
        atomic_fetch_add(&c->tab->refs, 1);
        return 0;
    }
    struct tab_holder *h = calloc(1, sizeof(*h));
    if (!h) {
        return -ENOMEM;
    }
    int rc = sec_srctable_new(cap, now_ms, &h->t);
    if (rc != 0) {
        free(h);
        return rc;
    }
    h->cap = cap;
    atomic_init(&h->refs, 1);
    c->tab = h;
    return 0;
}

/* GeoIP database: the open one when the path is unchanged. */
static void take_geo(struct sec_shield *sh, struct shield_conf *c)
{
    if (c->set.geoip_db[0] == '\0') {
        return;
    }
    if (sh->last && sh->last->geo
        && strcmp(sh->last->set.geoip_db, c->set.geoip_db) == 0) {
        c->geo = sh->last->geo;
        geo_db_hold(c->geo);
        return;
    }
    char err[GEO_ERR_CAP];
    if (geo_db_open(c->set.geoip_db, &c->geo, err, sizeof(err)) != 0) {
        c->geo = NULL;
        snprintf(c->geo_err, sizeof(c->geo_err), "%s", err);
    }
}

int sec_shield_configure(struct sec_shield *sh,
                         const struct sec_shield_input *in, uint64_t now_ms,
                         char *err, size_t err_cap, char *warn, size_t warn_cap)
{
    char ebuf[SEC_SETTINGS_ERR_CAP];
    if (!err || err_cap == 0) {
        err = ebuf;
        err_cap = sizeof(ebuf);
    }
    err[0] = '\0';
    if (warn && warn_cap) {
        warn[0] = '\0';
    }
    int rc = sec_settings_check(in->set, err, err_cap);
    if (rc != 0) {
        return rc;
    }
    struct shield_conf *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, err_cap, "out of memory");
        return -ENOMEM;
    }
    sec_snap_init(&c->snap, conf_free);
    c->set = *in->set;

    pthread_mutex_lock(&sh->cfg_lock);
    rc = build_lists(c, in, err, err_cap);
    if (rc == 0) {
        rc = take_table(sh, c, now_ms);
        if (rc != 0) {
            snprintf(err, err_cap, "per-source table of %u entries: %s",
                     c->set.source_table_size, strerror(-rc));
        }
    }
    if (rc == 0) {
        rc = sec_detect_new(&c->set.det, c->tab->t, &c->det);
        if (rc != 0) {
            snprintf(err, err_cap, "detector settings refused: %s",
                     strerror(-rc));
        }
    }
    if (rc != 0) {
        pthread_mutex_unlock(&sh->cfg_lock);
        sec_snap_release(&c->snap);
        return rc;
    }
    take_geo(sh, c);
    if (c->geo_err[0] && warn && warn_cap) {
        snprintf(warn, warn_cap, "GeoIP off: %s", c->geo_err);
    }
    sec_ev_set_limit(c->set.events_per_s);
    /* The ban table's bound follows max_bans; bans above a lowered bound
     * stay until they expire. */
    sec_bantable_set_cap(sh->bans, c->set.max_bans);

    sec_snap_hold(&c->snap);
    if (sh->last) {
        sec_snap_release(&sh->last->snap);
    }
    sh->last = c;
    sec_snap_ref_publish(&sh->ref, &c->snap);
    pthread_mutex_unlock(&sh->cfg_lock);
    return 0;
}

void sec_shield_view_fini(struct sec_shield_view *v)
{
    sec_snap_view_fini(&v->v);
}

/* ---- bans --------------------------------------------------------------- */

static void copy_sv(char *dst, size_t cap, struct sv v)
{
    size_t n = v.len < cap - 1 ? v.len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v.p[i];
        dst[i] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    dst[n] = '\0';
}

/* The sample of a packet-level ban: the packet is parsed only now (bans
 * are rare); what does not parse leaves the sample empty but for the
 * first token. */
static void sample_raw(struct sv raw, struct sec_ban_sample *s)
{
    struct sip_msg *msg = malloc(sizeof(*msg));
    struct sip_err err;
    if (msg && sip_msg_parse(msg, raw, &err) == SIP_PARSE_OK
        && msg->is_request) {
        const struct sip_hdr *ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
        copy_sv(s->method, sizeof(s->method), msg->method_name);
        copy_sv(s->ruri, sizeof(s->ruri), msg->ruri_raw);
        copy_sv(s->from_user, sizeof(s->from_user), msg->from.uri.user);
        copy_sv(s->ua, sizeof(s->ua), ua ? ua->value : SV_NULL);
    } else {
        /* Method and Request-URI: the first two tokens. */
        size_t n = raw.len > 512 ? 512 : raw.len;
        size_t i = 0;
        while (i < n && raw.p[i] != ' ' && raw.p[i] != '\r'
               && raw.p[i] != '\n') {
            i++;
        }
        copy_sv(s->method, sizeof(s->method), sv_make(raw.p, i));
        if (i < n && raw.p[i] == ' ') {
            size_t u0 = ++i;
            while (i < n && raw.p[i] != ' ' && raw.p[i] != '\r'
                   && raw.p[i] != '\n') {
                i++;
            }
            copy_sv(s->ruri, sizeof(s->ruri), sv_make(raw.p + u0, i - u0));
        }
    }
    free(msg);
}

static bool is_own(const struct sec_shield *sh, const struct sec_net *net)
{
    for (size_t i = 0; i < sh->n_own; i++) {
        if (sec_net_overlaps(net, &sh->own[i])) {
            return true;
        }
    }
    return false;
}

/* The server talking to itself (health checks, a local SBC, tests) is
 * trusted like a whitelisted address. */
static bool is_own_addr(const struct sec_shield *sh, const struct net_addr *a)
{
    for (size_t i = 0; i < sh->n_own; i++) {
        if (sec_net_covers(&sh->own[i], a)) {
            return true;
        }
    }
    return false;
}

static void log_ban(const struct sec_ban *b, const char *src)
{
    char net[SEC_NET_FMT_CAP];
    char ruri[LOG_ESC_CAP];
    char user[LOG_ESC_CAP];
    char ua[LOG_ESC_CAP];
    log_escape(sv_cstr(b->sample.ruri), ruri, sizeof(ruri));
    log_escape(sv_cstr(b->sample.from_user), user, sizeof(user));
    log_escape(sv_cstr(b->sample.ua), ua, sizeof(ua));
    sec_ev_log(SEC_EV_BAN,
               "src=%s net=%s reason=%s threshold=%u count=%u window_s=%u "
               "ban_s=%lld expires=%lld method=%s ruri=\"%s\" "
               "from_user=\"%s\" ua=\"%s\"",
               src, sec_net_fmt(&b->net, net, sizeof(net)),
               sec_reason_name((enum sec_reason)b->reason), b->threshold,
               b->count, b->window_s,
               (long long)(b->expires_at - b->created_at),
               (long long)b->expires_at,
               b->sample.method[0] ? b->sample.method : "-", ruri, user, ua);
}

/* Store a new ban, log it and tell the hooks. Returns 0 or -ENOSPC. */
static int put_ban(struct sec_shield *sh, const struct sec_ban *b,
                   const char *ip)
{
    int rc = sec_bantable_put(sh->bans, b);
    if (rc == -ENOSPC) {
        inc(&sh->stats.bans_full);
        const struct log_ctx lc = { "shield", ip };
        log_warn_rl(&lc, "ban table full (max_bans): %s not banned",
                    sec_reason_name((enum sec_reason)b->reason));
        return rc;
    }
    if (rc != SEC_BAN_NEW && rc != SEC_BAN_LONGER) {
        return 0;
    }
    inc(&sh->stats.bans_total);
    log_ban(b, ip);
    if (sh->hooks.on_ban) {
        sh->hooks.on_ban(sh->hooks.ud, b);
    }
    return 0;
}

/* Turn a SEC_BAN decision into a ban: stored, logged, hooks told. */
static void make_ban(struct sec_shield *sh, const struct sec_pkt *p,
                     const struct sec_decision *d,
                     const struct sec_req_info *req)
{
    struct sec_ban b;
    memset(&b, 0, sizeof(b));
    unsigned prefix = d->prefix_len ? d->prefix_len : 128;
    if (sec_net_from_addr(p->src, prefix, &b.net) != 0
        && sec_net_from_addr(p->src, 32, &b.net) != 0) {
        return;
    }
    char ip[NET_ADDR_FMT_CAP];
    net_addr_ip_fmt(p->src, ip, sizeof(ip));
    if (is_own(sh, &b.net)) {
        inc(&sh->stats.bans_own);
        const struct log_ctx lc = { "shield", ip };
        log_warn_rl(&lc, "not banning one of the server's own addresses (%s)",
                    sec_reason_name(d->reason));
        return;
    }
    int64_t now = wall_s();
    b.reason = (int)d->reason;
    b.threshold = d->threshold;
    b.count = d->count;
    b.window_s = d->window_ms / 1000 ? d->window_ms / 1000 : 1;
    uint64_t first_ago = p->now_ms > d->first_seen_ms
                             ? (p->now_ms - d->first_seen_ms) / 1000
                             : 0;
    uint64_t last_ago =
        p->now_ms > d->last_seen_ms ? (p->now_ms - d->last_seen_ms) / 1000 : 0;
    b.first_seen = now - (int64_t)first_ago;
    b.last_seen = now - (int64_t)last_ago;
    b.created_at = now;
    b.expires_at = now + (int64_t)d->ban_s;
    if (req) {
        copy_sv(b.sample.method, sizeof(b.sample.method), req->method);
        copy_sv(b.sample.ruri, sizeof(b.sample.ruri), req->ruri);
        copy_sv(b.sample.from_user, sizeof(b.sample.from_user), req->from_user);
        copy_sv(b.sample.ua, sizeof(b.sample.ua), req->ua);
    } else {
        sample_raw(p->raw, &b.sample);
    }
    put_ban(sh, &b, ip);
}

int sec_shield_ban(struct sec_shield *sh, const struct net_addr *src,
                   enum sec_reason reason, uint32_t threshold, uint32_t count,
                   uint32_t window_s, uint32_t ban_s, const char *sample)
{
    struct sec_ban b;
    memset(&b, 0, sizeof(b));
    /* IPv6 offenders are banned by /64, like the detectors do */
    unsigned prefix = net_addr_family(src) == AF_INET6 ? 64 : 32;
    if (ban_s == 0 || reason <= SEC_REASON_NONE || reason >= SEC_REASON_COUNT
        || sec_net_from_addr(src, prefix, &b.net) != 0) {
        return -EINVAL;
    }
    char ip[NET_ADDR_FMT_CAP];
    net_addr_ip_fmt(src, ip, sizeof(ip));
    if (is_own(sh, &b.net)) {
        inc(&sh->stats.bans_own);
        return -EPERM;
    }
    int64_t now = wall_s();
    b.reason = (int)reason;
    b.threshold = threshold;
    b.count = count;
    b.window_s = window_s ? window_s : 1;
    b.first_seen = now - (int64_t)b.window_s;
    b.last_seen = now;
    b.created_at = now;
    b.expires_at = now + (int64_t)ban_s;
    if (sample) {
        copy_sv(b.sample.method, sizeof(b.sample.method), sv_cstr(sample));
    }
    return put_ban(sh, &b, ip);
}

/* The address of a host network, for the detectors. */
static int host_addr(const struct sec_net *net, struct net_addr *a)
{
    if (net->family == AF_INET && net->prefix == 32) {
        struct sockaddr_in sin = { .sin_family = AF_INET };
        memcpy(&sin.sin_addr, net->addr, 4);
        return net_addr_from_sa(a, (const struct sockaddr *)&sin, sizeof(sin));
    }
    if (net->family == AF_INET6 && net->prefix == 128) {
        struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
        memcpy(&sin6.sin6_addr, net->addr, 16);
        return net_addr_from_sa(a, (const struct sockaddr *)&sin6,
                                sizeof(sin6));
    }
    return -EINVAL;
}

static void log_unban(const struct sec_ban *b, const char *cause)
{
    char net[SEC_NET_FMT_CAP];
    char ip[SEC_NET_FMT_CAP];
    sec_net_fmt(&b->net, net, sizeof(net));
    /* src= is the address without its prefix length. */
    snprintf(ip, sizeof(ip), "%s", net);
    char *slash = strchr(ip, '/');
    if (slash) {
        *slash = '\0';
    }
    sec_ev_log(SEC_EV_UNBAN, "src=%s net=%s reason=%s cause=%s", ip, net,
               sec_reason_name((enum sec_reason)b->reason), cause);
}

struct expire_ctx {
    struct sec_shield *sh;
};

static void on_expired(void *ud, const struct sec_ban *b)
{
    struct expire_ctx *x = ud;
    log_unban(b, "expired");
    if (x->sh->hooks.on_unban) {
        x->sh->hooks.on_unban(x->sh->hooks.ud, b, "expired");
    }
}

size_t sec_shield_expire(struct sec_shield *sh, int64_t now_s)
{
    struct expire_ctx x = { sh };
    return sec_bantable_expire(sh->bans, now_s, on_expired, &x);
}

int sec_shield_lift(struct sec_shield *sh, const struct sec_net *net)
{
    struct sec_ban b;
    int rc = sec_bantable_del(sh->bans, net, &b);
    /* The detectors may still hold the source banned (or counting): a
     * lift is a fresh start, whether the table had the ban or not. */
    struct shield_conf *c =
        (struct shield_conf *)sec_snap_ref_acquire(&sh->ref);
    if (c) {
        struct net_addr a;
        if (host_addr(net, &a) == 0) {
            sec_detect_lift(c->det, &a);
        }
        sec_snap_release(&c->snap);
    }
    if (rc != 0) {
        return rc;
    }
    log_unban(&b, "lifted");
    if (sh->hooks.on_unban) {
        sh->hooks.on_unban(sh->hooks.ud, &b, "lifted");
    }
    return 0;
}

int sec_shield_restore(struct sec_shield *sh, const struct sec_ban *b)
{
    return sec_bantable_put(sh->bans, b);
}

struct sec_bantable *sec_shield_bans(struct sec_shield *sh)
{
    return sh->bans;
}

const struct sec_shield_stats *sec_shield_stats(const struct sec_shield *sh)
{
    return &sh->stats;
}

void sec_shield_table_stats(struct sec_shield *sh,
                            struct sec_srctable_stats *out)
{
    memset(out, 0, sizeof(*out));
    struct shield_conf *c =
        (struct shield_conf *)sec_snap_ref_acquire(&sh->ref);
    if (c) {
        sec_srctable_stats(c->tab->t, out);
        sec_snap_release(&c->snap);
    }
}

void sec_shield_geo_status(struct sec_shield *sh, char *buf, size_t cap)
{
    struct shield_conf *c =
        (struct shield_conf *)sec_snap_ref_acquire(&sh->ref);
    if (!c) {
        snprintf(buf, cap, "off");
        return;
    }
    if (c->geo) {
        snprintf(buf, cap, "on (%s, %zu countries allowed%s)",
                 geo_db_type(c->geo), c->n_allow, c->n_allow ? "" : ": all");
    } else if (c->geo_err[0]) {
        snprintf(buf, cap, "off: %s", c->geo_err);
    } else {
        snprintf(buf, cap, "off");
    }
    sec_snap_release(&c->snap);
}

/* ---- verdicts ----------------------------------------------------------- */

static enum sec_drop drop(struct sec_shield *sh, enum sec_drop why)
{
    inc(&sh->stats.drops[why]);
    return why;
}

enum sec_drop sec_shield_packet(struct sec_shield *sh,
                                struct sec_shield_view *view,
                                const struct net_addr *src, struct sv raw,
                                uint64_t now_ms, struct sec_pkt *p)
{
    const struct shield_conf *c =
        (const struct shield_conf *)sec_snap_view_get(&view->v, &sh->ref);
    memset(p, 0, sizeof(*p));
    p->conf = c;
    p->src = src;
    p->raw = raw;
    p->now_ms = now_ms;
    inc(&sh->stats.packets);
    if (!c) {
        return SEC_DROP_NONE;
    }

    /* 1. Whitelist and blacklist. */
    const struct sec_acl_entry *e = sec_acl_lookup(c->acl, src);
    if (e && e->action == SEC_ACL_BLOCK) {
        char ip[NET_ADDR_FMT_CAP];
        char net[SEC_NET_FMT_CAP];
        sec_ev_log(SEC_EV_ACL_DROP, "src=%s net=%s",
                   net_addr_ip_fmt(src, ip, sizeof(ip)),
                   sec_net_fmt(&e->net, net, sizeof(net)));
        return drop(sh, SEC_DROP_ACL);
    }
    if ((e && e->action == SEC_ACL_ALLOW) || is_own_addr(sh, src)) {
        p->flags |= SEC_DETECT_TRUSTED;
    }

    /* 2. Active bans (a whitelisted source is never under one). The
     * packet still counts towards Level 2, so a flood that goes on under
     * a Level 1 ban is banned for the Level 2 time. */
    struct sec_decision d;
    if (!(p->flags & SEC_DETECT_TRUSTED) && sec_bantable_count(sh->bans) > 0
        && sec_bantable_check(sh->bans, src, wall_s(), NULL)) {
        if (sec_detect_packet(c->det, src, p->flags, now_ms, &d) == SEC_BAN) {
            make_ban(sh, p, &d, NULL);
        }
        return drop(sh, SEC_DROP_BAN);
    }

    /* 3. GeoIP. */
    if (c->geo && c->n_allow && !(p->flags & SEC_DETECT_TRUSTED)) {
        char cc[3];
        int rc = geo_db_country(c->geo, src, cc);
        bool ok =
            rc == 0 ? geo_allow_has(&c->allow, cc) : !c->set.geo_unknown_block;
        if (!ok) {
            char ip[NET_ADDR_FMT_CAP];
            sec_ev_log(SEC_EV_GEO_DROP, "src=%s country=%s",
                       net_addr_ip_fmt(src, ip, sizeof(ip)),
                       rc == 0 ? cc : "unknown");
            return drop(sh, SEC_DROP_GEO);
        }
    }

    /* 4. Level 1 / Level 2 packet rates. */
    switch (sec_detect_packet(c->det, src, p->flags, now_ms, &d)) {
    case SEC_OK:
    case SEC_USER_BLOCKED:
        return SEC_DROP_NONE;
    case SEC_RATE_LIMITED:
    case SEC_BANNED:
        return drop(sh, SEC_DROP_FLOOD);
    case SEC_BAN:
        make_ban(sh, p, &d, NULL);
        {
            char ip[NET_ADDR_FMT_CAP];
            sec_ev_log(SEC_EV_RATE_LIMIT, "src=%s rule=%s pps=%u limit=%u",
                       net_addr_ip_fmt(src, ip, sizeof(ip)),
                       sec_reason_name(d.reason), d.count, d.threshold);
        }
        return drop(sh, SEC_DROP_FLOOD);
    }
    return SEC_DROP_NONE;
}

enum sec_drop sec_shield_request(struct sec_shield *sh, struct sec_pkt *p,
                                 const struct sec_req_info *req)
{
    const struct shield_conf *c = p->conf;
    if (!c) {
        return SEC_DROP_NONE;
    }
    struct sec_req r = { .method = req->method, .ua = SEC_REQ_UA_OK };
    int pat = -1;
    if (!req->has_ua) {
        r.ua = SEC_REQ_UA_MISSING;
    } else if ((pat = sec_ua_match(c->ua, req->ua)) >= 0) {
        r.ua = SEC_REQ_UA_BAD;
    }
    if (c->rl) {
        const struct sec_acl_entry *e = sec_acl_lookup(c->rate_nets, p->src);
        if (e) {
            r.rl = c->rl;
            r.rl_net = (uint8_t)e->id;
        }
    }
    struct sec_decision d;
    enum sec_verdict v =
        sec_detect_request(c->det, p->src, p->flags, &r, p->now_ms, &d);
    if (r.ua == SEC_REQ_UA_BAD && !(p->flags & SEC_DETECT_TRUSTED)) {
        char ip[NET_ADDR_FMT_CAP];
        char ua[LOG_ESC_CAP];
        char pattern[LOG_ESC_CAP];
        log_escape(req->ua, ua, sizeof(ua));
        log_escape(sec_ua_pattern(c->ua, (size_t)pat), pattern,
                   sizeof(pattern));
        sec_ev_log(SEC_EV_UA_MATCH, "src=%s ua=\"%s\" pattern=\"%s\"",
                   net_addr_ip_fmt(p->src, ip, sizeof(ip)), ua, pattern);
    }
    switch (v) {
    case SEC_OK:
    case SEC_USER_BLOCKED:
        return SEC_DROP_NONE;
    case SEC_BANNED:
        return drop(sh, SEC_DROP_BAN);
    case SEC_RATE_LIMITED:
    case SEC_BAN:
        break;
    }
    enum sec_drop why =
        d.reason == SEC_REASON_METHOD_RATE ? SEC_DROP_METHOD : SEC_DROP_UA;
    if (v == SEC_BAN) {
        make_ban(sh, p, &d, req);
    } else if (d.reason == SEC_REASON_METHOD_RATE) {
        char ip[NET_ADDR_FMT_CAP];
        char method[LOG_ESC_CAP];
        log_escape(req->method, method, sizeof(method));
        sec_ev_log(SEC_EV_RATE_LIMIT,
                   "src=%s rule=method_rate method=%s retry_after_ms=%u",
                   net_addr_ip_fmt(p->src, ip, sizeof(ip)), method,
                   d.retry_after_ms);
    }
    return drop(sh, why);
}

enum sec_gate sec_shield_auth(struct sec_shield *sh, struct sec_pkt *p,
                              const struct sec_req_info *req, struct sv user,
                              struct sv tenant, enum sec_auth result)
{
    const struct shield_conf *c = p->conf;
    if (!c) {
        return SEC_GATE_PASS;
    }
    struct sec_decision d;
    enum sec_verdict v = sec_detect_auth(c->det, p->src, user, tenant, result,
                                         p->flags, p->now_ms, &d);
    char ip[NET_ADDR_FMT_CAP];
    char u[LOG_ESC_CAP];
    char t[LOG_ESC_CAP];
    if (result == SEC_AUTH_FAILED || v == SEC_USER_BLOCKED) {
        char ua[LOG_ESC_CAP];
        net_addr_ip_fmt(p->src, ip, sizeof(ip));
        log_escape(user, u, sizeof(u));
        log_escape(tenant, t, sizeof(t));
        log_escape(req ? req->ua : SV_NULL, ua, sizeof(ua));
        if (result == SEC_AUTH_FAILED) {
            sec_ev_log(SEC_EV_AUTH_FAILURE,
                       "src=%s user=\"%s\" domain=\"%s\" method=%.*s "
                       "ua=\"%s\"",
                       ip, u, t, (int)(req ? req->method.len : 0),
                       req ? req->method.p : "", ua);
        }
    }
    switch (v) {
    case SEC_USER_BLOCKED:
        inc(&sh->stats.user_blocked);
        sec_ev_log(SEC_EV_USER_BLOCKED,
                   "src=%s user=\"%s\" domain=\"%s\" failures=%u "
                   "block_s=%u",
                   ip, u, t, d.count, d.ban_s);
        return SEC_GATE_FORBID;
    case SEC_BAN:
        make_ban(sh, p, &d, req);
        drop(sh, SEC_DROP_AUTH);
        return SEC_GATE_DROP;
    case SEC_BANNED:
        drop(sh, SEC_DROP_AUTH);
        return SEC_GATE_DROP;
    case SEC_OK:
    case SEC_RATE_LIMITED:
        break;
    }
    return SEC_GATE_PASS;
}

void sec_shield_challenge(struct sec_shield *sh, struct sec_pkt *p,
                          const struct sec_req_info *req)
{
    const struct shield_conf *c = p->conf;
    if (!c) {
        return;
    }
    struct sec_decision d;
    if (sec_detect_challenge(c->det, p->src, p->flags, p->now_ms, &d)
        == SEC_BAN) {
        char ip[NET_ADDR_FMT_CAP];
        sec_ev_log(
            SEC_EV_CHALLENGE_FAILURE, "src=%s unanswered=%u threshold=%u",
            net_addr_ip_fmt(p->src, ip, sizeof(ip)), d.count, d.threshold);
        make_ban(sh, p, &d, req);
    }
}
