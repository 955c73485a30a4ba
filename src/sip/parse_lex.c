/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared SIP lexer: the RFC 3261 §25.1 character class table, quoted
 * strings, generic parameters, hosts (RFC 5118 IPv6 references), numbers,
 * and the public sip_param_find() / sip_unescape() helpers. Grammar of
 * whole headers lives in the parse_<hdr>.c files.
 */
#include "sip/parse_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "base/hex.h"

/* ---- character classes (computed at compile time) ---------------------- */

#define ALPHA_(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define DIGIT_(c) ((c) >= '0' && (c) <= '9')
#define ALNUM_(c) (ALPHA_(c) || DIGIT_(c))
#define HEX_(c) \
    (DIGIT_(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define TOKX_(c)                                                        \
    ((c) == '-' || (c) == '.' || (c) == '!' || (c) == '%' || (c) == '*' \
     || (c) == '_' || (c) == '+' || (c) == '`' || (c) == '\'' || (c) == '~')
#define WORDX_(c)                                                           \
    ((c) == '(' || (c) == ')' || (c) == '<' || (c) == '>' || (c) == ':'     \
     || (c) == '\\' || (c) == '"' || (c) == '/' || (c) == '[' || (c) == ']' \
     || (c) == '?' || (c) == '{' || (c) == '}')
#define MARK_(c)                                                        \
    ((c) == '-' || (c) == '_' || (c) == '.' || (c) == '!' || (c) == '~' \
     || (c) == '*' || (c) == '\'' || (c) == '(' || (c) == ')')
#define USERX_(c)                                                       \
    ((c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',' \
     || (c) == ';' || (c) == '?' || (c) == '/')
#define PASSX_(c) \
    ((c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')
#define PARAMX_(c)                                                      \
    ((c) == '[' || (c) == ']' || (c) == '/' || (c) == ':' || (c) == '&' \
     || (c) == '+' || (c) == '$')
#define HNVX_(c)                                                        \
    ((c) == '[' || (c) == ']' || (c) == '/' || (c) == '?' || (c) == ':' \
     || (c) == '+' || (c) == '$')
#define RESERVED_(c)                                                    \
    ((c) == ';' || (c) == '/' || (c) == '?' || (c) == ':' || (c) == '@' \
     || (c) == '&' || (c) == '=' || (c) == '+' || (c) == '$' || (c) == ',')

#define CLS(c)                                                                \
    (uint16_t)(                                                               \
        (ALPHA_(c) ? SIP_C_ALPHA : 0u) | (DIGIT_(c) ? SIP_C_DIGIT : 0u)       \
        | (HEX_(c) ? SIP_C_HEX : 0u)                                          \
        | (ALNUM_(c) || TOKX_(c) ? SIP_C_TOKEN : 0u)                          \
        | (ALNUM_(c) || TOKX_(c) || WORDX_(c) ? SIP_C_WORD : 0u)              \
        | (ALNUM_(c) || MARK_(c) ? SIP_C_UNRESERVED : 0u)                     \
        | (USERX_(c) ? SIP_C_USER : 0u) | (PASSX_(c) ? SIP_C_PASS : 0u)       \
        | (PARAMX_(c) ? SIP_C_PARAM : 0u) | (HNVX_(c) ? SIP_C_HNV : 0u)       \
        | (ALNUM_(c) || (c) == '-' || (c) == '.' || (c) == '_' ? SIP_C_HOST   \
                                                               : 0u)          \
        | (ALNUM_(c) || (c) == '+' || (c) == '-' || (c) == '.' ? SIP_C_SCHEME \
                                                               : 0u)          \
        | (ALNUM_(c) || MARK_(c) || RESERVED_(c) || (c) == '[' || (c) == ']'  \
                   || (c) == '#'                                              \
               ? SIP_C_URIC                                                   \
               : 0u)                                                          \
        | ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\n' ? SIP_C_WS \
                                                                   : 0u)      \
        | (ALNUM_(c) || TOKX_(c) || (c) == ':' || (c) == '[' || (c) == ']'    \
               ? SIP_C_GENVAL                                                 \
               : 0u))

#define R4(b)  CLS(b), CLS((b) + 1), CLS((b) + 2), CLS((b) + 3)
#define R16(b) R4(b), R4((b) + 4), R4((b) + 8), R4((b) + 12)
#define R64(b) R16(b), R16((b) + 16), R16((b) + 32), R16((b) + 48)

const uint16_t sip_cls[256] = { R64(0), R64(64), R64(128), R64(192) };

/* ---- errors ------------------------------------------------------------- */

void sip_err_set(struct sip_err *err, size_t off, const char *reason,
                 int status)
{
    if (err) {
        err->offset = off;
        err->reason = reason;
        err->status = status;
    }
}

/* ---- quoted strings, escapes, parameters -------------------------------- */

const char *sip_lex_quoted(const char *p, const char *end)
{
    /* RFC 3261 §25.1: qdtext / quoted-pair, LWS allowed inside. */
    for (p++; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            return p + 1;
        }
        if (c == '\\') {
            if (p + 1 >= end || p[1] == '\r' || p[1] == '\n') {
                return NULL;
            }
            p++;
            continue;
        }
        if ((c < 0x20 && !sip_is((char)c, SIP_C_WS)) || c == 0x7f) {
            return NULL;
        }
    }
    return NULL;
}

bool sip_lex_escaped(const char *p, const char *end, unsigned cls)
{
    while (p < end) {
        if (*p == '%') {
            if (end - p < 3 || !sip_is(p[1], SIP_C_HEX)
                || !sip_is(p[2], SIP_C_HEX)) {
                return false;
            }
            p += 3;
        } else if (sip_is(*p, cls)) {
            p++;
        } else {
            return false;
        }
    }
    return true;
}

static const char *lex_param(const char *p, const char *end, bool lenient,
                             struct sip_param *out)
{
    unsigned ncls = SIP_C_TOKEN;
    unsigned vcls = SIP_C_GENVAL;

    if (lenient) {
        /* Lookup over already validated text: header or URI params. */
        ncls |= SIP_C_UNRESERVED | SIP_C_PARAM;
        vcls |= SIP_C_UNRESERVED | SIP_C_PARAM;
    }
    memset(out, 0, sizeof(*out));
    if (p >= end || *p != ';') {
        return NULL;
    }
    p = sip_lex_lws(p + 1, end);
    const char *name = p;
    p = sip_lex_span(p, end, ncls);
    if (p == name) {
        return NULL;
    }
    out->name = sip_sv(name, p);
    out->whole = out->name;
    const char *q = sip_lex_lws(p, end);
    if (q >= end || *q != '=') {
        return p;
    }
    q = sip_lex_lws(q + 1, end);
    const char *v = q;
    if (q < end && *q == '"') {
        q = sip_lex_quoted(q, end);
        if (!q) {
            return NULL;
        }
    } else {
        q = sip_lex_span(q, end, vcls);
    }
    if (q == v) {
        return NULL;
    }
    out->has_value = true;
    out->value = sip_sv(v, q);
    out->whole = sip_sv(name, q);
    return q;
}

const char *sip_lex_param(const char *p, const char *end, struct sip_param *out)
{
    return lex_param(p, end, false, out);
}

bool sip_param_find(struct sv params, struct sv name, struct sv *value)
{
    params = sip_sv_safe(params);
    const char *p = params.p;
    const char *end = params.p + params.len;
    struct sip_param prm;

    if (params.len == 0) {
        return false;
    }
    for (;;) {
        p = sip_lex_lws(p, end);
        if (p >= end) {
            return false;
        }
        const char *q = lex_param(p, end, true, &prm);
        if (!q) {
            return false;
        }
        if (sv_eq_nocase(prm.name, name)) {
            if (value) {
                *value = prm.value;
            }
            return true;
        }
        p = q;
    }
}

long sip_unescape(struct sv in, char *dst, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < in.len; i++) {
        char c = in.p[i];
        if (c == '%') {
            if (in.len - i < 3) {
                return -EINVAL;
            }
            int hi = hex_val(in.p[i + 1]);
            int lo = hex_val(in.p[i + 2]);
            if (hi < 0 || lo < 0) {
                return -EINVAL;
            }
            c = (char)(hi * 16 + lo);
            if (c == '\0') {
                return -EINVAL;
            }
            i += 2;
        }
        if (n >= cap) {
            return -ENOSPC;
        }
        dst[n++] = c;
    }
    return (long)n;
}

/* ---- hosts --------------------------------------------------------------- */

bool sip_lex_ipv4(struct sv s)
{
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        unsigned v = 0;
        size_t digits = 0;
        if (part > 0) {
            if (i >= s.len || s.p[i] != '.') {
                return false;
            }
            i++;
        }
        while (i < s.len && DIGIT_(s.p[i]) && digits < 3) {
            v = v * 10 + (unsigned)(s.p[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || v > 255) {
            return false;
        }
    }
    return i == s.len;
}

bool sip_lex_ipv6(struct sv s)
{
    char tmp[64];
    struct in6_addr a;

    if (s.len < 2 || s.len > 46) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.p[i];
        if (!sip_is(c, SIP_C_HEX) && c != ':' && c != '.') {
            return false;
        }
    }
    memcpy(tmp, s.p, s.len);
    tmp[s.len] = '\0';
    /*
     * RFC 5118 §4.10: RFC 3261's ABNF admits "x:::a.b.c.d" (three colons
     * before an embedded IPv4 address); tolerate it as "x::a.b.c.d".
     */
    char *tri = strstr(tmp, ":::");
    if (tri && strchr(tri, '.') && !strchr(tri + 3, ':')) {
        memmove(tri, tri + 1, strlen(tri + 1) + 1);
    }
    return inet_pton(AF_INET6, tmp, &a) == 1;
}

static bool hostname_ok(struct sv h)
{
    bool numeric = true;
    size_t label = 0;

    for (size_t i = 0; i < h.len; i++) {
        char c = h.p[i];
        if (!DIGIT_(c) && c != '.') {
            numeric = false;
        }
        if (c == '.') {
            if (label == 0 || h.p[i - 1] == '-') {
                return false;
            }
            label = 0;
            continue;
        }
        if (c == '-' && label == 0) {
            return false;
        }
        label++;
    }
    if (numeric) {
        /* toplabel starts with ALPHA: all-digit hosts are IPv4 addresses */
        return sip_lex_ipv4(h);
    }
    /* a trailing dot is allowed (FQDN), a trailing '-' is not */
    return h.len > 0 && h.p[h.len - 1] != '-';
}

const char *sip_lex_hostport(const char *p, const char *end, bool sws,
                             struct sip_host *out)
{
    memset(out, 0, sizeof(*out));
    if (p >= end) {
        return NULL;
    }
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close || !sip_lex_ipv6(sip_sv(p + 1, close))) {
            return NULL;
        }
        out->host = sip_sv(p, close + 1);
        out->is_ipv6 = true;
        p = close + 1;
    } else {
        const char *h = p;
        p = sip_lex_span(p, end, SIP_C_HOST);
        if (p == h || !hostname_ok(sip_sv(h, p))) {
            return NULL;
        }
        out->host = sip_sv(h, p);
    }
    const char *q = sws ? sip_lex_lws(p, end) : p;
    if (q >= end || *q != ':') {
        return p;
    }
    q = sws ? sip_lex_lws(q + 1, end) : q + 1;
    const char *d = q;
    q = sip_lex_span(q, end, SIP_C_DIGIT);
    uint32_t port;
    if (q == d || q - d > 5
        || sip_lex_u32(sip_sv(d, q), 65535, false, &port) != 0) {
        return NULL;
    }
    out->has_port = true;
    out->port = (uint16_t)port;
    return q;
}

/* ---- numbers ------------------------------------------------------------- */

int sip_lex_u32(struct sv v, uint32_t max, bool clamp, uint32_t *out)
{
    uint64_t n = 0;
    bool over = false;

    if (v.len == 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < v.len; i++) {
        if (!DIGIT_(v.p[i])) {
            return -EINVAL;
        }
        if (!over) {
            n = n * 10 + (uint64_t)(v.p[i] - '0');
            over = n > max;
        }
    }
    if (over) {
        if (!clamp) {
            return -ERANGE;
        }
        n = max;
    }
    *out = (uint32_t)n;
    return 0;
}
