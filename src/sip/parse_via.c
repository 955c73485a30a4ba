/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Via parser: one via-parm of RFC 3261 §20.42 / §25.1 (sent-protocol with
 * LWS around the slashes, sent-by with IPv6 references, via-params with
 * branch, received (RFC 5118 §4.5: with or without brackets) and rport
 * (RFC 3581)). The caller walks comma-separated lists through 'rest'.
 */
#include "sip/msg.h"

#include <string.h>

#include "sip/parse_int.h"

static enum sip_parse_res bad(struct sip_err *err, struct sv in, const char *at)
{
    sip_err_set(err, (size_t)(at - in.p), "Bad Via header", 400);
    return SIP_PARSE_BAD;
}

/* RFC 3261 via-received (IPv4address / IPv6address), brackets tolerated. */
static bool received_ok(struct sv v)
{
    if (v.len >= 2 && v.p[0] == '[' && v.p[v.len - 1] == ']') {
        return sip_lex_ipv6(sv_make(v.p + 1, v.len - 2));
    }
    return sip_lex_ipv4(v) || sip_lex_ipv6(v);
}

/* token SWS "/" SWS, or the last token of sent-protocol when !slash. */
static const char *proto_part(const char *p, const char *end, bool slash,
                              struct sv *out)
{
    const char *t = sip_lex_span(p, end, SIP_C_TOKEN);
    if (t == p) {
        return NULL;
    }
    *out = sip_sv(p, t);
    if (!slash) {
        return t;
    }
    p = sip_lex_lws(t, end);
    if (p >= end || *p != '/') {
        return NULL;
    }
    return sip_lex_lws(p + 1, end);
}

static bool via_param(struct sip_via *via, const struct sip_param *prm)
{
    if (sv_eq_cstr_nocase(prm->name, "branch")) {
        if (!prm->has_value || prm->value.p[0] == '"') {
            return false;
        }
        if (via->branch.len == 0) {
            via->branch = prm->value;
        }
    } else if (sv_eq_cstr_nocase(prm->name, "received")) {
        if (!prm->has_value || !received_ok(prm->value)) {
            return false;
        }
        if (via->received.len == 0) {
            via->received = prm->value;
        }
    } else if (sv_eq_cstr_nocase(prm->name, "rport")) {
        /* RFC 3581: response-port = "rport" [EQUAL 1*DIGIT] */
        if (prm->has_value) {
            uint32_t port;
            if (sip_lex_u32(prm->value, 65535, false, &port) != 0) {
                return false;
            }
            if (!via->has_rport) {
                via->rport_has_value = true;
                via->rport = (uint16_t)port;
            }
        }
        via->has_rport = true;
    }
    return true;
}

enum sip_parse_res sip_parse_via(struct sv in, struct sip_via *via,
                                 struct sv *rest, struct sip_err *err)
{
    in = sip_sv_safe(in);
    const char *end = in.p + in.len;
    const char *p = sip_lex_lws(in.p, end);
    const char *start = p;
    struct sv name;
    struct sv version;

    memset(via, 0, sizeof(*via));
    if (rest) {
        *rest = sv_make(end, 0);
    }
    /* sent-protocol = protocol-name SLASH protocol-version SLASH transport */
    const char *q = proto_part(p, end, true, &name);
    if (q) {
        q = proto_part(q, end, true, &version);
    }
    if (q) {
        q = proto_part(q, end, false, &via->transport);
    }
    if (!q) {
        return bad(err, in, p);
    }
    p = sip_lex_lws(q, end);
    if (p == q) {
        return bad(err, in, p); /* LWS before sent-by is mandatory */
    }

    struct sip_host h;
    q = sip_lex_hostport(p, end, true, &h);
    if (!q) {
        return bad(err, in, p);
    }
    via->host = h.host;
    via->has_port = h.has_port;
    via->port = h.port;
    p = q;

    const char *last = p;
    const char *params = NULL;
    for (;;) {
        q = sip_lex_lws(p, end);
        if (q >= end || *q != ';') {
            break;
        }
        struct sip_param prm;
        const char *r = sip_lex_param(q, end, &prm);
        if (!r || !via_param(via, &prm)) {
            return bad(err, in, q);
        }
        if (!params) {
            params = q;
        }
        p = last = r;
    }
    if (params) {
        via->params = sip_sv(params, last);
    }
    via->raw = sip_sv(start, last);

    q = sip_lex_lws(p, end);
    if (q < end) {
        if (*q != ',') {
            return bad(err, in, q);
        }
        q = sip_lex_lws(q + 1, end);
        if (q >= end) {
            return bad(err, in, q); /* a comma must be followed by a via-parm */
        }
    }
    if (rest) {
        *rest = sip_sv(q, end);
    }
    return SIP_PARSE_OK;
}
