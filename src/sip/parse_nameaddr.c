/* SPDX-License-Identifier: Apache-2.0 */
/*
 * name-addr / addr-spec parser for From, To, Contact, Route and friends
 * (RFC 3261 §20.10, §25.1): quoted or token display names, <URI> or a bare
 * addr-spec (whose ';' params are header params, and which may not carry
 * '?' headers), then generic header params with the tag. Also the Contact
 * iterator over comma-separated values and repeated headers.
 */
#include "sip/msg.h"

#include <stdint.h>
#include <string.h>

#include "sip/parse_int.h"

static enum sip_parse_res bad(struct sip_err *err, struct sv in, const char *at)
{
    sip_err_set(err, (size_t)(at - in.p), "Bad name-addr", 400);
    return SIP_PARSE_BAD;
}

/* display-name = *(token LWS) / quoted-string, followed by LAQUOT. */
static const char *display_name(const char *p, const char *end,
                                struct sv *display)
{
    if (*p == '"') {
        const char *q = sip_lex_quoted(p, end);
        if (!q) {
            return NULL;
        }
        *display = sip_sv(p, q);
        q = sip_lex_lws(q, end);
        return (q < end && *q == '<') ? q : NULL;
    }
    if (*p == '<') {
        return p;
    }
    const char *q = p;
    const char *last = p;
    for (;;) {
        const char *t = sip_lex_span(q, end, SIP_C_TOKEN);
        if (t == q) {
            break;
        }
        last = t;
        q = sip_lex_lws(t, end);
    }
    if (last > p && q < end && *q == '<') {
        *display = sip_sv(p, last);
        return q;
    }
    return p; /* not a name-addr: caller tries addr-spec */
}

enum sip_parse_res sip_lex_nameaddr(struct sv in, size_t *pos, bool list,
                                    struct sip_nameaddr *na,
                                    struct sip_err *err)
{
    in = sip_sv_safe(in);
    const char *end = in.p + in.len;
    const char *p = sip_lex_lws(in.p + *pos, end);
    struct sip_err uerr;

    memset(na, 0, sizeof(*na));
    if (p >= end) {
        return bad(err, in, p);
    }
    const char *laq = display_name(p, end, &na->display);
    if (!laq) {
        return bad(err, in, p);
    }
    if (*laq == '<') {
        const char *u = laq + 1;
        const char *raq = memchr(u, '>', (size_t)(end - u));
        if (!raq) {
            return bad(err, in, laq);
        }
        na->uri_raw = sip_sv(u, raq);
        if (sip_parse_uri(na->uri_raw, &na->uri, &uerr) != SIP_PARSE_OK) {
            return bad(err, in, u + uerr.offset);
        }
        p = raq + 1;
    } else {
        /* addr-spec: RFC 3261 §20: ';' starts header params here, and a
         * URI with ',', ';' or '?' would have needed <>. */
        const char *u = p;
        while (p < end && *p != ';' && !(list && *p == ',')
               && !sip_is(*p, SIP_C_WS)) {
            p++;
        }
        na->uri_raw = sip_sv(u, p);
        if (memchr(u, '?', (size_t)(p - u))
            || sip_parse_uri(na->uri_raw, &na->uri, &uerr) != SIP_PARSE_OK) {
            return bad(err, in, u);
        }
    }

    const char *params = NULL;
    const char *last = p;
    for (;;) {
        const char *q = sip_lex_lws(p, end);
        if (q >= end || *q != ';') {
            break;
        }
        struct sip_param prm;
        const char *r = sip_lex_param(q, end, &prm);
        if (!r) {
            return bad(err, in, q);
        }
        if (sv_eq_cstr_nocase(prm.name, "tag")) {
            /* tag-param = "tag" EQUAL token */
            if (!prm.has_value || prm.value.p[0] == '"') {
                return bad(err, in, q);
            }
            if (na->tag.len == 0) {
                na->tag = prm.value;
            }
        }
        if (!params) {
            params = q;
        }
        p = last = r;
    }
    if (params) {
        na->params = sip_sv(params, last);
    }
    const char *q = sip_lex_lws(p, end);
    if (q < end && !(list && *q == ',')) {
        return bad(err, in, q);
    }
    *pos = (size_t)(q - in.p);
    return SIP_PARSE_OK;
}

enum sip_parse_res sip_parse_nameaddr(struct sv in, struct sip_nameaddr *na,
                                      struct sip_err *err)
{
    size_t pos = 0;
    return sip_lex_nameaddr(in, &pos, false, na, err);
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
static bool qvalue_ok(struct sv v)
{
    if (v.len == 0 || v.len > 5 || (v.p[0] != '0' && v.p[0] != '1')) {
        return false;
    }
    if (v.len == 1) {
        return true;
    }
    if (v.p[1] != '.') {
        return false;
    }
    for (size_t i = 2; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9' || (v.p[0] == '1' && v.p[i] != '0')) {
            return false;
        }
    }
    return true;
}

static enum sip_parse_res contact_params(struct sip_contact *c,
                                         struct sip_err *err, size_t base)
{
    const char *p = c->na.params.p;
    const char *end = p ? p + c->na.params.len : p;
    struct sip_param prm;

    while (p < end) {
        p = sip_lex_lws(p, end);
        if (p >= end) {
            break;
        }
        const char *q = sip_lex_param(p, end, &prm);
        if (!q) {
            break; /* validated by sip_lex_nameaddr() already */
        }
        if (sv_eq_cstr_nocase(prm.name, "expires")) {
            /* RFC 3261 §20.10 delta-seconds; huge values clamp. */
            if (sip_lex_u32(prm.value, UINT32_MAX, true, &c->expires_s) != 0) {
                sip_err_set(err, base + (size_t)(p - c->na.params.p),
                            "Bad Contact expires", 400);
                return SIP_PARSE_BAD;
            }
            c->has_expires = true;
        } else if (sv_eq_cstr_nocase(prm.name, "q")) {
            if (!qvalue_ok(prm.value)) {
                sip_err_set(err, base + (size_t)(p - c->na.params.p),
                            "Bad Contact q", 400);
                return SIP_PARSE_BAD;
            }
            c->q = prm.value;
        }
        p = q;
    }
    return SIP_PARSE_OK;
}

static enum sip_parse_res contact_bad(struct sip_err *err, size_t off)
{
    sip_err_set(err, off, "Bad Contact header", 400);
    return SIP_PARSE_BAD;
}

enum sip_parse_res sip_msg_next_contact(const struct sip_msg *msg,
                                        struct sip_contact_iter *it,
                                        struct sip_contact *out,
                                        struct sip_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!it->hdr) {
        it->hdr = sip_msg_hdr(msg, SIP_HDR_CONTACT);
        it->pos = 0;
        if (!it->hdr) {
            return SIP_PARSE_AGAIN;
        }
    }
    for (;;) {
        struct sv v = it->hdr->value;
        size_t base = (size_t)(v.p - msg->raw.p);
        const char *end = v.p + v.len;
        if (it->pos == 0 && v.len == 0) {
            return contact_bad(err, base);
        }
        const char *p = sip_lex_lws(v.p + it->pos, end);
        if (it->pos > 0 && v.p[it->pos - 1] == ',' && p >= end) {
            /* a comma must be followed by another entry */
            return contact_bad(err, base + it->pos - 1);
        }
        if (p >= end) {
            const struct sip_hdr *next = sip_msg_hdr_next(msg, it->hdr);
            if (!next) {
                it->pos = v.len;
                return SIP_PARSE_AGAIN;
            }
            it->hdr = next;
            it->pos = 0;
            continue;
        }
        if (*p == '*') {
            /* RFC 3261 §10.2.2: "Contact: *" stands alone. */
            if (it->pos != 0 || sip_lex_lws(p + 1, end) != end) {
                return contact_bad(err, base + (size_t)(p - v.p));
            }
            out->star = true;
            it->pos = v.len;
            return SIP_PARSE_OK;
        }
        size_t pos = it->pos;
        struct sip_err e;
        if (sip_lex_nameaddr(v, &pos, true, &out->na, &e) != SIP_PARSE_OK) {
            return contact_bad(err, base + e.offset);
        }
        size_t poff = out->na.params.len ? (size_t)(out->na.params.p - v.p) : 0;
        if (contact_params(out, err, base + poff) != SIP_PARSE_OK) {
            return SIP_PARSE_BAD;
        }
        /* at ',' (consumed) or at the end of the value */
        it->pos = pos < v.len ? pos + 1 : v.len;
        return SIP_PARSE_OK;
    }
}
