/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Message-level parsing: the start line, the header block (folding, names,
 * limits), the headers every transaction needs (Via, From, To, Call-ID,
 * CSeq, Max-Forwards, Content-Length) and the body framing of RFC 3261
 * §7 / §18.3; stream framing for TCP/TLS; the Expires header. Header bodies
 * are parsed by the parse_<hdr>.c files. Parsing goes on after the first
 * error so a 400 can echo as much as possible; the first error is reported.
 */
#include "sip/msg.h"

#include <errno.h>
#include <string.h>

#include "base/check.h"
#include "sip/parse_int.h"

struct pstate {
    struct sip_msg *msg;
    const char *base; /* input start: error offsets are relative to it */
    struct sip_err *err;
    bool failed;
    bool stop; /* a limit was hit: the header block is not read further */
    bool have_from, have_to, have_call_id, have_cseq, have_mf, have_cl;
};

static void fail(struct pstate *st, const char *at, const char *reason,
                 int status)
{
    if (!st->failed) {
        st->failed = true;
        sip_err_set(st->err, (size_t)(at - st->base), reason, status);
    }
}

static void msg_reset(struct sip_msg *msg)
{
    /* hdrs[] is filled as n_hdrs grows: only clear around it. */
    memset(msg, 0, offsetof(struct sip_msg, hdrs));
    memset((char *)msg + offsetof(struct sip_msg, n_hdrs), 0,
           sizeof(*msg) - offsetof(struct sip_msg, n_hdrs));
    msg->max_forwards = -1;
}

static bool is_sip20(struct sv v)
{
    return sv_eq_cstr_nocase(v, "SIP/2.0");
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT */
static bool is_sip_version(struct sv v)
{
    const char *end = v.p + v.len;
    if (v.len < 7 || !sv_starts_with_nocase(v, SV_LIT("SIP/"))) {
        return false;
    }
    const char *p = v.p + 4;
    const char *d = sip_lex_span(p, end, SIP_C_DIGIT);
    if (d == p || d >= end || *d != '.') {
        return false;
    }
    p = d + 1;
    d = sip_lex_span(p, end, SIP_C_DIGIT);
    return d > p && d == end;
}

/* ---- start line -----------------------------------------------------------
 */

static void parse_request_line(struct pstate *st, const char *p, const char *ce)
{
    struct sip_msg *msg = st->msg;

    if (ce - p > SIP_MAX_LINE_LEN) {
        fail(st, p, "Request-URI too long", 414);
        return;
    }
    /* RFC 3261 §7.1: Method SP Request-URI SP SIP-Version, single SPs. */
    const char *sp1 = memchr(p, ' ', (size_t)(ce - p));
    if (!sp1 || sp1 == p || sip_lex_span(p, sp1, SIP_C_TOKEN) != sp1) {
        fail(st, p, "Bad request line", 400);
        return;
    }
    msg->method_name = sip_sv(p, sp1);
    msg->method = sip_method_from_sv(msg->method_name);

    /* The version follows the last SP, so LWS inside the Request-URI
     * (RFC 4475 §3.1.2.8) is told apart from extra SPs (§3.1.2.9). */
    const char *u = sp1 + 1;
    const char *sp2 = ce;
    while (sp2 > u && sp2[-1] != ' ') {
        sp2--;
    }
    if (sp2 == u || sp2 - 1 == u || *u == ' ' || sp2[-2] == ' ') {
        fail(st, u, "Bad request line", 400);
        return;
    }
    sp2--;
    struct sv ver = sip_sv(sp2 + 1, ce);
    if (!is_sip20(ver)) {
        if (is_sip_version(ver)) {
            fail(st, ver.p, "Version Not Supported", 505);
        } else {
            fail(st, ver.p, "Bad request line", 400);
        }
    }
    msg->ruri_raw = sip_sv(u, sp2);
    struct sip_err e;
    if (sip_parse_uri(msg->ruri_raw, &msg->ruri, &e) != SIP_PARSE_OK) {
        fail(st, u + e.offset, "Bad Request-URI", 400);
    } else if (msg->ruri.scheme != SIP_URI_OTHER && msg->ruri.headers.len) {
        /* RFC 3261 §19.1.1 table: headers are not allowed here. */
        fail(st, msg->ruri.headers.p, "Bad Request-URI", 400);
    }
}

static void parse_status_line(struct pstate *st, const char *p, const char *ce)
{
    struct sip_msg *msg = st->msg;

    /* RFC 3261 §7.2: SIP-Version SP Status-Code SP Reason-Phrase */
    const char *sp1 = memchr(p, ' ', (size_t)(ce - p));
    if (!sp1) {
        fail(st, p, "Bad status line", 0);
        return;
    }
    if (!is_sip20(sip_sv(p, sp1))) {
        fail(st, p, "Version Not Supported", 0);
        return;
    }
    const char *d = sp1 + 1;
    if (ce - d < 3 || sip_lex_span(d, d + 3, SIP_C_DIGIT) != d + 3
        || (ce - d > 3 && d[3] != ' ') || d[0] < '1' || d[0] > '6') {
        fail(st, d, "Bad status code", 0);
        return;
    }
    msg->status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
    const char *r = ce - d > 3 ? d + 4 : ce;
    for (const char *q = r; q < ce; q++) {
        unsigned char c = (unsigned char)*q;
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            fail(st, q, "Bad reason phrase", 0);
            return;
        }
    }
    msg->reason = sip_sv(r, ce);
}

/* ---- headers every transaction needs ---------------------------------------
 */

/* callid = word [ "@" word ] */
static bool call_id_ok(struct sv v)
{
    const char *end = v.p + v.len;
    const char *p = sip_lex_span(v.p, end, SIP_C_WORD);
    if (p == v.p) {
        return false;
    }
    if (p < end && *p == '@') {
        const char *q = sip_lex_span(p + 1, end, SIP_C_WORD);
        if (q == p + 1) {
            return false;
        }
        p = q;
    }
    return p == end;
}

/* Comma-separated elements outside quotes (Via entries past the limit). */
static unsigned count_elems(struct sv v)
{
    unsigned n = 1;
    bool quoted = false;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] == '"') {
            quoted = !quoted;
        } else if (v.p[i] == '\\' && quoted) {
            i++;
        } else if (v.p[i] == ',' && !quoted) {
            n++;
        }
    }
    return n;
}

static void hdr_via(struct pstate *st, struct sv value)
{
    struct sip_msg *msg = st->msg;
    struct sv cur = value;

    if (value.len == 0) {
        fail(st, value.p, "Bad Via header", 400);
        msg->n_via++;
        return;
    }
    while (cur.len > 0) {
        if (msg->n_via >= SIP_MAX_VIA) {
            /* Entries past the limit are counted, not parsed. */
            msg->n_via += count_elems(cur);
            return;
        }
        struct sip_via via;
        struct sv next;
        struct sip_err e;
        if (sip_parse_via(cur, &via, &next, &e) != SIP_PARSE_OK) {
            fail(st, cur.p + e.offset, "Bad Via header", 400);
            msg->n_via += count_elems(cur);
            return;
        }
        if (msg->n_via == 0) {
            msg->via = via;
        }
        msg->n_via++;
        cur = next;
    }
}

static void hdr_nameaddr(struct pstate *st, struct sv value, bool *seen,
                         struct sip_nameaddr *out, const char *dup,
                         const char *badr)
{
    struct sip_nameaddr na;
    struct sip_err e;

    if (*seen) {
        fail(st, value.p, dup, 400);
        return;
    }
    *seen = true;
    if (sip_parse_nameaddr(value, &na, &e) != SIP_PARSE_OK) {
        fail(st, value.p + e.offset, badr, 400);
        return;
    }
    *out = na;
}

static void hdr_cseq(struct pstate *st, struct sv value)
{
    struct sip_cseq cseq;
    struct sip_err e;

    if (st->have_cseq) {
        fail(st, value.p, "Duplicate CSeq header", 400);
        return;
    }
    st->have_cseq = true;
    if (sip_parse_cseq(value, &cseq, &e) != SIP_PARSE_OK) {
        fail(st, value.p + e.offset, "Bad CSeq header", 400);
        return;
    }
    st->msg->cseq = cseq;
}

static void hdr_call_id(struct pstate *st, struct sv value)
{
    if (st->have_call_id) {
        fail(st, value.p, "Duplicate Call-ID header", 400);
        return;
    }
    st->have_call_id = true;
    if (!call_id_ok(value)) {
        fail(st, value.p, "Bad Call-ID header", 400);
        return;
    }
    st->msg->call_id = value;
}

static void hdr_max_forwards(struct pstate *st, struct sv value)
{
    uint32_t mf;

    if (st->have_mf) {
        fail(st, value.p, "Duplicate Max-Forwards header", 400);
        return;
    }
    st->have_mf = true;
    /* RFC 3261 §20.22: 1*DIGIT, and PRODUCT.md caps it at 255. */
    if (sip_lex_u32(value, SIP_MAX_MAX_FORWARDS, false, &mf) != 0) {
        fail(st, value.p, "Bad Max-Forwards header", 400);
        return;
    }
    st->msg->max_forwards = (int)mf;
}

static void hdr_content_length(struct pstate *st, struct sv value)
{
    uint32_t cl;

    if (sip_lex_u32(value, UINT32_MAX, true, &cl) != 0) {
        fail(st, value.p, "Bad Content-Length header", 400);
        return;
    }
    if (st->have_cl && cl != st->msg->content_length) {
        fail(st, value.p, "Conflicting Content-Length headers", 400);
        return;
    }
    if (cl > SIP_MAX_BODY_LEN) {
        fail(st, value.p, "Content-Length too large", 413);
        return;
    }
    st->have_cl = true;
    st->msg->content_length = cl;
}

/* One logical header line [ls, ce): name, colon, value (may be folded). */
static void header_line(struct pstate *st, const char *ls, const char *ce)
{
    struct sip_msg *msg = st->msg;

    /* RFC 3261 §7.3.1: field-name HCOLON field-value, HCOLON allows WSP
     * before the colon but no folding. */
    const char *ne = sip_lex_span(ls, ce, SIP_C_TOKEN);
    const char *q = ne;
    while (q < ce && (*q == ' ' || *q == '\t')) {
        q++;
    }
    if (ne == ls || q >= ce || *q != ':') {
        fail(st, ls, "Bad header line", 400);
        return;
    }
    if (msg->n_hdrs >= SIP_MAX_HDRS) {
        fail(st, ls, "Too many headers", 400);
        st->stop = true;
        return;
    }
    struct sip_hdr *h = &msg->hdrs[msg->n_hdrs++];
    h->name = sip_sv(ls, ne);
    h->id = sip_hdr_id_from_name(h->name);
    h->value = sv_trim(sip_sv(q + 1, ce));

    switch (h->id) {
    case SIP_HDR_VIA:
        hdr_via(st, h->value);
        break;
    case SIP_HDR_FROM:
        hdr_nameaddr(st, h->value, &st->have_from, &msg->from,
                     "Duplicate From header", "Bad From header");
        break;
    case SIP_HDR_TO:
        hdr_nameaddr(st, h->value, &st->have_to, &msg->to,
                     "Duplicate To header", "Bad To header");
        break;
    case SIP_HDR_CALL_ID:
        hdr_call_id(st, h->value);
        break;
    case SIP_HDR_CSEQ:
        hdr_cseq(st, h->value);
        break;
    case SIP_HDR_MAX_FORWARDS:
        hdr_max_forwards(st, h->value);
        break;
    case SIP_HDR_CONTENT_LENGTH:
        hdr_content_length(st, h->value);
        break;
    default:
        break;
    }
}

/*
 * Read header lines from 'p' up to and including the empty line. Returns
 * the first body byte, or NULL when the block is cut short or a limit
 * stops the parse. Lines end in CRLF (a bare LF is tolerated); a bare CR is
 * refused; a line starting with SP / HTAB continues the previous one.
 */
static const char *parse_headers(struct pstate *st, const char *p,
                                 const char *end)
{
    for (;;) {
        if (p >= end) {
            fail(st, p, "Missing empty line after headers", 400);
            return NULL;
        }
        if (*p == '\n') {
            return p + 1;
        }
        if (*p == '\r' && end - p >= 2 && p[1] == '\n') {
            return p + 2;
        }
        const char *ls = p;
        const char *ce;
        for (;;) {
            const char *lf = memchr(p, '\n', (size_t)(end - p));
            if (!lf) {
                fail(st, p, "Missing empty line after headers", 400);
                return NULL;
            }
            ce = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
            const char *cr = memchr(p, '\r', (size_t)(ce - p));
            if (cr) {
                fail(st, cr, "Bad header line", 400);
                return NULL;
            }
            p = lf + 1;
            if (p < end && (*p == ' ' || *p == '\t')) {
                continue; /* folded: LWS = [*WSP CRLF] 1*WSP */
            }
            break;
        }
        if (ce - ls > SIP_MAX_LINE_LEN) {
            fail(st, ls, "Header line too long", 400);
            st->stop = true;
            return NULL;
        }
        header_line(st, ls, ce);
        if (st->stop) {
            return NULL;
        }
    }
}

/* ---- sip_msg_parse
 * ----------------------------------------------------------- */

static void check_required(struct pstate *st, const char *at)
{
    struct sip_msg *msg = st->msg;

    /* RFC 3261 §8.1.1: the headers every request and response carries. */
    if (msg->n_via == 0) {
        fail(st, at, "Missing Via header", 400);
    }
    if (!st->have_from) {
        fail(st, at, "Missing From header", 400);
    }
    if (!st->have_to) {
        fail(st, at, "Missing To header", 400);
    }
    if (!st->have_call_id) {
        fail(st, at, "Missing Call-ID header", 400);
    }
    if (!st->have_cseq) {
        fail(st, at, "Missing CSeq header", 400);
    }
    if (msg->is_request && msg->cseq.method_name.len && msg->method_name.len
        && !sv_eq(msg->cseq.method_name, msg->method_name)) {
        /* RFC 3261 §8.1.1.5: the CSeq method MUST match the request's. */
        fail(st, msg->cseq.method_name.p, "CSeq method mismatch", 400);
    }
}

enum sip_parse_res sip_msg_parse(struct sip_msg *msg, struct sv raw,
                                 struct sip_err *err)
{
    raw = sip_sv_safe(raw);
    struct pstate st = { .msg = msg, .base = raw.p, .err = err };
    const char *p = raw.p;
    const char *end = raw.p + raw.len;

    msg_reset(msg);
    sip_err_set(err, 0, NULL, 0);
    if (raw.len == 0) {
        fail(&st, p, "Empty message", 0);
        return SIP_PARSE_BAD;
    }
    /* RFC 3261 §7.5: CRLFs before the start line are ignored. */
    while (p < end && (*p == '\r' || *p == '\n')) {
        p++;
    }
    if (p == end) {
        fail(&st, p, "Empty message", 0);
        return SIP_PARSE_BAD;
    }
    msg->raw = sip_sv(p, end);
    msg->is_request = !sv_starts_with_nocase(msg->raw, SV_LIT("SIP/"));
    if (raw.len > SIP_MAX_MSG_LEN) {
        fail(&st, raw.p + SIP_MAX_MSG_LEN, "Message too large",
             msg->is_request ? 413 : 0);
        return SIP_PARSE_BAD;
    }

    const char *lf = memchr(p, '\n', (size_t)(end - p));
    if (!lf) {
        fail(&st, end, "Missing empty line after headers",
             msg->is_request ? 400 : 0);
        return SIP_PARSE_BAD;
    }
    const char *ce = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
    if (msg->is_request) {
        parse_request_line(&st, p, ce);
    } else {
        parse_status_line(&st, p, ce);
    }

    const char *body = parse_headers(&st, lf + 1, end);
    if (body) {
        size_t avail = (size_t)(end - body);
        if (st.have_cl) {
            if (msg->content_length > avail) {
                fail(&st, end, "Content-Length mismatch", 400);
                msg->body = sip_sv(body, end);
            } else {
                /* RFC 3261 §18.3: octets past Content-Length are dropped. */
                msg->body = sv_make(body, msg->content_length);
                msg->raw = sip_sv(msg->raw.p, body + msg->content_length);
            }
        } else {
            /* No Content-Length on a datagram: the body is the rest. */
            msg->content_length = avail;
            msg->body = sip_sv(body, end);
        }
        check_required(&st, body);
    }
    if (!st.failed) {
        return SIP_PARSE_OK;
    }
    if (!msg->is_request && err) {
        err->status = 0; /* responses are never answered */
    }
    return SIP_PARSE_BAD;
}

/* ---- stream framing
 * ---------------------------------------------------------- */

static enum sip_parse_res frame_bad(struct sip_err *err, size_t off,
                                    const char *reason, int status)
{
    sip_err_set(err, off, reason, status);
    return SIP_PARSE_BAD;
}

/*
 * Content-Length of the header block [p, hdr_end) (which ends with the
 * empty line). Returns 0, or a frame error.
 */
static enum sip_parse_res frame_content_length(const char *p,
                                               const char *hdr_end, size_t base,
                                               size_t *cl, struct sip_err *err)
{
    const char *start = p;
    bool found = false;
    uint32_t v = 0;

    /* skip the start line */
    const char *ls = memchr(p, '\n', (size_t)(hdr_end - p));
    if (!ls) {
        return frame_bad(err, base, "Bad header line", 400);
    }
    ls++;
    while (ls < hdr_end) {
        const char *le = memchr(ls, '\n', (size_t)(hdr_end - ls));
        if (!le) {
            break;
        }
        while (le + 1 < hdr_end && (le[1] == ' ' || le[1] == '\t')) {
            const char *nx = memchr(le + 1, '\n', (size_t)(hdr_end - le - 1));
            if (!nx) {
                break;
            }
            le = nx;
        }
        const char *ne = sip_lex_span(ls, le, SIP_C_TOKEN);
        const char *q = ne;
        while (q < le && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (q < le && *q == ':'
            && sip_hdr_id_from_name(sip_sv(ls, ne)) == SIP_HDR_CONTENT_LENGTH) {
            uint32_t x;
            size_t off = base + (size_t)(ls - start);
            if (sip_lex_u32(sv_trim(sip_sv(q + 1, le)), UINT32_MAX, true, &x)
                != 0) {
                return frame_bad(err, off, "Bad Content-Length header", 400);
            }
            if (found && x != v) {
                return frame_bad(err, off, "Conflicting Content-Length headers",
                                 400);
            }
            if (x > SIP_MAX_BODY_LEN) {
                return frame_bad(err, off, "Content-Length too large", 413);
            }
            found = true;
            v = x;
        }
        ls = le + 1;
    }
    if (!found) {
        /* RFC 3261 §18.3: MUST on stream transports. */
        return frame_bad(err, base + (size_t)(hdr_end - start),
                         "Missing Content-Length header", 400);
    }
    *cl = v;
    return SIP_PARSE_OK;
}

enum sip_parse_res sip_msg_frame_resume(struct sip_frame_state *fs,
                                        struct sv data, size_t *skip,
                                        size_t *frame_len, struct sip_err *err)
{
    data = sip_sv_safe(data);
    size_t s = 0;

    *frame_len = 0;
    while (s < data.len && (data.p[s] == '\r' || data.p[s] == '\n')) {
        s++;
    }
    *skip = s;
    const char *p = data.p + s;
    const char *end = data.p + data.len;
    size_t avail = data.len - s;
    if (avail == 0) {
        return SIP_PARSE_AGAIN;
    }
    if (fs->frame_len) {
        *frame_len = fs->frame_len;
        return avail >= fs->frame_len ? SIP_PARSE_OK : SIP_PARSE_AGAIN;
    }

    /* Find the empty line; resume where the last call stopped. */
    const char *q = p + SW_MIN(fs->scanned, avail);
    const char *hdr_end = NULL;
    for (;;) {
        const char *lf = memchr(q, '\n', (size_t)(end - q));
        if (!lf) {
            q = end;
            break;
        }
        if (end - lf < 2 || (lf[1] == '\r' && end - lf < 3)) {
            q = lf; /* undecided until more bytes arrive */
            break;
        }
        if (lf[1] == '\n') {
            hdr_end = lf + 2;
            break;
        }
        if (lf[1] == '\r' && lf[2] == '\n') {
            hdr_end = lf + 3;
            break;
        }
        q = lf + 1;
    }
    if (!hdr_end) {
        fs->scanned = (size_t)(q - p);
        if (avail >= SIP_MAX_MSG_LEN) {
            return frame_bad(err, s + SIP_MAX_MSG_LEN, "Message too large",
                             413);
        }
        return SIP_PARSE_AGAIN;
    }
    size_t hdr_len = (size_t)(hdr_end - p);
    size_t cl = 0;
    if (hdr_len > SIP_MAX_MSG_LEN) {
        return frame_bad(err, s + SIP_MAX_MSG_LEN, "Message too large", 413);
    }
    if (frame_content_length(p, hdr_end, s, &cl, err) != SIP_PARSE_OK) {
        return SIP_PARSE_BAD;
    }
    if (hdr_len + cl > SIP_MAX_MSG_LEN) {
        return frame_bad(err, s, "Message too large", 413);
    }
    fs->frame_len = hdr_len + cl;
    *frame_len = fs->frame_len;
    return avail >= fs->frame_len ? SIP_PARSE_OK : SIP_PARSE_AGAIN;
}

enum sip_parse_res sip_msg_frame(struct sv data, size_t *skip,
                                 size_t *frame_len, struct sip_err *err)
{
    struct sip_frame_state fs = { 0 };
    return sip_msg_frame_resume(&fs, data, skip, frame_len, err);
}

/* ---- Expires
 * ------------------------------------------------------------------ */

int sip_msg_expires(const struct sip_msg *msg, uint32_t *expires_s)
{
    const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_EXPIRES);
    uint32_t v;

    if (!h) {
        return -ENOENT;
    }
    /* RFC 3261 §20.19: delta-seconds; huge values clamp (RFC 4475
     * §3.1.2.4 allows treating them as the default). */
    if (sip_lex_u32(h->value, UINT32_MAX, true, &v) != 0) {
        return -EINVAL;
    }
    *expires_s = v;
    return 0;
}
