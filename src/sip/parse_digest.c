/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest credentials and challenges (RFC 7616 as used by SIP, RFC 8760):
 * the auth-scheme, then comma-separated auth-params whose values are tokens
 * or quoted-strings. Known params fill struct sip_digest (quotes stripped,
 * quoted-pairs kept: see sip_unquote()), unknown ones are skipped, a known
 * one given twice is refused. Checking the response is the registrar's job.
 */
#include "sip/msg.h"

#include <errno.h>
#include <string.h>

#include "sip/parse_int.h"

#define DIGEST_MAX_PARAMS 32

enum {
    D_USERNAME,
    D_REALM,
    D_NONCE,
    D_URI,
    D_RESPONSE,
    D_ALGORITHM,
    D_CNONCE,
    D_OPAQUE,
    D_QOP,
    D_NC,
    D_USERHASH,
    D_STALE,
    D_COUNT_
};

static const char *const param_names[D_COUNT_] = {
    [D_USERNAME] = "username", [D_REALM] = "realm",
    [D_NONCE] = "nonce",       [D_URI] = "uri",
    [D_RESPONSE] = "response", [D_ALGORITHM] = "algorithm",
    [D_CNONCE] = "cnonce",     [D_OPAQUE] = "opaque",
    [D_QOP] = "qop",           [D_NC] = "nc",
    [D_USERHASH] = "userhash", [D_STALE] = "stale",
};

static enum sip_parse_res bad(struct sip_err *err, struct sv in, const char *at,
                              const char *reason)
{
    sip_err_set(err, (size_t)(at - in.p), reason, 400);
    return SIP_PARSE_BAD;
}

static int param_index(struct sv name)
{
    for (int i = 0; i < D_COUNT_; i++) {
        if (sv_eq_cstr_nocase(name, param_names[i])) {
            return i;
        }
    }
    return -1;
}

static bool bool_value(struct sv v, bool *out)
{
    if (sv_eq_cstr_nocase(v, "true")) {
        *out = true;
        return true;
    }
    if (sv_eq_cstr_nocase(v, "false")) {
        *out = false;
        return true;
    }
    return false;
}

static bool store(struct sip_digest *dig, int idx, struct sv v)
{
    switch (idx) {
    case D_USERNAME:
        dig->username = v;
        break;
    case D_REALM:
        dig->realm = v;
        break;
    case D_NONCE:
        dig->nonce = v;
        break;
    case D_URI:
        dig->uri = v;
        break;
    case D_RESPONSE:
        dig->response = v;
        break;
    case D_ALGORITHM:
        dig->algorithm = v;
        break;
    case D_CNONCE:
        dig->cnonce = v;
        break;
    case D_OPAQUE:
        dig->opaque = v;
        break;
    case D_QOP:
        dig->qop = v;
        break;
    case D_NC:
        /* nc-value = 8LHEX */
        if (v.len != 8 || sip_lex_span(v.p, v.p + 8, SIP_C_HEX) != v.p + 8) {
            return false;
        }
        dig->nc = v;
        break;
    case D_USERHASH:
        return bool_value(v, &dig->userhash);
    case D_STALE:
        return bool_value(v, &dig->stale);
    default:
        break;
    }
    return true;
}

enum sip_parse_res sip_parse_digest(struct sv in, struct sip_digest *dig,
                                    struct sip_err *err)
{
    in = sip_sv_safe(in);
    const char *end = in.p + in.len;
    const char *p = sip_lex_lws(in.p, end);
    unsigned seen = 0;
    unsigned n = 0;

    memset(dig, 0, sizeof(*dig));
    const char *s = sip_lex_span(p, end, SIP_C_TOKEN);
    if (s == p) {
        return bad(err, in, p, "Bad authentication scheme");
    }
    dig->scheme = sip_sv(p, s);
    if (!sv_eq_cstr_nocase(dig->scheme, "Digest")) {
        return SIP_PARSE_OK; /* other schemes' params are not ours */
    }
    p = sip_lex_lws(s, end);
    if (p == s || p >= end) {
        return bad(err, in, p, "Bad Digest parameters");
    }
    while (p < end) {
        const char *name = p;
        const char *ne = sip_lex_span(p, end, SIP_C_TOKEN);
        if (ne == name) {
            return bad(err, in, p, "Bad Digest parameters");
        }
        p = sip_lex_lws(ne, end);
        if (p >= end || *p != '=') {
            return bad(err, in, p, "Bad Digest parameters");
        }
        p = sip_lex_lws(p + 1, end);
        struct sv value;
        if (p < end && *p == '"') {
            const char *q = sip_lex_quoted(p, end);
            if (!q) {
                return bad(err, in, p, "Bad Digest parameters");
            }
            value = sip_sv(p + 1, q - 1);
            p = q;
        } else {
            const char *q = sip_lex_span(p, end, SIP_C_TOKEN);
            if (q == p) {
                return bad(err, in, p, "Bad Digest parameters");
            }
            value = sip_sv(p, q);
            p = q;
        }
        if (++n > DIGEST_MAX_PARAMS) {
            return bad(err, in, name, "Too many Digest parameters");
        }
        int idx = param_index(sip_sv(name, ne));
        if (idx >= 0) {
            if (seen & (1u << idx)) {
                return bad(err, in, name, "Duplicate Digest parameter");
            }
            seen |= 1u << idx;
            if (!store(dig, idx, value)) {
                return bad(err, in, name, "Bad Digest parameters");
            }
        }
        p = sip_lex_lws(p, end);
        if (p >= end) {
            break;
        }
        if (*p != ',') {
            return bad(err, in, p, "Bad Digest parameters");
        }
        /* RFC 9110 §5.6.1: empty list elements are tolerated. */
        while (p < end && (*p == ',' || sip_is(*p, SIP_C_WS))) {
            p++;
        }
    }
    return SIP_PARSE_OK;
}

long sip_unquote(struct sv in, char *dst, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < in.len; i++) {
        char c = in.p[i];
        if (c == '\\') {
            if (++i >= in.len) {
                return -EINVAL;
            }
            c = in.p[i];
        }
        if (n >= cap) {
            return -ENOSPC;
        }
        dst[n++] = c;
    }
    return (long)n;
}
