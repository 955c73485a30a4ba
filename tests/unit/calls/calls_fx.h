/* SPDX-License-Identifier: Apache-2.0 */
/* The fixture of the call policy tests: a store in a temporary directory
 * filled through the store API (three tenants, users with roles, trunks of
 * every kind, rules, limits, fraud thresholds), an engine reloaded from it
 * and helpers that drive the proxy hooks the way the proxy does.
 * Header-only so each test binary stays one file plus this. */
#ifndef SW_TESTS_UNIT_CALLS_CALLS_FX_H
#define SW_TESTS_UNIT_CALLS_CALLS_FX_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include <cmocka.h>

#include "../store/tmpdir.h"
#include "calls/calls.h"
#include "reg/location.h"
#include "store/store.h"

struct fx {
    struct tmpdir dir;
    struct store *st;
    struct calls_lookup lookup; /* extensions from the store */
    struct reg_loc loc;         /* the gateways' registrations (gw_loc) */
    struct calls_engine *e;
    struct proxy_policy pol;
    int64_t ta, tb, tc; /* a.example (UK), b.example (FR), c.example */
    int64_t u100;       /* a: standard */
    int64_t u101;       /* a: international, group sales */
    int64_t u102;       /* a: admin */
    int64_t u103;       /* a: international, fraud 2/3 international/h */
    int64_t u104;       /* a: international, 1 call at once */
    int64_t u200;       /* b: international */
    int64_t u300;       /* c: international, no country profile */
    int64_t g_sales;
    int64_t prov1; /* ip 127.0.0.1:5099, nets, 2 calls, a: 1 call */
    int64_t prov2; /* ip 127.0.0.2, no nets */
    int64_t regt;  /* register 127.0.0.3:5070 */
    int64_t gw;    /* accept_register gw1 / a.example */
    int64_t r_office, r_intl, r_national, r_gw;
    unsigned seq; /* Call-IDs and start times */
    char err[512];
};

/* The policy's look-up of extensions, answered from the store (the daemon
 * answers from its credential cache). */
static inline int fx_find_user(void *ud, struct sv domain, struct sv ext,
                               struct calls_user *out)
{
    struct store *st = ud;
    char d[STORE_DOMAIN_MAX + 1], e[STORE_EXT_MAX + 1];
    struct store_tenant t;
    struct store_user u;
    if (sv_copy_cstr(domain, d, sizeof(d)) != 0
        || sv_copy_cstr(ext, e, sizeof(e)) != 0
        || store_tenant_find(st, d, &t) != 0
        || store_user_find(st, t.id, e, &u) != 0) {
        return -ENOENT;
    }
    out->user_id = u.id;
    out->tenant_id = t.id;
    out->role = (int)u.role;
    return 0;
}

#define FX_CK(x)                                                             \
    do {                                                                     \
        int rc_ = (x);                                                       \
        if (rc_ != 0) {                                                      \
            fprintf(stderr, "%s:%d: %s = %d (%s)\n", __FILE__, __LINE__, #x, \
                    rc_, fx->st ? store_errmsg(fx->st) : fx->err);           \
            return -1;                                                       \
        }                                                                    \
    } while (0)

static inline int64_t fx_now(void)
{
    return (int64_t)time(NULL);
}

static inline int fx_profile(struct fx *fx, int64_t tid, const char *cc)
{
    struct store_tenant_profile p;
    memset(&p, 0, sizeof(p));
    snprintf(p.country_code, sizeof(p.country_code), "%s", cc);
    snprintf(p.national_prefix, sizeof(p.national_prefix), "0");
    snprintf(p.intl_prefix, sizeof(p.intl_prefix), "00");
    snprintf(p.time_zone, sizeof(p.time_zone), "UTC");
    return store_profile_set(fx->st, tid, &p, fx_now());
}

static inline int fx_trunk(struct fx *fx, const char *name,
                           enum store_trunk_kind kind, const char *host,
                           uint32_t port, const char *nets, uint32_t max_calls,
                           const char *user, const char *realm, const char *pw,
                           int64_t *id)
{
    struct store_trunk t;
    memset(&t, 0, sizeof(t));
    snprintf(t.name, sizeof(t.name), "%s", name);
    t.kind = kind;
    snprintf(t.host, sizeof(t.host), "%s", host);
    t.port = port;
    snprintf(t.networks, sizeof(t.networks), "%s", nets);
    t.max_calls = max_calls;
    snprintf(t.username, sizeof(t.username), "%s", user);
    snprintf(t.realm, sizeof(t.realm), "%s", realm);
    return store_trunk_add(fx->st, &t, pw, fx_now(), id);
}

static inline int fx_rule(struct fx *fx, int64_t tid, const char *name,
                          const char *prefix, uint32_t strip,
                          const char *prepend, bool office_only,
                          const int64_t *trunks, size_t n_trunks, int64_t *id)
{
    struct store_outbound_rule r;
    memset(&r, 0, sizeof(r));
    r.tenant_id = tid;
    snprintf(r.name, sizeof(r.name), "%s", name);
    snprintf(r.prefix, sizeof(r.prefix), "%s", prefix);
    r.strip = strip;
    snprintf(r.prepend, sizeof(r.prepend), "%s", prepend);
    r.office_hours_only = office_only;
    for (size_t i = 0; i < n_trunks; i++) {
        r.trunk_ids[i] = trunks[i];
    }
    r.n_trunks = (uint32_t)n_trunks;
    return store_outbound_add(fx->st, &r, fx_now(), id);
}

static inline int fx_inbound(struct fx *fx, int64_t tid, int64_t trunk,
                             const char *did, const char *ext)
{
    struct store_inbound_rule r;
    memset(&r, 0, sizeof(r));
    r.tenant_id = tid;
    r.trunk_id = trunk;
    snprintf(r.did, sizeof(r.did), "%s", did);
    snprintf(r.ext, sizeof(r.ext), "%s", ext);
    return store_inbound_add(fx->st, &r, fx_now(), NULL);
}

static inline int fx_fill(struct fx *fx)
{
    struct store *st = fx->st;
    int64_t now = fx_now();
    /* tenants and users */
    FX_CK(store_tenant_add(st, "a.example", "A", &fx->ta));
    FX_CK(store_tenant_add(st, "b.example", "B", &fx->tb));
    FX_CK(store_tenant_add(st, "c.example", "C", &fx->tc));
    FX_CK(store_user_add(st, fx->ta, "100", NULL, STORE_ROLE_STANDARD, NULL,
                         "Secret-12345", &fx->u100));
    FX_CK(store_user_add(st, fx->ta, "101", NULL, STORE_ROLE_INTERNATIONAL,
                         NULL, "Secret-12345", &fx->u101));
    FX_CK(store_user_add(st, fx->ta, "102", NULL, STORE_ROLE_ADMIN, NULL,
                         "Secret-12345", &fx->u102));
    FX_CK(store_user_add(st, fx->ta, "103", NULL, STORE_ROLE_INTERNATIONAL,
                         NULL, "Secret-12345", &fx->u103));
    FX_CK(store_user_add(st, fx->ta, "104", NULL, STORE_ROLE_INTERNATIONAL,
                         NULL, "Secret-12345", &fx->u104));
    FX_CK(store_user_add(st, fx->tb, "200", NULL, STORE_ROLE_INTERNATIONAL,
                         NULL, "Secret-12345", &fx->u200));
    FX_CK(store_user_add(st, fx->tc, "300", NULL, STORE_ROLE_INTERNATIONAL,
                         NULL, "Secret-12345", &fx->u300));
    FX_CK(store_group_add(st, fx->ta, "sales", now, &fx->g_sales));
    FX_CK(store_group_member_add(st, fx->g_sales, fx->u101));

    /* tenant a: UK, emergency 999/112, France allowed, 090 premium barred,
     * the office open all week */
    FX_CK(fx_profile(fx, fx->ta, "44"));
    FX_CK(store_list_add(st, STORE_LIST_EMERGENCY, fx->ta, "999", NULL, now,
                         NULL));
    FX_CK(store_list_add(st, STORE_LIST_EMERGENCY, fx->ta, "112", NULL, now,
                         NULL));
    FX_CK(
        store_list_add(st, STORE_LIST_COUNTRY, fx->ta, "33", NULL, now, NULL));
    FX_CK(store_list_add(st, STORE_LIST_PREFIX, fx->ta, "4490", "premium", now,
                         NULL));
    for (uint32_t wd = 0; wd < 7; wd++) {
        struct store_hours h = { .weekday = wd,
                                 .start_min = 0,
                                 .end_min = 1440 };
        FX_CK(store_hours_set(st, fx->ta, wd, &h, 1));
    }
    /* tenant b: France */
    FX_CK(fx_profile(fx, fx->tb, "33"));

    /* trunks */
    FX_CK(fx_trunk(fx, "prov1", STORE_TRUNK_IP, "127.0.0.1", 5099,
                   "10.1.0.0/16,2001:db8::/32", 2, "", "", NULL, &fx->prov1));
    FX_CK(fx_trunk(fx, "prov2", STORE_TRUNK_IP, "127.0.0.2", 0, "", 0, "", "",
                   NULL, &fx->prov2));
    FX_CK(fx_trunk(fx, "regt", STORE_TRUNK_REGISTER, "127.0.0.3", 5070, "", 0,
                   "acct", "sip.provider.test", "RegPass-123", &fx->regt));
    FX_CK(fx_trunk(fx, "gw", STORE_TRUNK_ACCEPT_REGISTER, "", 0, "", 0, "gw1",
                   "a.example", "GwPass-123", &fx->gw));
    FX_CK(store_trunk_limit_set(st, fx->prov1, fx->ta, 1));

    /* outbound rules of a, in this order */
    int64_t t2[] = { fx->prov2 };
    int64_t t12[] = { fx->prov1, fx->prov2 };
    int64_t t1[] = { fx->prov1 };
    int64_t tg[] = { fx->gw };
    FX_CK(
        fx_rule(fx, fx->ta, "office", "01", 0, "", true, t2, 1, &fx->r_office));
    FX_CK(
        fx_rule(fx, fx->ta, "intl", "00", 2, "+", false, t12, 2, &fx->r_intl));
    FX_CK(fx_rule(fx, fx->ta, "national", "0", 1, "44", false, t1, 1,
                  &fx->r_national));
    FX_CK(fx_rule(fx, fx->ta, "gwrule", "8", 0, "", false, tg, 1, &fx->r_gw));
    /* b: everything national over prov1 */
    FX_CK(fx_rule(fx, fx->tb, "b-out", "0", 0, "", false, t1, 1, NULL));

    /* limits and fraud thresholds */
    struct store_call_limit cl = { .tenant_id = fx->ta,
                                   .scope = STORE_LIMIT_USER,
                                   .target_id = fx->u104,
                                   .max_concurrent = 1 };
    FX_CK(store_limit_set(st, &cl, NULL));
    struct store_fraud_rule fr = { .tenant_id = fx->ta,
                                   .user_id = fx->u103,
                                   .metric = STORE_FRAUD_INTERNATIONAL,
                                   .window_s = 3600,
                                   .warning = 2,
                                   .critical = 3 };
    FX_CK(store_fraud_set(st, &fr, NULL));

    /* inbound rules */
    FX_CK(fx_inbound(fx, fx->ta, 0, "442071230000", "100"));
    FX_CK(fx_inbound(fx, fx->ta, fx->prov2, "+442071230000", "101"));
    FX_CK(fx_inbound(fx, fx->ta, 0, "4420712399XX", "102"));
    FX_CK(fx_inbound(fx, fx->ta, fx->prov2, "44207123XXXX", "103"));
    FX_CK(fx_inbound(fx, fx->ta, 0, "442071230001", "555"));
    FX_CK(fx_inbound(fx, fx->tb, fx->prov1, "33140000000", "200"));
    return 0;
}

static inline int fx_setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (fx == NULL) {
        return -1;
    }
    *state = fx;
    if (tmpdir_make(&fx->dir) != 0) {
        return -1;
    }
    FX_CK(reg_loc_init(&fx->loc));
    FX_CK(store_open(fx->dir.path, &fx->st, fx->err, sizeof(fx->err)));
    fx->lookup.user = fx_find_user;
    fx->lookup.ud = fx->st;
    if (fx_fill(fx) != 0) {
        return -1;
    }
    struct calls_cfg cfg = { .gw_loc = &fx->loc };
    FX_CK(calls_engine_new(&cfg, &fx->e));
    FX_CK(calls_engine_reload(fx->e, fx->st));
    calls_engine_policy(fx->e, &fx->pol);
    return 0;
}

static inline int fx_teardown(void **state)
{
    struct fx *fx = *state;
    if (fx == NULL) {
        return 0;
    }
    calls_engine_free(fx->e);
    store_close(fx->st);
    if (fx->loc.shards) {
        reg_loc_fini(&fx->loc);
    }
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

/* ---- driving the hooks ------------------------------------------------- */

/* One call as the proxy holds it; the views point into this struct. */
struct call {
    struct proxy_call_info ci;
    struct proxy_route rt;
    struct proxy_refusal ref;
    bool ok;
    char call_id[32];
    char caller[40];
    char callee[80];
    char extra[512]; /* copy of ref.extra_hdrs ("" when none) */
};

static inline void call_prepare(struct fx *fx, struct call *c,
                                int64_t tenant_id, const char *ext,
                                int64_t user_id, int64_t trunk_id,
                                const char *callee)
{
    memset(c, 0, sizeof(*c));
    fx->seq++;
    snprintf(c->call_id, sizeof(c->call_id), "call-%u", fx->seq);
    snprintf(c->caller, sizeof(c->caller), "%s", ext);
    snprintf(c->callee, sizeof(c->callee), "%s", callee);
    c->ci.call_id = sv_cstr(c->call_id);
    c->ci.caller_tag = sv_cstr("tag-a");
    c->ci.caller = sv_cstr(c->caller);
    c->ci.callee = sv_cstr(c->callee);
    c->ci.tenant_id = tenant_id;
    c->ci.caller_user_id = user_id;
    c->ci.trunk_id = trunk_id;
    c->ci.src_ip = sv_cstr("192.0.2.50");
    c->ci.policy_arg = &fx->lookup;
    c->ci.start_ms = fx_now() * 1000 + fx->seq;
}

static inline void call_copy_ref(struct call *c)
{
    snprintf(c->extra, sizeof(c->extra), "%s",
             c->ref.extra_hdrs ? c->ref.extra_hdrs : "");
}

/* on_call_start for a call from an extension ('is_ext': the callee is an
 * extension of the tenant, 'callee_uid' its id). */
static inline bool call_start_ext(struct fx *fx, struct call *c,
                                  int64_t tenant_id, const char *ext,
                                  int64_t user_id, const char *callee,
                                  bool is_ext, int64_t callee_uid)
{
    call_prepare(fx, c, tenant_id, ext, user_id, 0, callee);
    c->rt.ext_user_id = is_ext ? callee_uid : 0;
    c->ci.callee_user_id = is_ext ? callee_uid : 0;
    c->ok = fx->pol.on_call_start(fx->pol.ud, &c->ci, is_ext, &c->rt, &c->ref);
    c->ci.policy_arg = NULL; /* during on_call_start only */
    call_copy_ref(c);
    return c->ok;
}

/* on_call_start for a call from a trunk. */
static inline bool call_start_trunk(struct fx *fx, struct call *c,
                                    int64_t trunk_id, const char *from,
                                    const char *did)
{
    call_prepare(fx, c, 0, from, 0, trunk_id, did);
    c->ok = fx->pol.on_call_start(fx->pol.ud, &c->ci, false, &c->rt, &c->ref);
    c->ci.policy_arg = NULL;
    call_copy_ref(c);
    return c->ok;
}

/* on_hop for hop 'i' of the route. */
static inline bool call_hop(struct fx *fx, struct call *c, size_t i)
{
    assert_true(i < c->rt.n_hops);
    c->ci.trunk_id = c->rt.hops[i].trunk_id;
    memset(&c->ref, 0, sizeof(c->ref));
    bool ok = fx->pol.on_hop(fx->pol.ud, &c->ci, &c->rt.hops[i], &c->ref);
    call_copy_ref(c);
    return ok;
}

/* on_call_end; a refused call ends with its refusal status. */
static inline void call_end(struct fx *fx, struct call *c,
                            enum proxy_call_result res, int status)
{
    if (res == PROXY_CALL_COMPLETED) {
        c->ci.answer_ms = fx_now() * 1000;
        fx->pol.on_call_answer(fx->pol.ud, &c->ci);
    }
    fx->pol.on_call_end(fx->pol.ud, &c->ci, res, status);
    c->ci.pol = NULL;
}

static inline void call_end_refused(struct fx *fx, struct call *c)
{
    call_end(fx, c, PROXY_CALL_REFUSED, c->ref.status);
}

/* The Reason header a refusal must carry for 'rule' with 'status'. */
static inline void assert_refused(const struct call *c, int status,
                                  const char *rule, const char *text)
{
    char want[160];
    assert_false(c->ok);
    assert_int_equal(c->ref.status, status);
    assert_non_null(c->ref.reason);
    snprintf(want, sizeof(want), "Reason: SIP;cause=%d;text=\"%s\"\r\n", status,
             rule);
    if (strstr(c->extra, want) == NULL) {
        fail_msg("no '%s' in '%s'", want, c->extra);
    }
    assert_true(strncmp(c->extra, "Warning: 399 sipwarden \"", 24) == 0);
    if (text && strstr(c->extra, text) == NULL) {
        fail_msg("no '%s' in '%s'", text, c->extra);
    }
}

/* ---- reading back records ---------------------------------------------- */

#define FX_MAX_CDRS 64

struct cdrs {
    struct store_cdr v[FX_MAX_CDRS];
    size_t n;
};

static inline int cdr_cb(void *ud, const struct store_cdr *c)
{
    struct cdrs *s = ud;
    if (s->n < FX_MAX_CDRS) {
        s->v[s->n++] = *c;
    }
    return 0;
}

static inline void fx_cdrs(struct fx *fx, int64_t tenant_id, struct cdrs *out)
{
    struct store_cdr_query q = { .tenant_id = tenant_id,
                                 .result = -1,
                                 .limit = 1000 };
    memset(out, 0, sizeof(*out));
    assert_int_equal(store_cdr_list(fx->st, &q, cdr_cb, out, NULL), 0);
}

/* The CDR with this dialled text and result, which must exist once. */
static inline const struct store_cdr *
cdr_find(const struct cdrs *s, const char *dialed, enum store_cdr_result res)
{
    const struct store_cdr *found = NULL;
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->v[i].dialed, dialed) == 0 && s->v[i].result == res) {
            if (found) {
                fail_msg("two CDRs for %s result %d", dialed, (int)res);
            }
            found = &s->v[i];
        }
    }
    if (found == NULL) {
        fail_msg("no CDR for %s result %d (of %zu)", dialed, (int)res, s->n);
    }
    return found;
}

struct susps {
    struct store_suspension v[8];
    size_t n;
};

static inline int susp_cb(void *ud, const struct store_suspension *s)
{
    struct susps *x = ud;
    if (x->n < 8) {
        x->v[x->n++] = *s;
    }
    return 0;
}

#endif
