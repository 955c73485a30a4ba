/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building the call policy's snapshot from the store: per tenant its
 * country profile, time zone, office hours and holidays, outbound rules,
 * concurrency limits and fraud thresholds; the trunks with their resolved
 * addresses, networks and limits; every inbound rule; group memberships;
 * the call-rate rule set; active suspensions. A stored value the routing
 * code cannot use is logged with what it is and left out, never guessed.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "calls/calls_int.h"
#include "net/tls.h"
#include "reg/digest.h"
#include "route/tz.h"

static const struct log_ctx lc = { "calls", NULL };

/* A growing array of 'size'-byte items. */
struct vec {
    void *p;
    size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        void *p = realloc(v->p, cap * v->size);
        if (p == NULL) {
            return NULL;
        }
        v->p = p;
        v->cap = cap;
    }
    void *it = (char *)v->p + v->n * v->size;
    memset(it, 0, v->size);
    v->n++;
    return it;
}

struct load {
    struct calls_engine *e;
    struct store *st;
    struct calls_snap *s;
    struct calls_tenant *t; /* tenant being loaded */
    struct vec tenants, trunks, tlimits, inbound, inbound_tenant, members, rate,
        cc, user_fraud, susp, out;
    int err;
};

/* Copy 'src' (NULL: "") into 'dst', cut to cap - 1 bytes. */
static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strnlen(src, cap - 1) : 0;
    if (n) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
}

/* ---- tenants ----------------------------------------------------------- */

static int tenant_cb(void *ud, const struct store_tenant *st)
{
    struct load *l = ud;
    struct calls_tenant *t = vec_push(&l->tenants);
    if (t == NULL) {
        return -ENOMEM;
    }
    t->id = st->id;
    copy_str(t->domain, sizeof(t->domain), st->domain);
    t->media = st->pol.media_policy;
    return 0;
}

struct list_ctx {
    struct load *l;
    enum store_list_kind kind;
};

static int list_item(void *ud, const struct store_list_item *it)
{
    struct list_ctx *x = ud;
    struct calls_tenant *t = x->l->t;
    int rc = 0;
    switch (x->kind) {
    case STORE_LIST_COUNTRY:
        rc = route_profile_allow_cc(&t->prof, it->value);
        break;
    case STORE_LIST_PREFIX:
        rc = route_profile_disallow(&t->prof, it->value);
        break;
    case STORE_LIST_EMERGENCY:
        rc = route_profile_add_emergency(&t->prof, it->value);
        break;
    case STORE_LIST_HOLIDAY:
        rc = route_hours_add_holiday_spec(&t->hours, sv_cstr(it->value));
        if (rc == 0) {
            t->has_hours = true;
        }
        break;
    }
    if (rc != 0) {
        log_warn(&lc, "tenant %s: %s '%s' not used: %s", t->domain,
                 store_list_kind_name(x->kind), it->value, strerror(-rc));
    }
    return 0;
}

static int hours_cb(void *ud, const struct store_hours *h)
{
    struct calls_tenant *t = ud;
    int rc =
        route_hours_add_range(&t->hours, h->weekday, h->start_min, h->end_min);
    if (rc != 0) {
        log_warn(&lc, "tenant %s: office hours of day %u not used: %s",
                 t->domain, h->weekday, strerror(-rc));
    } else {
        t->has_hours = true;
    }
    return 0;
}

static int outbound_cb(void *ud, const struct store_outbound_rule *r)
{
    struct load *l = ud;
    struct route_outbound_rule *o = vec_push(&l->out);
    if (o == NULL) {
        return -ENOMEM;
    }
    o->id = r->id;
    copy_str(o->name, sizeof(o->name), r->name);
    o->priority = (int32_t)r->position;
    o->match_on = ROUTE_MATCH_DIALED;
    bool fits = strlen(r->prefix) <= ROUTE_RULE_PREFIX_MAX
                && strlen(r->prepend) <= ROUTE_RULE_PREPEND_MAX
                && r->min_len <= 255 && r->max_len <= 255 && r->strip <= 255;
    copy_str(o->prefix, sizeof(o->prefix), r->prefix);
    copy_str(o->prepend, sizeof(o->prepend), r->prepend);
    o->min_len = (uint8_t)r->min_len;
    o->max_len = (uint8_t)r->max_len;
    o->roles = r->roles;
    for (uint32_t i = 0; i < r->n_groups && i < ROUTE_RULE_MAX_GROUPS; i++) {
        o->groups[o->n_groups++] = r->group_ids[i];
    }
    o->office_hours_only = r->office_hours_only;
    o->strip = (uint8_t)r->strip;
    for (uint32_t i = 0; i < r->n_trunks && i < ROUTE_RULE_MAX_TRUNKS; i++) {
        o->trunks[o->n_trunks++] = r->trunk_ids[i];
    }
    if (!fits || route_outbound_rule_check(o) != 0) {
        log_warn(&lc, "tenant %s: outbound rule '%s' not used: out of range",
                 l->t->domain, r->name);
        l->out.n--;
    }
    return 0;
}

static enum limits_scope rate_scope(enum store_limit_scope s)
{
    switch (s) {
    case STORE_LIMIT_USER:
        return LIMITS_SCOPE_USER;
    case STORE_LIMIT_GROUP:
        return LIMITS_SCOPE_GROUP;
    case STORE_LIMIT_TENANT:
        break;
    }
    return LIMITS_SCOPE_TENANT;
}

static int limit_cb(void *ud, const struct store_call_limit *sl)
{
    struct load *l = ud;
    if (sl->calls > 0) {
        struct limits_callrate_rule *r = vec_push(&l->rate);
        if (r == NULL) {
            return -ENOMEM;
        }
        r->id = (uint32_t)sl->id;
        r->scope = rate_scope(sl->scope);
        r->tenant_id = sl->tenant_id;
        r->subject_id = sl->scope == STORE_LIMIT_TENANT ? 0 : sl->target_id;
        r->calls = sl->calls;
        r->period_s = sl->period_s;
        if (sl->has_window) {
            r->from_min = (uint16_t)sl->start_min;
            r->to_min = (uint16_t)(sl->end_min % 1440);
        }
    }
    if (sl->max_concurrent > 0) {
        struct calls_cc_limit *c = vec_push(&l->cc);
        if (c == NULL) {
            return -ENOMEM;
        }
        c->scope = sl->scope;
        c->target_id = sl->target_id;
        c->max = sl->max_concurrent;
        c->has_window = sl->has_window;
        c->start_min = (uint16_t)sl->start_min;
        c->end_min = (uint16_t)sl->end_min;
    }
    return 0;
}

/* The watch's window index for a stored window length, or -1. */
static int fraud_window(const struct calls_engine *e, uint32_t window_s)
{
    for (int i = 0; i < LIMITS_FRAUD_WINDOWS; i++) {
        if (e->fraud_settings.window_s[i] == window_s && window_s != 0) {
            return i;
        }
    }
    return -1;
}

static int fraud_cb(void *ud, const struct store_fraud_rule *f)
{
    struct load *l = ud;
    struct calls_tenant *t = l->t;
    int w = fraud_window(l->e, f->window_s);
    if (w < 0 || f->metric > STORE_FRAUD_AFTER_HOURS) {
        log_warn(&lc,
                 "tenant %s: fraud rule %lld not used: window %u s is "
                 "not one the watch keeps (3600 or 86400)",
                 t->domain, (long long)f->id, f->window_s);
        return 0;
    }
    /* store metric values equal the watch's */
    struct limits_fraud_thr thr = { f->warning, f->critical };
    if (f->user_id == 0) {
        t->fraud.thr[LIMITS_FRAUD_SCOPE_TENANT][w][f->metric] = thr;
        return 0;
    }
    struct calls_user_fraud *u = NULL;
    struct calls_user_fraud *all = l->user_fraud.p;
    for (size_t i = 0; i < l->user_fraud.n; i++) {
        if (all[i].user_id == f->user_id) {
            u = &all[i];
        }
    }
    if (u == NULL) {
        u = vec_push(&l->user_fraud);
        if (u == NULL) {
            return -ENOMEM;
        }
        u->user_id = f->user_id;
        /* the ext thresholds start from the defaults; the tenant scope
         * is filled in after all rules are read */
        u->policy = l->e->fraud_settings.policy;
    }
    u->policy.thr[LIMITS_FRAUD_SCOPE_EXT][w][f->metric] = thr;
    return 0;
}

static int cmp_user_fraud(const void *a, const void *b)
{
    const struct calls_user_fraud *x = a, *y = b;
    return (x->user_id > y->user_id) - (x->user_id < y->user_id);
}

struct group_ctx {
    struct load *l;
    int64_t group_id;
};

static int member_cb(void *ud, int64_t user_id, const char *ext)
{
    struct group_ctx *g = ud;
    (void)ext;
    struct calls_member *m = vec_push(&g->l->members);
    if (m == NULL) {
        return -ENOMEM;
    }
    m->user_id = user_id;
    m->group_id = g->group_id;
    return 0;
}

static int group_cb(void *ud, const struct store_group *g)
{
    struct group_ctx x = { ud, g->id };
    return store_group_member_list(x.l->st, g->id, member_cb, &x);
}

static int load_tenant(struct load *l, struct calls_tenant *t)
{
    struct store_tenant_profile p;
    int rc;
    l->t = t;
    t->fraud = l->e->fraud_settings.policy;
    rc = store_profile_get(l->st, t->id, &p);
    if (rc == 0) {
        if (p.time_zone[0]
            && route_tz_load(p.time_zone, l->e->tz_dir[0] ? l->e->tz_dir : NULL,
                             &t->tz)
                   != 0) {
            log_warn(&lc, "tenant %s: time zone '%s' not found, using UTC",
                     t->domain, p.time_zone);
            t->tz = NULL;
        }
        if (route_profile_init(&t->prof, p.country_code, p.national_prefix,
                               p.intl_prefix)
            == 0) {
            t->has_profile = true;
        } else {
            log_warn(&lc, "tenant %s: country profile not usable", t->domain);
        }
    } else if (rc != -ENOENT) {
        return rc;
    }
    route_hours_init(&t->hours, t->tz);
    if (t->has_profile) {
        for (int k = STORE_LIST_COUNTRY; k <= STORE_LIST_EMERGENCY; k++) {
            struct list_ctx x = { l, (enum store_list_kind)k };
            rc = store_list_walk(l->st, x.kind, t->id, list_item, &x);
            if (rc != 0) {
                return rc;
            }
        }
    }
    struct list_ctx hx = { l, STORE_LIST_HOLIDAY };
    if ((rc = store_list_walk(l->st, STORE_LIST_HOLIDAY, t->id, list_item, &hx))
            != 0
        || (rc = store_hours_list(l->st, t->id, hours_cb, t)) != 0) {
        return rc;
    }
    l->out.n = 0;
    if ((rc = store_outbound_list(l->st, t->id, outbound_cb, l)) != 0) {
        return rc;
    }
    if (l->out.n) {
        t->out = malloc(l->out.n * sizeof(*t->out));
        if (t->out == NULL) {
            return -ENOMEM;
        }
        memcpy(t->out, l->out.p, l->out.n * sizeof(*t->out));
        t->n_out = l->out.n;
        route_outbound_sort(t->out, t->n_out);
    }
    l->cc.n = 0;
    if ((rc = store_limit_list(l->st, t->id, limit_cb, l)) != 0) {
        return rc;
    }
    if (l->cc.n) {
        t->cc = malloc(l->cc.n * sizeof(*t->cc));
        if (t->cc == NULL) {
            return -ENOMEM;
        }
        memcpy(t->cc, l->cc.p, l->cc.n * sizeof(*t->cc));
        t->n_cc = l->cc.n;
    }
    l->user_fraud.n = 0;
    if ((rc = store_fraud_list(l->st, t->id, fraud_cb, l)) != 0) {
        return rc;
    }
    if (l->user_fraud.n) {
        struct calls_user_fraud *u = l->user_fraud.p;
        for (size_t i = 0; i < l->user_fraud.n; i++) {
            memcpy(u[i].policy.thr[LIMITS_FRAUD_SCOPE_TENANT],
                   t->fraud.thr[LIMITS_FRAUD_SCOPE_TENANT],
                   sizeof(t->fraud.thr[0]));
        }
        qsort(u, l->user_fraud.n, sizeof(*u), cmp_user_fraud);
        t->user_fraud = malloc(l->user_fraud.n * sizeof(*u));
        if (t->user_fraud == NULL) {
            return -ENOMEM;
        }
        memcpy(t->user_fraud, u, l->user_fraud.n * sizeof(*u));
        t->n_user_fraud = l->user_fraud.n;
    }
    return store_group_list(l->st, t->id, group_cb, l);
}

/* ---- trunks ------------------------------------------------------------ */

static void resolve(struct calls_trunk *t)
{
    uint16_t port = t->port ? t->port : 5060;
    if (t->host[0] == '\0') {
        return;
    }
    if (net_addr_parse(t->host, port, &t->addr) == 0) {
        net_addr_set_port(&t->addr, port);
        t->has_addr = true;
        return;
    }
    /* A name: resolved now, on the reloading thread. */
    struct addrinfo hints = { .ai_socktype = SOCK_DGRAM };
    struct addrinfo *res = NULL;
    if (getaddrinfo(t->host, NULL, &hints, &res) != 0 || res == NULL) {
        log_warn(&lc, "trunk %s: host '%s' does not resolve", t->name, t->host);
        return;
    }
    if (net_addr_from_sa(&t->addr, res->ai_addr, res->ai_addrlen) == 0) {
        net_addr_set_port(&t->addr, port);
        t->has_addr = true;
    }
    freeaddrinfo(res);
}

static void parse_nets(struct calls_trunk *t, const char *text)
{
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char err[96];
        if (len > 0 && t->n_nets < CALLS_TRUNK_MAX_NETS) {
            if (sec_net_parse(sv_make(p, len), 0, &t->nets[t->n_nets], NULL,
                              err, sizeof(err))
                == 0) {
                t->n_nets++;
            } else {
                log_warn(&lc, "trunk %s: network '%.*s' not used: %s", t->name,
                         (int)len, p, err);
            }
        }
        p += len + (end ? 1 : 0);
    }
}

static int trunk_cb(void *ud, const struct store_trunk *st)
{
    struct load *l = ud;
    struct calls_trunk *t = vec_push(&l->trunks);
    if (t == NULL) {
        return -ENOMEM;
    }
    t->id = st->id;
    copy_str(t->name, sizeof(t->name), st->name);
    t->kind = st->kind;
    copy_str(t->host, sizeof(t->host), st->host);
    t->port = (uint16_t)st->port;
    t->max_calls = st->max_calls;
    copy_str(t->username, sizeof(t->username), st->username);
    copy_str(t->realm, sizeof(t->realm), st->realm);
    t->expires_s = st->expires_s;
    parse_nets(t, st->networks);
    resolve(t);
    t->has_cert_fp = st->tls_cert_fp[0] != '\0'
                     && net_tls_fp_parse(st->tls_cert_fp,
                                         strlen(st->tls_cert_fp), t->cert_fp)
                            == 0;
    if (st->kind == STORE_TRUNK_ACCEPT_REGISTER && st->has_password) {
        char pw[STORE_SIP_PW_MAX + 1];
        if (store_trunk_password(l->st, st->id, pw, sizeof(pw)) == 0) {
            struct sv user = sv_cstr(t->username);
            struct sv realm = sv_cstr(t->realm);
            if (reg_digest_ha1(REG_DIGEST_MD5, user, realm, sv_cstr(pw),
                               t->ha1_md5)
                    != 0
                || reg_digest_ha1(REG_DIGEST_SHA256, user, realm, sv_cstr(pw),
                                  t->ha1_sha256)
                       != 0) {
                t->ha1_md5[0] = t->ha1_sha256[0] = '\0';
            }
        }
        explicit_bzero(pw, sizeof(pw));
    }
    return 0;
}

static int tlimit_cb(void *ud, const struct store_trunk_limit *sl)
{
    struct load *l = ud;
    struct calls_trunk_limit *t = vec_push(&l->tlimits);
    if (t == NULL) {
        return -ENOMEM;
    }
    t->trunk_id = sl->trunk_id;
    t->tenant_id = sl->tenant_id;
    t->max_calls = sl->max_calls;
    return 0;
}

static int inbound_cb(void *ud, const struct store_inbound_rule *r)
{
    struct load *l = ud;
    struct route_inbound_rule *o = vec_push(&l->inbound);
    if (o == NULL) {
        return -ENOMEM;
    }
    o->id = r->id;
    o->trunk_id = r->trunk_id;
    bool fits =
        strlen(r->did) <= ROUTE_DID_MAX && strlen(r->ext) <= ROUTE_EXT_MAX;
    copy_str(o->did, sizeof(o->did), r->did);
    copy_str(o->ext, sizeof(o->ext), r->ext);
    if (!fits || route_inbound_rule_check(o) != 0) {
        log_warn(&lc, "inbound rule %lld (DID '%s') not used: bad syntax",
                 (long long)r->id, r->did);
        l->inbound.n--;
        return 0;
    }
    int64_t *tid = vec_push(&l->inbound_tenant);
    if (tid == NULL) {
        return -ENOMEM;
    }
    *tid = r->tenant_id;
    return 0;
}

static int susp_cb(void *ud, const struct store_suspension *s)
{
    struct load *l = ud;
    struct store_suspension *o = vec_push(&l->susp);
    if (o == NULL) {
        return -ENOMEM;
    }
    *o = *s;
    return 0;
}

/* ---- the snapshot ------------------------------------------------------ */

static void snap_free(struct sec_snap *hdr)
{
    struct calls_snap *s = (struct calls_snap *)hdr;
    for (size_t i = 0; i < s->n_tenants; i++) {
        struct calls_tenant *t = &s->tenants[i];
        route_tz_free(t->tz);
        free(t->out);
        free(t->cc);
        free(t->user_fraud);
    }
    free(s->tenants);
    if (s->trunks) {
        explicit_bzero(s->trunks, s->n_trunks * sizeof(*s->trunks));
    }
    free(s->trunks);
    free(s->trunk_limits);
    free(s->inbound);
    free(s->inbound_tenant);
    free(s->exact);
    free(s->patterns);
    free(s->pattern_index);
    free(s->members);
    free(s->susp);
    limits_callrate_rules_free(s->rate);
    free(s);
}

static int cmp_member(const void *a, const void *b)
{
    const struct calls_member *x = a, *y = b;
    if (x->user_id != y->user_id) {
        return (x->user_id > y->user_id) - (x->user_id < y->user_id);
    }
    return (x->group_id > y->group_id) - (x->group_id < y->group_id);
}

static int cmp_tenant(const void *a, const void *b)
{
    const struct calls_tenant *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static int cmp_trunk(const void *a, const void *b)
{
    const struct calls_trunk *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

static bool is_exact(const char *did)
{
    return strpbrk(did, "XxZzNn.") == NULL;
}

static const char *no_plus(const char *did)
{
    return did[0] == '+' ? did + 1 : did;
}

static int cmp_did(const void *a, const void *b)
{
    const struct calls_did *x = a, *y = b;
    int c = strcmp(x->did, y->did);
    if (c != 0) {
        return c;
    }
    return (x->trunk_id > y->trunk_id) - (x->trunk_id < y->trunk_id);
}

/* Split the inbound rules: exact DIDs into a sorted index, patterns kept
 * in their order for route_inbound(). */
static int index_inbound(struct calls_snap *s)
{
    size_t n = s->n_inbound;
    if (n == 0) {
        return 0;
    }
    s->exact = calloc(n, sizeof(*s->exact));
    s->patterns = calloc(n, sizeof(*s->patterns));
    s->pattern_index = calloc(n, sizeof(*s->pattern_index));
    if (s->exact == NULL || s->patterns == NULL || s->pattern_index == NULL) {
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct route_inbound_rule *r = &s->inbound[i];
        if (is_exact(r->did)) {
            struct calls_did *d = &s->exact[s->n_exact++];
            snprintf(d->did, sizeof(d->did), "%s", no_plus(r->did));
            d->trunk_id = r->trunk_id;
            d->index = i;
        } else {
            s->pattern_index[s->n_patterns] = i;
            s->patterns[s->n_patterns++] = *r;
        }
    }
    qsort(s->exact, s->n_exact, sizeof(*s->exact), cmp_did);
    return 0;
}

static void vec_init(struct vec *v, size_t size)
{
    memset(v, 0, sizeof(*v));
    v->size = size;
}

int calls_snap_load(struct calls_engine *e, struct store *st,
                    struct calls_snap **out)
{
    struct load l;
    memset(&l, 0, sizeof(l));
    l.e = e;
    l.st = st;
    vec_init(&l.tenants, sizeof(struct calls_tenant));
    vec_init(&l.trunks, sizeof(struct calls_trunk));
    vec_init(&l.tlimits, sizeof(struct calls_trunk_limit));
    vec_init(&l.inbound, sizeof(struct route_inbound_rule));
    vec_init(&l.inbound_tenant, sizeof(int64_t));
    vec_init(&l.members, sizeof(struct calls_member));
    vec_init(&l.rate, sizeof(struct limits_callrate_rule));
    vec_init(&l.cc, sizeof(struct calls_cc_limit));
    vec_init(&l.user_fraud, sizeof(struct calls_user_fraud));
    vec_init(&l.susp, sizeof(struct store_suspension));
    vec_init(&l.out, sizeof(struct route_outbound_rule));

    struct calls_snap *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return -ENOMEM;
    }
    sec_snap_init(&s->hdr, snap_free);
    int rc = store_tenant_list(st, tenant_cb, &l);
    /* the tenants' array is final from here: pointers into it are kept */
    s->tenants = l.tenants.p;
    s->n_tenants = l.tenants.n;
    l.tenants.p = NULL;
    for (size_t i = 0; rc == 0 && i < s->n_tenants; i++) {
        rc = load_tenant(&l, &s->tenants[i]);
    }
    if (rc == 0) {
        rc = store_trunk_list(st, trunk_cb, &l);
    }
    if (rc == 0) {
        rc = store_trunk_limit_list(st, 0, tlimit_cb, &l);
    }
    if (rc == 0) {
        rc = store_inbound_list(st, 0, inbound_cb, &l);
    }
    if (rc == 0) {
        rc = store_suspension_list(st, 0, true, susp_cb, &l);
    }
    s->trunks = l.trunks.p;
    s->n_trunks = l.trunks.n;
    s->trunk_limits = l.tlimits.p;
    s->n_trunk_limits = l.tlimits.n;
    s->inbound = l.inbound.p;
    s->n_inbound = l.inbound.n;
    s->inbound_tenant = l.inbound_tenant.p;
    s->members = l.members.p;
    s->n_members = l.members.n;
    s->susp = l.susp.p;
    s->n_susp = l.susp.n;
    if (rc == 0) {
        rc = index_inbound(s);
    }
    if (rc == 0) {
        size_t bad = 0;
        rc = limits_callrate_rules_new(
            l.rate.p, l.rate.n, LIMITS_CALLRATE_DEFAULT_CALLS,
            LIMITS_CALLRATE_DEFAULT_PERIOD_S, &s->rate, &bad);
        if (rc != 0) {
            log_warn(&lc, "call rate limit %zu not usable: %s", bad,
                     strerror(-rc));
        }
    }
    free(l.rate.p);
    free(l.cc.p);
    free(l.user_fraud.p);
    free(l.out.p);
    if (rc != 0) {
        snap_free(&s->hdr);
        return rc < 0 ? rc : -EIO;
    }
    if (s->n_tenants) {
        qsort(s->tenants, s->n_tenants, sizeof(*s->tenants), cmp_tenant);
    }
    if (s->n_trunks) {
        qsort(s->trunks, s->n_trunks, sizeof(*s->trunks), cmp_trunk);
    }
    if (s->n_members) {
        qsort(s->members, s->n_members, sizeof(*s->members), cmp_member);
    }
    *out = s;
    return 0;
}

/* ---- look-ups ---------------------------------------------------------- */

const struct calls_tenant *calls_snap_tenant(const struct calls_snap *s,
                                             int64_t id)
{
    size_t lo = 0, hi = s->n_tenants;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->tenants[mid].id == id) {
            return &s->tenants[mid];
        }
        if (s->tenants[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const struct calls_trunk *calls_snap_trunk(const struct calls_snap *s,
                                           int64_t id)
{
    size_t lo = 0, hi = s->n_trunks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->trunks[mid].id == id) {
            return &s->trunks[mid];
        }
        if (s->trunks[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

uint32_t calls_snap_trunk_tenant_max(const struct calls_snap *s,
                                     int64_t trunk_id, int64_t tenant_id)
{
    for (size_t i = 0; i < s->n_trunk_limits; i++) {
        if (s->trunk_limits[i].trunk_id == trunk_id
            && s->trunk_limits[i].tenant_id == tenant_id) {
            return s->trunk_limits[i].max_calls;
        }
    }
    return 0;
}

const struct route_inbound_rule *calls_snap_inbound(const struct calls_snap *s,
                                                    int64_t trunk_id,
                                                    struct sv did,
                                                    size_t *index)
{
    if (did.len && did.p[0] == '+') {
        did = sv_make(did.p + 1, did.len - 1);
    }
    /* exact: the first entry with this DID, then its trunk's or any */
    size_t lo = 0, hi = s->n_exact;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        struct sv m = sv_cstr(s->exact[mid].did);
        size_t k = m.len < did.len ? m.len : did.len;
        int c = memcmp(m.p, did.p, k);
        if (c == 0) {
            c = (m.len > did.len) - (m.len < did.len);
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    const struct calls_did *any = NULL;
    for (size_t i = lo; i < s->n_exact && sv_eq_cstr(did, s->exact[i].did);
         i++) {
        if (s->exact[i].trunk_id == trunk_id) {
            *index = s->exact[i].index;
            return &s->inbound[*index];
        }
        if (s->exact[i].trunk_id == 0) {
            any = &s->exact[i];
        }
    }
    if (any) {
        *index = any->index;
        return &s->inbound[*index];
    }
    const struct route_inbound_rule *r = NULL;
    if (route_inbound(s->patterns, s->n_patterns, trunk_id, did, &r) != 0
        || r == NULL) {
        return NULL;
    }
    *index = s->pattern_index[r - s->patterns];
    return &s->inbound[*index];
}

const struct calls_member *calls_snap_groups(const struct calls_snap *s,
                                             int64_t user_id, size_t *n)
{
    size_t lo = 0, hi = s->n_members;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->members[mid].user_id < user_id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    size_t end = lo;
    while (end < s->n_members && s->members[end].user_id == user_id) {
        end++;
    }
    *n = end - lo;
    return *n ? &s->members[lo] : NULL;
}
