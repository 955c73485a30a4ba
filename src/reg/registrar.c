/* SPDX-License-Identifier: Apache-2.0 */
/*
 * REGISTER processing, in the order of RFC 3261 §10.3: extensions
 * (Require), authentication (digest, RFC 7616 / RFC 8760), the AOR check,
 * then the Contact bindings. Every refusal of credentials is the same fresh
 * challenge, whether the user exists or not, so extensions cannot be
 * enumerated.
 */
#include "reg/registrar.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/check.h"
#include "reg/auth.h"
#include "reg/digest.h"
#include "sip/build.h"

#define REG_MAX_CONTACTS_PER_REQ 16

/* Defaults for a domain we do not serve: the same answers as for one. */
static const struct reg_tenant default_tenant = {
    .tenant_id = 0,
    .min_expires_s = 60,
    .max_expires_s = 7200,
    .default_expires_s = 3600,
    .max_contacts = 5,
};

int reg_registrar_init(struct reg_registrar *r, struct reg_loc *loc,
                       const struct sw_clock *clock, const uint8_t *nonce_key,
                       uint32_t nonce_lifetime_s)
{
    memset(r, 0, sizeof(*r));
    r->loc = loc;
    r->clock = clock;
    r->algs[0] = REG_DIGEST_SHA256;
    r->algs[1] = REG_DIGEST_MD5;
    r->n_algs = 2;
    if (RAND_bytes(r->tag_key, sizeof(r->tag_key)) != 1) {
        return -EIO;
    }
    int rc = reg_nonce_init(&r->nonce, nonce_key, nonce_lifetime_s, clock);
    if (rc) {
        return rc;
    }
    /* 24 bytes per tracked nonce plus its bucket: 256k nonces, ~8 MiB at
     * most. Beyond that the oldest are forgotten (and counted). */
    r->nc = reg_nc_table_new(1u << 18, nonce_lifetime_s);
    if (!r->nc) {
        reg_nonce_fini(&r->nonce);
        return -ENOMEM;
    }
    return 0;
}

void reg_registrar_fini(struct reg_registrar *r)
{
    reg_nc_table_free(r->nc);
    r->nc = NULL;
    reg_nonce_fini(&r->nonce);
}

int reg_registrar_set_algorithms(struct reg_registrar *r, const int *algs,
                                 unsigned n)
{
    if (n == 0 || n > 2 || (n == 2 && algs[0] == algs[1])) {
        return -EINVAL;
    }
    for (unsigned i = 0; i < n; i++) {
        if (algs[i] != REG_DIGEST_MD5 && algs[i] != REG_DIGEST_SHA256) {
            return -EINVAL;
        }
        r->algs[i] = algs[i];
    }
    r->n_algs = n;
    return 0;
}

void reg_to_tag(const struct reg_registrar *r, const struct sip_msg *msg,
                char dst[17])
{
    uint64_t h = sv_hash(sv_make((const char *)r->tag_key, sizeof(r->tag_key)));
    h ^= sv_hash(msg->call_id);
    h = h * 0x9E3779B97F4A7C15ULL ^ sv_hash(msg->from.tag);
    snprintf(dst, 17, "%016llx", (unsigned long long)h);
}

/* ---- answers ----------------------------------------------------------- */

static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static int respond(struct reg_registrar *r, const struct sip_msg *msg,
                   const struct reg_origin *org, int status, const char *reason,
                   struct buf *extra, struct buf *out)
{
    return reg_respond(r, msg, org, status, reason,
                       extra ? buf_sv(extra) : SV_NULL, out);
}

static int refuse(struct reg_registrar *r, const struct sip_msg *msg,
                  const struct reg_origin *org, int status, const char *reason,
                  struct buf *extra, struct buf *out, struct reg_result *res)
{
    res->outcome = REG_OUT_REFUSED;
    res->status = status;
    res->detail = reason;
    count(&r->stats.refused);
    return respond(r, msg, org, status, reason, extra, out);
}

/* ---- bindings ---------------------------------------------------------- */

struct contact_emit {
    struct buf *extra;
    int64_t now_s;
};

static void emit_contact(void *ud, const struct reg_binding_view *b)
{
    struct contact_emit *ce = ud;
    int64_t left = b->expires_at - ce->now_s;
    buf_printf(ce->extra, "Contact: <%.*s>;expires=%lld\r\n",
               SV_FMT(b->contact), (long long)(left > 0 ? left : 0));
}

static void append_date(struct buf *extra, int64_t now_s)
{
    char date[64];
    struct tm tm;
    time_t t = (time_t)now_s;
    gmtime_r(&t, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    buf_printf(extra, "Date: %s\r\n", date);
}

/* Expiry of one contact: its param, else the Expires header, else the
 * tenant default; above the maximum it is lowered (RFC 3261 §10.3 step 7). */
static uint32_t contact_expiry(const struct sip_contact *c, bool has_hdr,
                               uint32_t hdr_expires, const struct reg_tenant *t)
{
    uint32_t e = c->has_expires
                     ? c->expires_s
                     : (has_hdr ? hdr_expires : t->default_expires_s);
    return e > t->max_expires_s ? t->max_expires_s : e;
}

static int bind_contacts(struct reg_registrar *r, const struct sip_msg *msg,
                         const struct reg_origin *org,
                         const struct reg_tenant *t,
                         const struct reg_creds *creds, struct sv aor,
                         struct buf *out, struct reg_result *res)
{
    struct reg_contact_req reqs[REG_MAX_CONTACTS_PER_REQ];
    size_t n = 0;
    bool star = false;
    uint32_t hdr_expires = 0;
    struct sip_contact_iter it = { 0 };
    struct sip_contact c;
    struct sip_err err;
    struct buf extra;
    enum sip_parse_res pr;
    int rc;

    rc = sip_msg_expires(msg, &hdr_expires);
    if (rc == -EINVAL) {
        return refuse(r, msg, org, 400, "Bad Expires header", NULL, out, res);
    }
    bool has_hdr = rc == 0;

    while ((pr = sip_msg_next_contact(msg, &it, &c, &err)) == SIP_PARSE_OK) {
        if (c.star) {
            star = true;
            continue;
        }
        if (n == REG_MAX_CONTACTS_PER_REQ) {
            return refuse(r, msg, org, 400, "Too many Contact entries", NULL,
                          out, res);
        }
        uint32_t e = contact_expiry(&c, has_hdr, hdr_expires, t);
        if (e != 0 && e < t->min_expires_s) {
            buf_init(&extra, 128);
            buf_printf(&extra, "Min-Expires: %u\r\n", t->min_expires_s);
            rc = refuse(r, msg, org, 423, "Interval Too Brief", &extra, out,
                        res);
            buf_fini(&extra);
            return rc;
        }
        reqs[n].uri = c.na.uri_raw;
        reqs[n].expires_s = e;
        n++;
    }
    if (pr == SIP_PARSE_BAD) {
        return refuse(r, msg, org, 400, "Bad Contact header", NULL, out, res);
    }
    /* RFC 3261 §10.3 step 6: '*' only alone and with Expires: 0. */
    if (star && (n > 0 || !has_hdr || hdr_expires != 0)) {
        return refuse(r, msg, org, 400,
                      "Contact * needs Expires: 0 and no other Contact", NULL,
                      out, res);
    }

    int64_t now_s = clock_wall_s(r->clock);
    struct reg_update u = {
        .user_id = creds->user_id,
        .tenant_id = creds->tenant_id,
        .aor = aor,
        .call_id = msg->call_id,
        .cseq = msg->cseq.num,
        .src = org->src,
        .remove_all = star,
        .max_contacts = t->max_contacts,
        .now_s = now_s,
    };
    const struct sip_hdr *ua = sip_msg_hdr(msg, SIP_HDR_USER_AGENT);
    u.user_agent = ua ? ua->value : SV_NULL;

    buf_init(&extra, 8192);
    struct contact_emit ce = { &extra, now_s };
    enum reg_loc_res lr;
    if (n == 0 && !star) {
        reg_loc_lookup(r->loc, creds->user_id, now_s, emit_contact, &ce);
        lr = REG_LOC_OK;
    } else {
        lr = reg_loc_apply(r->loc, &u, reqs, n, emit_contact, &ce);
    }
    if (lr == REG_LOC_OUT_OF_ORDER) {
        rc = refuse(r, msg, org, 400, "Out-of-order CSeq for this Call-ID",
                    NULL, out, res);
    } else if (lr != REG_LOC_OK || extra.err) {
        rc = refuse(r, msg, org, 500, "Server Internal Error", NULL, out, res);
    } else {
        append_date(&extra, now_s);
        res->outcome = REG_OUT_REGISTERED;
        res->status = 200;
        rc = extra.err ? extra.err
                       : respond(r, msg, org, 200, "OK", &extra, out);
    }
    buf_fini(&extra);
    return rc;
}

/* ---- authentication and the shield's gate ------------------------------ */

static enum reg_gate gate(const struct reg_lookup *lk,
                          const struct reg_result *res, struct sv domain,
                          enum reg_auth_event ev)
{
    return lk->gate ? lk->gate(lk->ud, res->auth_user, domain, ev)
                    : REG_GATE_PASS;
}

/* Check the credentials and ask the gate. On success res->outcome is
 * REG_OUT_REGISTERED and nothing is written (the caller goes on);
 * otherwise the answer is in 'out' (or nothing, REG_OUT_DROPPED). */
static int authenticate(struct reg_registrar *r, const struct sip_msg *msg,
                        const struct reg_origin *org, struct sv domain,
                        enum reg_auth_kind kind, const struct reg_lookup *lk,
                        struct reg_creds *creds, struct buf *out,
                        struct reg_result *res)
{
    enum reg_auth_event ev = REG_AUTH_EV_FAILED;
    enum reg_auth_verdict v =
        reg_auth_check(r, msg, org, domain, kind, lk, creds, res);
    int status = kind == REG_AUTH_PROXY ? 407 : 401;

    switch (v) {
    case REG_AUTH_CHALLENGE:
        res->outcome = REG_OUT_CHALLENGED;
        res->status = status;
        count(&r->stats.challenges);
        return reg_auth_challenge(r, msg, org, domain, kind, false, out);
    case REG_AUTH_BAD_REQUEST:
        return refuse(r, msg, org, 400, res->detail, NULL, out, res);
    case REG_AUTH_ERROR:
        return refuse(r, msg, org, 500, "Server Internal Error", NULL, out,
                      res);
    case REG_AUTH_OK:
        ev = REG_AUTH_EV_OK;
        break;
    case REG_AUTH_STALE:
        ev = REG_AUTH_EV_STALE;
        break;
    case REG_AUTH_FAILED:
    case REG_AUTH_REPLAY:
        break;
    }
    switch (gate(lk, res, domain, ev)) {
    case REG_GATE_PASS:
        break;
    case REG_GATE_FORBID:
        count(&r->stats.blocked);
        res->detail = "user blocked from this address";
        res->outcome = REG_OUT_REFUSED;
        res->status = 403;
        return respond(r, msg, org, 403, "Forbidden", NULL, out);
    case REG_GATE_DROP:
        count(&r->stats.dropped);
        res->outcome = REG_OUT_DROPPED;
        res->status = 0;
        return 0;
    }
    switch (v) {
    case REG_AUTH_STALE:
        res->outcome = REG_OUT_STALE;
        res->status = status;
        count(&r->stats.stale);
        return reg_auth_challenge(r, msg, org, domain, kind, true, out);
    case REG_AUTH_FAILED:
        res->outcome = REG_OUT_AUTH_FAILED;
        res->status = status;
        count(&r->stats.auth_failed);
        return reg_auth_challenge(r, msg, org, domain, kind, false, out);
    case REG_AUTH_REPLAY:
        res->outcome = REG_OUT_REPLAY;
        res->status = status;
        count(&r->stats.replays);
        return reg_auth_challenge(r, msg, org, domain, kind, false, out);
    default:
        break;
    }
    res->outcome = REG_OUT_REGISTERED;
    return 0;
}

/* Lower-case copy of 'host' into 'buf' (cap bytes); false if too long. */
static bool realm_of(struct sv host, char *buf, size_t cap, struct sv *out)
{
    if (host.len >= cap) {
        return false;
    }
    for (size_t i = 0; i < host.len; i++) {
        char ch = host.p[i];
        buf[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch + 32) : ch;
    }
    *out = sv_make(buf, host.len);
    return true;
}

int reg_registrar_auth_request(struct reg_registrar *r,
                               const struct sip_msg *msg,
                               const struct reg_origin *org,
                               const struct reg_lookup *lk, struct buf *out,
                               struct reg_result *res)
{
    struct reg_creds creds;
    char domain_buf[256];
    struct sv domain;

    memset(res, 0, sizeof(*res));
    if (msg->from.uri.scheme == SIP_URI_OTHER || msg->from.uri.host.len == 0
        || !realm_of(msg->from.uri.host, domain_buf, sizeof(domain_buf),
                     &domain)) {
        return refuse(r, msg, org, 400, "Bad From header", NULL, out, res);
    }
    int rc =
        authenticate(r, msg, org, domain, REG_AUTH_PROXY, lk, &creds, out, res);
    if (res->outcome == REG_OUT_REGISTERED) {
        count(&r->stats.auth_ok);
    }
    return rc;
}

/* ---- entry point ------------------------------------------------------- */

int reg_registrar_handle(struct reg_registrar *r, const struct sip_msg *msg,
                         const struct reg_origin *org,
                         const struct reg_lookup *lk, struct buf *out,
                         struct reg_result *res)
{
    struct reg_tenant tenant;
    struct reg_creds creds;
    char domain_buf[256];
    struct sv domain;

    SW_ASSERT(msg->is_request && msg->method == SIP_METHOD_REGISTER);
    memset(res, 0, sizeof(*res));

    /* RFC 3261 §8.2.2.3: we support no extension a REGISTER may require. */
    const struct sip_hdr *req = sip_msg_hdr(msg, SIP_HDR_REQUIRE);
    if (req) {
        struct buf extra;
        buf_init(&extra, 1024);
        buf_printf(
            &extra, "Unsupported: %.*s\r\n",
            SV_FMT(sv_make(req->value.p,
                           req->value.len > 512 ? 512 : req->value.len)));
        int rc = refuse(r, msg, org, 420, "Bad Extension", &extra, out, res);
        buf_fini(&extra);
        return rc;
    }
    if (msg->to.uri.scheme == SIP_URI_OTHER || msg->to.uri.user.len == 0
        || msg->to.uri.host.len == 0) {
        return refuse(r, msg, org, 404, "Not Found", NULL, out, res);
    }
    /* The realm is the domain of the address-of-record, lower-cased. */
    if (!realm_of(msg->to.uri.host, domain_buf, sizeof(domain_buf), &domain)) {
        return refuse(r, msg, org, 400, "Bad To header", NULL, out, res);
    }

    int rc = lk->tenant(lk->ud, domain, &tenant);
    if (rc == -ENOENT) {
        tenant = default_tenant;
    } else if (rc != 0) {
        return refuse(r, msg, org, 500, "Server Internal Error", NULL, out,
                      res);
    }

    rc = authenticate(r, msg, org, domain, REG_AUTH_WWW, lk, &creds, out, res);
    if (res->outcome != REG_OUT_REGISTERED) {
        return rc;
    }
    count(&r->stats.auth_ok);

    /* The authenticated user may only register its own AOR. */
    char aor_buf[320];
    long ulen = sip_unescape(msg->to.uri.user, aor_buf, 64);
    if (ulen < 0 || !sv_eq(sv_make(aor_buf, (size_t)ulen), res->auth_user)) {
        return refuse(r, msg, org, 403, "Forbidden: AOR is not yours", NULL,
                      out, res);
    }
    int alen = snprintf(aor_buf + ulen, sizeof(aor_buf) - (size_t)ulen, "@%.*s",
                        SV_FMT(domain));
    if (alen < 0 || (size_t)alen >= sizeof(aor_buf) - (size_t)ulen) {
        return refuse(r, msg, org, 400, "Bad To header", NULL, out, res);
    }
    return bind_contacts(r, msg, org, &tenant, &creds,
                         sv_make(aor_buf, (size_t)ulen + (size_t)alen), out,
                         res);
}
