/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Builds responses from a parsed request: status line, echoed Via (with
 * received / rport on the topmost, RFC 3261 §18.2.1, RFC 3581), From, To
 * (with our tag), Call-ID, CSeq, the caller's extra headers and an empty
 * body. Untrusted bytes never reach the status line.
 */
#include "sip/build.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "sip/msg.h"
#include "sip/parse_int.h"

#define REASON_MAX_LEN 128

struct phrase {
    int status;
    const char *reason;
};

static const struct phrase phrases[] = {
    { 100, "Trying" },
    { 180, "Ringing" },
    { 181, "Call Is Being Forwarded" },
    { 182, "Queued" },
    { 183, "Session Progress" },
    { 199, "Early Dialog Terminated" },
    { 200, "OK" },
    { 202, "Accepted" },
    { 204, "No Notification" },
    { 300, "Multiple Choices" },
    { 301, "Moved Permanently" },
    { 302, "Moved Temporarily" },
    { 305, "Use Proxy" },
    { 380, "Alternative Service" },
    { 400, "Bad Request" },
    { 401, "Unauthorized" },
    { 402, "Payment Required" },
    { 403, "Forbidden" },
    { 404, "Not Found" },
    { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" },
    { 407, "Proxy Authentication Required" },
    { 408, "Request Timeout" },
    { 410, "Gone" },
    { 412, "Conditional Request Failed" },
    { 413, "Request Entity Too Large" },
    { 414, "Request-URI Too Long" },
    { 415, "Unsupported Media Type" },
    { 416, "Unsupported URI Scheme" },
    { 417, "Unknown Resource-Priority" },
    { 420, "Bad Extension" },
    { 421, "Extension Required" },
    { 422, "Session Interval Too Small" },
    { 423, "Interval Too Brief" },
    { 428, "Use Identity Header" },
    { 429, "Provide Referrer Identity" },
    { 430, "Flow Failed" },
    { 433, "Anonymity Disallowed" },
    { 437, "Unsupported Credential" },
    { 438, "Invalid Identity Header" },
    { 439, "First Hop Lacks Outbound Support" },
    { 440, "Max-Breadth Exceeded" },
    { 469, "Bad Info Package" },
    { 470, "Consent Needed" },
    { 480, "Temporarily Unavailable" },
    { 481, "Call/Transaction Does Not Exist" },
    { 482, "Loop Detected" },
    { 483, "Too Many Hops" },
    { 484, "Address Incomplete" },
    { 485, "Ambiguous" },
    { 486, "Busy Here" },
    { 487, "Request Terminated" },
    { 488, "Not Acceptable Here" },
    { 489, "Bad Event" },
    { 491, "Request Pending" },
    { 493, "Undecipherable" },
    { 494, "Security Agreement Required" },
    { 500, "Server Internal Error" },
    { 501, "Not Implemented" },
    { 502, "Bad Gateway" },
    { 503, "Service Unavailable" },
    { 504, "Server Time-out" },
    { 505, "Version Not Supported" },
    { 513, "Message Too Large" },
    { 555, "Push Notification Service Not Supported" },
    { 580, "Precondition Failure" },
    { 600, "Busy Everywhere" },
    { 603, "Decline" },
    { 604, "Does Not Exist Anywhere" },
    { 606, "Not Acceptable" },
    { 607, "Unwanted" },
    { 608, "Rejected" },
};

const char *sip_status_reason(int status)
{
    size_t lo = 0;
    size_t hi = sizeof(phrases) / sizeof(phrases[0]);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (phrases[mid].status == status) {
            return phrases[mid].reason;
        }
        if (phrases[mid].status < status) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    switch (status / 100) {
    case 1:
        return "Provisional";
    case 2:
        return "Success";
    case 3:
        return "Redirection";
    case 4:
        return "Request Failure";
    case 5:
        return "Server Failure";
    default:
        return "Global Failure";
    }
}

const char *sip_build_reason_safe(int status, const char *reason)
{
    if (reason) {
        size_t n = 0;
        while (n <= REASON_MAX_LEN && reason[n] >= 0x20 && reason[n] < 0x7f) {
            n++;
        }
        if (n > 0 && n <= REASON_MAX_LEN && reason[n] == '\0') {
            return reason;
        }
    }
    return sip_status_reason(status);
}

/* Copy a header value without its folding (CR / LF dropped, WSP kept). */
static void append_unfolded(struct buf *out, struct sv v)
{
    const char *p = v.p;
    const char *end = v.p + v.len;

    while (p < end) {
        const char *q = p;
        while (q < end && *q != '\r' && *q != '\n') {
            q++;
        }
        buf_append(out, p, (size_t)(q - p));
        while (q < end && (*q == '\r' || *q == '\n')) {
            q++;
        }
        p = q;
    }
}

static bool same_host(struct sv host, struct sv ip)
{
    if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
        host = sv_make(host.p + 1, host.len - 2);
    }
    if (sv_eq_nocase(host, ip)) {
        return true;
    }
    char a[64];
    char b[64];
    struct in6_addr x;
    struct in6_addr y;
    if (host.len >= sizeof(a) || ip.len >= sizeof(b)) {
        return false;
    }
    memcpy(a, host.p, host.len);
    a[host.len] = '\0';
    memcpy(b, ip.p, ip.len);
    b[ip.len] = '\0';
    return inet_pton(AF_INET6, a, &x) == 1 && inet_pton(AF_INET6, b, &y) == 1
           && memcmp(&x, &y, sizeof(x)) == 0;
}

/* The topmost Via value, with received / rport applied to its first parm. */
static void append_top_via(struct buf *out, struct sv value,
                           const struct sip_via *via, struct sv src_ip,
                           uint16_t src_port)
{
    bool fill_rport = via->has_rport && !via->rport_has_value && src_port;
    /* RFC 3581 §4: with rport, received is added even if sent-by matches */
    bool add_received =
        src_ip.len && (fill_rport || !same_host(via->host, src_ip));
    const char *vend = value.p + value.len;
    const char *rend = via->raw.p + via->raw.len;

    if (!fill_rport && !add_received) {
        append_unfolded(out, value);
        return;
    }
    append_unfolded(out, sip_sv(value.p, via->raw.p));
    const char *params = via->params.len ? via->params.p : rend;
    append_unfolded(out, sip_sv(via->raw.p, params));
    const char *p = params;
    while (p < rend) {
        struct sip_param prm;
        p = sip_lex_lws(p, rend);
        if (p >= rend) {
            break;
        }
        const char *q = sip_lex_param(p, rend, &prm);
        if (!q) {
            break; /* validated by the parser: cannot happen */
        }
        if (add_received && sv_eq_cstr_nocase(prm.name, "received")) {
            /* replaced below */
        } else if (fill_rport && !prm.has_value
                   && sv_eq_cstr_nocase(prm.name, "rport")) {
            buf_printf(out, ";rport=%u", (unsigned)src_port);
        } else {
            buf_append_char(out, ';');
            append_unfolded(out, prm.whole);
        }
        p = q;
    }
    if (add_received) {
        buf_append_cstr(out, ";received=");
        buf_append_sv(out, src_ip);
    }
    append_unfolded(out, sip_sv(rend, vend));
}

static void append_hdr(struct buf *out, const char *name,
                       const struct sip_hdr *h)
{
    buf_append_cstr(out, name);
    buf_append_cstr(out, ": ");
    append_unfolded(out, h->value);
}

static bool args_ok(const struct sip_msg *req, int status, struct sv to_tag,
                    struct sv src_ip, struct sv extra_hdrs)
{
    if (!req || status < 100 || status > 699) {
        return false;
    }
    /* Responses and ACKs are never answered (RFC 3261 §17.1.1.3). */
    if (!req->is_request || req->method == SIP_METHOD_ACK) {
        return false;
    }
    if (to_tag.len
        && sip_lex_span(to_tag.p, to_tag.p + to_tag.len, SIP_C_TOKEN)
               != to_tag.p + to_tag.len) {
        return false;
    }
    if (src_ip.len && !sip_lex_ipv4(src_ip) && !sip_lex_ipv6(src_ip)) {
        return false;
    }
    if (extra_hdrs.len
        && (extra_hdrs.len < 2 || extra_hdrs.p[extra_hdrs.len - 2] != '\r'
            || extra_hdrs.p[extra_hdrs.len - 1] != '\n')) {
        return false;
    }
    return true;
}

int sip_build_response(struct buf *out, const struct sip_msg *req, int status,
                       const char *reason, struct sv to_tag, struct sv src_ip,
                       uint16_t src_port, struct sv extra_hdrs)
{
    if (!out || !args_ok(req, status, to_tag, src_ip, extra_hdrs)) {
        return -EINVAL;
    }
    if (out->err) {
        return out->err;
    }
    size_t start = out->len;

    buf_printf(out, "SIP/2.0 %03d %s\r\n", status,
               sip_build_reason_safe(status, reason));

    bool top = true;
    for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_VIA); h;
         h = sip_msg_hdr_next(req, h)) {
        const struct sip_via *via = &req->via;
        buf_append_cstr(out, "Via: ");
        if (top && via->raw.len && via->raw.p >= h->value.p
            && via->raw.p + via->raw.len <= h->value.p + h->value.len) {
            append_top_via(out, h->value, via, src_ip, src_port);
        } else {
            append_unfolded(out, h->value);
        }
        buf_append_cstr(out, "\r\n");
        top = false;
    }

    const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_FROM);
    if (h) {
        append_hdr(out, "From", h);
        buf_append_cstr(out, "\r\n");
    }
    h = sip_msg_hdr(req, SIP_HDR_TO);
    if (h) {
        append_hdr(out, "To", h);
        /* RFC 3261 §8.2.6.2: the UAS adds a To tag if there was none. */
        if (to_tag.len && req->to.uri_raw.len && req->to.tag.len == 0) {
            buf_append_cstr(out, ";tag=");
            buf_append_sv(out, to_tag);
        }
        buf_append_cstr(out, "\r\n");
    }
    h = sip_msg_hdr(req, SIP_HDR_CALL_ID);
    if (h) {
        append_hdr(out, "Call-ID", h);
        buf_append_cstr(out, "\r\n");
    }
    h = sip_msg_hdr(req, SIP_HDR_CSEQ);
    if (h) {
        append_hdr(out, "CSeq", h);
        buf_append_cstr(out, "\r\n");
    }
    buf_append_sv(out, extra_hdrs);
    buf_append_cstr(out, "Content-Length: 0\r\n\r\n");

    if (out->err) {
        int rc = out->err;
        out->err = 0;
        out->len = start;
        if (out->p) {
            out->p[start] = '\0';
        }
        return rc;
    }
    return 0;
}

int sip_build_error(struct buf *out, const struct sip_msg *req,
                    const struct sip_err *err, struct sv to_tag,
                    struct sv src_ip, uint16_t src_port, struct sv extra_hdrs)
{
    if (!err || err->status < 300) {
        return -EINVAL;
    }
    return sip_build_response(out, req, err->status, err->reason, to_tag,
                              src_ip, src_port, extra_hdrs);
}
