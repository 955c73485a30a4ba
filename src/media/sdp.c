/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pass over the SDP lines: session-level a=fingerprint applies to
 * every media section; a=crypto and a=fingerprint inside a section apply
 * to it. A section is judged when the next m= line or the end arrives.
 */
#include "media/sdp.h"

#include <errno.h>
#include <string.h>

enum media_proto {
    PROTO_PLAIN = 0, /* RTP/AVP, RTP/AVPF, udptl, TCP, anything else */
    PROTO_SAVP,      /* RTP/SAVP, RTP/SAVPF: keys by SDES (or DTLS) */
    PROTO_DTLS,      /* UDP/TLS/RTP/SAVP(F), TCP/TLS/..., (UDP/)DTLS/SCTP */
};

struct section {
    bool open;
    bool active;
    enum media_proto proto;
    bool crypto;
    bool fingerprint;
};

static bool has_suffix_nocase(struct sv v, const char *suffix)
{
    size_t n = strlen(suffix);
    return v.len >= n
           && sv_eq_cstr_nocase(sv_slice(v, v.len - n, v.len), suffix);
}

static enum media_proto proto_of(struct sv proto)
{
    if (has_suffix_nocase(proto, "TLS/RTP/SAVP")
        || has_suffix_nocase(proto, "TLS/RTP/SAVPF")
        || has_suffix_nocase(proto, "DTLS/SCTP")) {
        return PROTO_DTLS;
    }
    if (sv_eq_cstr_nocase(proto, "RTP/SAVP")
        || sv_eq_cstr_nocase(proto, "RTP/SAVPF")) {
        return PROTO_SAVP;
    }
    return PROTO_PLAIN;
}

/* Next space-separated token of 'rest'; false when there is none. */
static bool next_token(struct sv *rest, struct sv *tok)
{
    size_t i = 0;
    while (i < rest->len && rest->p[i] == ' ') {
        i++;
    }
    size_t start = i;
    while (i < rest->len && rest->p[i] != ' ') {
        i++;
    }
    if (i == start) {
        return false;
    }
    *tok = sv_slice(*rest, start, i);
    *rest = sv_slice(*rest, i, rest->len);
    return true;
}

/* "m=<media> <port>[/<count>] <proto> <fmt> ..." (the value after m=). */
static int parse_m(struct sv v, struct section *s)
{
    struct sv media;
    struct sv port;
    struct sv proto;
    struct sv fmt;
    if (!next_token(&v, &media) || !next_token(&v, &port)
        || !next_token(&v, &proto) || !next_token(&v, &fmt)) {
        return -EINVAL;
    }
    ptrdiff_t slash = sv_find_char(port, '/');
    if (slash >= 0) {
        uint64_t count;
        if (sv_to_u64(sv_slice(port, (size_t)slash + 1, port.len), 65535,
                      &count)
            != 0) {
            return -EINVAL;
        }
        port = sv_slice(port, 0, (size_t)slash);
    }
    uint64_t p;
    if (sv_to_u64(port, 65535, &p) != 0) {
        return -EINVAL;
    }
    memset(s, 0, sizeof(*s));
    s->open = true;
    s->active = p != 0;
    s->proto = proto_of(proto);
    return 0;
}

static void close_section(const struct section *s, bool session_fp,
                          struct media_sdp_info *out)
{
    if (!s->open) {
        return;
    }
    out->n_media++;
    if (!s->active) {
        return;
    }
    out->n_active++;
    bool fp = s->fingerprint || session_fp;
    switch (s->proto) {
    case PROTO_DTLS:
        if (fp) {
            out->n_dtls++;
            return;
        }
        break;
    case PROTO_SAVP:
        if (s->crypto) {
            out->n_sdes++;
            return;
        }
        if (fp) {
            out->n_dtls++; /* DTLS-SRTP announced with the older profile */
            return;
        }
        break;
    case PROTO_PLAIN:
        break;
    }
    out->n_plain++;
}

static bool attr_is(struct sv value, const char *name)
{
    size_t n = strlen(name);
    return value.len >= n && sv_eq_cstr_nocase(sv_slice(value, 0, n), name)
           && (value.len == n || value.p[n] == ':');
}

static int fail(const char **why, const char *reason)
{
    if (why) {
        *why = reason;
    }
    return -EINVAL;
}

int media_sdp_scan(struct sv body, struct media_sdp_info *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (body.p == NULL || body.len == 0) {
        return fail(why, "empty SDP body");
    }
    if (memchr(body.p, '\0', body.len) != NULL) {
        return fail(why, "NUL byte in the SDP body");
    }
    struct section cur = { 0 };
    bool session_fp = false;
    size_t n_lines = 0;
    size_t pos = 0;
    while (pos < body.len) {
        size_t end = pos;
        while (end < body.len && body.p[end] != '\n') {
            end++;
        }
        struct sv line = sv_slice(body, pos, end);
        pos = end + 1;
        if (line.len > 0 && line.p[line.len - 1] == '\r') {
            line.len--;
        }
        if (line.len == 0) {
            continue; /* tolerated: blank lines, a trailing CRLF */
        }
        if (++n_lines > MEDIA_SDP_MAX_LINES) {
            return fail(why, "too many SDP lines");
        }
        if (line.len < 2 || line.p[1] != '=' || line.p[0] < 'a'
            || line.p[0] > 'z') {
            return fail(why, "an SDP line is not of the form x=value");
        }
        struct sv value = sv_slice(line, 2, line.len);
        if (n_lines == 1 && !sv_eq_cstr(line, "v=0")) {
            return fail(why, "the SDP body does not start with v=0");
        }
        switch (line.p[0]) {
        case 'm':
            close_section(&cur, session_fp, out);
            if (parse_m(value, &cur) != 0) {
                return fail(why, "malformed m= line");
            }
            break;
        case 'a':
            if (attr_is(value, "crypto")) {
                out->has_crypto = true;
                cur.crypto = cur.open;
            } else if (attr_is(value, "fingerprint")) {
                out->has_fingerprint = true;
                if (cur.open) {
                    cur.fingerprint = true;
                } else {
                    session_fp = true;
                }
            }
            break;
        default:
            break;
        }
    }
    close_section(&cur, session_fp, out);
    return 0;
}
