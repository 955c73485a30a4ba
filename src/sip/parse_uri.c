/* SPDX-License-Identifier: Apache-2.0 */
/*
 * URI parser: SIP and SIPS URIs per RFC 3261 §19.1 / §25.1 (userinfo with
 * escapes, IPv6 references per RFC 5118, URI parameters and headers, all
 * syntax-checked but left escaped), and any other scheme as an opaque
 * absoluteURI (tel:, http:, urn: ...). Semantic checks (allowed schemes,
 * headers in a Request-URI) are the caller's.
 */
#include "sip/msg.h"

#include <string.h>

#include "sip/parse_int.h"

static enum sip_parse_res bad(struct sip_err *err, struct sv in, const char *at)
{
    sip_err_set(err, (size_t)(at - in.p), "Bad URI", 400);
    return SIP_PARSE_BAD;
}

/* uri-parameters: *( ";" pname [ "=" pvalue ] ), stops at '?' or the end. */
static const char *uri_params(const char *p, const char *end)
{
    const unsigned cls = SIP_C_UNRESERVED | SIP_C_PARAM;

    while (p < end && *p == ';') {
        const char *s = p + 1;
        const char *e = s;
        while (e < end && *e != ';' && *e != '?') {
            e++;
        }
        const char *eq = memchr(s, '=', (size_t)(e - s));
        const char *name_end = eq ? eq : e;
        if (name_end == s || !sip_lex_escaped(s, name_end, cls)) {
            return NULL;
        }
        if (eq && (eq + 1 == e || !sip_lex_escaped(eq + 1, e, cls))) {
            return NULL;
        }
        p = e;
    }
    return p;
}

/* headers: hname "=" hvalue *( "&" hname "=" hvalue ), after the '?'. */
static bool uri_headers(const char *p, const char *end)
{
    const unsigned cls = SIP_C_UNRESERVED | SIP_C_HNV;

    if (p == end) {
        return false;
    }
    while (p < end) {
        const char *e = memchr(p, '&', (size_t)(end - p));
        if (!e) {
            e = end;
        }
        const char *eq = memchr(p, '=', (size_t)(e - p));
        if (!eq || eq == p || !sip_lex_escaped(p, eq, cls)
            || !sip_lex_escaped(eq + 1, e, cls)) {
            return false;
        }
        p = e < end ? e + 1 : e;
        if (e < end && p == end) {
            return false; /* trailing '&' */
        }
    }
    return true;
}

enum sip_parse_res sip_parse_uri(struct sv in, struct sip_uri *uri,
                                 struct sip_err *err)
{
    in = sip_sv_safe(in);
    const char *p = in.p;
    const char *end = in.p + in.len;

    memset(uri, 0, sizeof(*uri));
    if (in.len == 0 || !sip_is(*p, SIP_C_ALPHA)) {
        return bad(err, in, p);
    }
    const char *s = sip_lex_span(p, end, SIP_C_SCHEME);
    if (s >= end || *s != ':') {
        return bad(err, in, s);
    }
    uri->scheme_name = sip_sv(p, s);
    if (sv_eq_cstr_nocase(uri->scheme_name, "sip")) {
        uri->scheme = SIP_URI_SIP;
    } else if (sv_eq_cstr_nocase(uri->scheme_name, "sips")) {
        uri->scheme = SIP_URI_SIPS;
    } else {
        uri->scheme = SIP_URI_OTHER;
    }
    p = s + 1;
    if (uri->scheme == SIP_URI_OTHER) {
        /* RFC 3261 absoluteURI: hier-part / opaque-part, kept opaque. */
        if (p == end || !sip_lex_escaped(p, end, SIP_C_URIC)) {
            return bad(err, in, p);
        }
        uri->opaque = sip_sv(p, end);
        return SIP_PARSE_OK;
    }

    /*
     * userinfo: '@' cannot appear unescaped in hostport, parameters or
     * headers, while user may hold ';', '?' and '/' (RFC 4475 §3.1.1.2), so
     * the first '@' ends it.
     */
    const char *at = memchr(p, '@', (size_t)(end - p));
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *user_end = colon ? colon : at;
        if (user_end == p
            || !sip_lex_escaped(p, user_end, SIP_C_UNRESERVED | SIP_C_USER)) {
            return bad(err, in, p);
        }
        uri->user = sip_sv(p, user_end);
        if (colon) {
            if (!sip_lex_escaped(colon + 1, at,
                                 SIP_C_UNRESERVED | SIP_C_PASS)) {
                return bad(err, in, colon + 1);
            }
            uri->password = sip_sv(colon + 1, at);
        }
        p = at + 1;
    }

    struct sip_host h;
    const char *q = sip_lex_hostport(p, end, false, &h);
    if (!q) {
        return bad(err, in, p);
    }
    uri->host = h.host;
    uri->host_is_ipv6 = h.is_ipv6;
    uri->has_port = h.has_port;
    uri->port = h.port;
    p = q;

    if (p < end && *p == ';') {
        q = uri_params(p, end);
        if (!q) {
            return bad(err, in, p);
        }
        uri->params = sip_sv(p, q);
        p = q;
    }
    if (p < end && *p == '?') {
        if (!uri_headers(p + 1, end)) {
            return bad(err, in, p);
        }
        uri->headers = sip_sv(p + 1, end);
        p = end;
    }
    if (p != end) {
        return bad(err, in, p);
    }
    return SIP_PARSE_OK;
}
