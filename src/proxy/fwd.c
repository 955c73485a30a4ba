/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rewrites requests and responses as a stateful proxy forwards them (RFC
 * 3261 §16.6, §16.7) and builds the CANCEL and non-2xx ACK of a forwarded
 * INVITE. Headers we do not touch are copied as received; every byte we
 * add is ours (addresses and branch from the caller, never the network).
 */
#include "proxy/fwd.h"

#include <errno.h>
#include <string.h>

#include "sip/txn.h"

/* ---- small helpers ----------------------------------------------------- */

static void hdr_line(struct buf *out, const struct sip_hdr *h)
{
    buf_append_sv(out, h->name);
    buf_append_cstr(out, ": ");
    buf_append_sv(out, h->value);
    buf_append_cstr(out, "\r\n");
}

static void put_hdr(struct buf *out, const char *name, struct sv value)
{
    buf_append_cstr(out, name);
    buf_append_cstr(out, ": ");
    buf_append_sv(out, value);
    buf_append_cstr(out, "\r\n");
}

/* Undo a failed build: the buffer is left as it was. */
static int finish(struct buf *out, size_t start)
{
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

void proxy_fwd_split_first(struct sv value, struct sv *first, struct sv *rest)
{
    size_t i = 0;
    int angle = 0;
    bool quoted = false;

    for (; i < value.len; i++) {
        char c = value.p[i];
        if (quoted) {
            if (c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == '<') {
            angle++;
        } else if (c == '>' && angle > 0) {
            angle--;
        } else if (c == ',' && angle == 0) {
            break;
        }
    }
    if (i > value.len) {
        i = value.len;
    }
    *first = sv_trim(sv_make(value.p, i));
    *rest = i < value.len ? sv_trim(sv_make(value.p + i + 1, value.len - i - 1))
                          : SV_NULL;
}

bool proxy_fwd_first_route(const struct sip_msg *msg, struct sip_nameaddr *na)
{
    const struct sip_hdr *h = sip_msg_hdr(msg, SIP_HDR_ROUTE);
    struct sv first;
    struct sv rest;

    if (h == NULL) {
        return false;
    }
    proxy_fwd_split_first(h->value, &first, &rest);
    return first.len > 0 && sip_parse_nameaddr(first, na, NULL) == SIP_PARSE_OK;
}

static bool same_ip(struct sv host, struct sv ip)
{
    if (host.len >= 2 && host.p[0] == '[' && host.p[host.len - 1] == ']') {
        host = sv_make(host.p + 1, host.len - 2);
    }
    return sv_eq_nocase(host, ip);
}

/* The previous hop's via-parm with received / rport (RFC 3261 §18.2.1,
 * RFC 3581 §4), so responses can be routed back without state. */
static void append_prev_via(struct buf *out, const struct sip_via *via,
                            struct sv src_ip, uint16_t src_port)
{
    bool fill_rport = via->has_rport && !via->rport_has_value && src_port;
    bool add_received =
        src_ip.len && (fill_rport || !same_ip(via->host, src_ip));
    const char *rend = via->raw.p + via->raw.len;
    const char *params = via->params.len ? via->params.p : rend;

    buf_append(out, via->raw.p, (size_t)(params - via->raw.p));
    struct sv rest = sv_make(params, (size_t)(rend - params));
    while (rest.len > 0) {
        /* rest starts at ';' */
        size_t n = 1;
        while (n < rest.len && rest.p[n] != ';') {
            n++;
        }
        struct sv prm = sv_trim(sv_make(rest.p + 1, n - 1));
        struct sv name = prm;
        ptrdiff_t eq = sv_find_char(prm, '=');
        if (eq >= 0) {
            name = sv_trim(sv_make(prm.p, (size_t)eq));
        }
        if (add_received && sv_eq_cstr_nocase(name, "received")) {
            /* replaced below */
        } else if (fill_rport && eq < 0 && sv_eq_cstr_nocase(name, "rport")) {
            buf_printf(out, ";rport=%u", (unsigned)src_port);
        } else if (prm.len > 0) {
            buf_append_char(out, ';');
            buf_append_sv(out, prm);
        }
        rest = sv_make(rest.p + n, rest.len - n);
    }
    if (add_received) {
        buf_append_cstr(out, ";received=");
        buf_append_sv(out, src_ip);
    }
}

/* ---- requests ---------------------------------------------------------- */

int proxy_fwd_request(struct buf *out, const struct sip_msg *req,
                      const struct proxy_fwd *f)
{
    if (out == NULL || req == NULL || f == NULL || !req->is_request
        || req->max_forwards == 0 || f->via_sent_by.len == 0
        || !sip_txn_branch_is_rfc3261(f->branch)) {
        return -EINVAL;
    }
    if (out->err) {
        return out->err;
    }
    size_t start = out->len;
    struct sv ruri = f->ruri.len ? f->ruri : req->ruri_raw;
    struct sv tr = f->via_transport.len ? f->via_transport : SV_LIT("UDP");

    buf_printf(out, "%.*s %.*s SIP/2.0\r\n", SV_FMT(req->method_name),
               SV_FMT(ruri));
    /* RFC 3261 §16.6 step 8: our Via on top. */
    buf_printf(out, "Via: SIP/2.0/%.*s %.*s;branch=%.*s;rport\r\n", SV_FMT(tr),
               SV_FMT(f->via_sent_by), SV_FMT(f->branch));
    /* §16.6 step 4: Record-Route, so the dialog's requests pass us. */
    if (f->record_route.len) {
        buf_printf(out, "Record-Route: <%.*s>\r\n", SV_FMT(f->record_route));
    }
    if (f->record_route.len && f->record_route2.len) {
        buf_printf(out, "Record-Route: <%.*s>\r\n", SV_FMT(f->record_route2));
    }

    bool top_via = true;
    unsigned to_drop = f->drop_routes;
    bool has_mf = false;
    for (unsigned i = 0; i < req->n_hdrs; i++) {
        const struct sip_hdr *h = &req->hdrs[i];
        switch (h->id) {
        case SIP_HDR_VIA:
            if (top_via && req->via.raw.len && req->via.raw.p >= h->value.p
                && req->via.raw.p + req->via.raw.len
                       <= h->value.p + h->value.len) {
                const char *vend = h->value.p + h->value.len;
                const char *rend = req->via.raw.p + req->via.raw.len;
                buf_append_sv(out, h->name);
                buf_append_cstr(out, ": ");
                buf_append(out, h->value.p,
                           (size_t)(req->via.raw.p - h->value.p));
                append_prev_via(out, &req->via, f->src_ip, f->src_port);
                buf_append(out, rend, (size_t)(vend - rend));
                buf_append_cstr(out, "\r\n");
            } else {
                hdr_line(out, h);
            }
            top_via = false;
            break;
        case SIP_HDR_ROUTE:
            /* §16.4 / §16.6 step 6: our own entries go, the rest stays */
            if (to_drop > 0) {
                struct sv first;
                struct sv rest = h->value;
                while (to_drop > 0 && rest.len) {
                    proxy_fwd_split_first(rest, &first, &rest);
                    to_drop--;
                }
                if (rest.len) {
                    put_hdr(out, "Route", rest);
                }
            } else {
                hdr_line(out, h);
            }
            break;
        case SIP_HDR_MAX_FORWARDS:
            /* §16.6 step 3 */
            if (!has_mf) {
                buf_printf(out, "Max-Forwards: %d\r\n",
                           req->max_forwards > 0 ? req->max_forwards - 1
                                                 : PROXY_MAX_FORWARDS);
            }
            has_mf = true;
            break;
        case SIP_HDR_PROXY_AUTHORIZATION:
            if (!f->drop_proxy_auth) {
                hdr_line(out, h);
            }
            break;
        default:
            hdr_line(out, h);
            break;
        }
    }
    if (!has_mf) {
        buf_printf(out, "Max-Forwards: %d\r\n", PROXY_MAX_FORWARDS);
    }
    buf_append_cstr(out, "\r\n");
    buf_append_sv(out, req->body);
    return finish(out, start);
}

/* ---- responses --------------------------------------------------------- */

int proxy_fwd_response(struct buf *out, const struct sip_msg *resp)
{
    if (out == NULL || resp == NULL || resp->is_request || resp->n_via < 2) {
        return -EINVAL;
    }
    if (out->err) {
        return out->err;
    }
    size_t start = out->len;
    ptrdiff_t eol = sv_find_char(resp->raw, '\n');
    if (eol < 0) {
        return -EINVAL;
    }
    buf_append(out, resp->raw.p, (size_t)eol + 1);

    bool top_via = true;
    for (unsigned i = 0; i < resp->n_hdrs; i++) {
        const struct sip_hdr *h = &resp->hdrs[i];
        if (h->id == SIP_HDR_VIA && top_via) {
            struct sv first;
            struct sv rest;
            proxy_fwd_split_first(h->value, &first, &rest);
            if (rest.len) {
                put_hdr(out, "Via", rest);
            }
            top_via = false;
            continue;
        }
        hdr_line(out, h);
    }
    buf_append_cstr(out, "\r\n");
    buf_append_sv(out, resp->body);
    return finish(out, start);
}

/* ---- CANCEL and ACK ---------------------------------------------------- */

static int build_hop_request(struct buf *out, const struct sip_msg *inv,
                             const char *method, const struct sip_msg *resp)
{
    if (out == NULL || inv == NULL || !inv->is_request
        || inv->method != SIP_METHOD_INVITE || inv->via.raw.len == 0) {
        return -EINVAL;
    }
    if (out->err) {
        return out->err;
    }
    size_t start = out->len;
    buf_printf(out, "%s %.*s SIP/2.0\r\n", method, SV_FMT(inv->ruri_raw));
    put_hdr(out, "Via", inv->via.raw);
    buf_printf(out, "Max-Forwards: %d\r\n", PROXY_MAX_FORWARDS);
    const struct sip_hdr *h = sip_msg_hdr(inv, SIP_HDR_FROM);
    if (h) {
        put_hdr(out, "From", h->value);
    }
    h = sip_msg_hdr(resp ? resp : inv, SIP_HDR_TO);
    if (h) {
        put_hdr(out, "To", h->value);
    }
    h = sip_msg_hdr(inv, SIP_HDR_CALL_ID);
    if (h) {
        put_hdr(out, "Call-ID", h->value);
    }
    buf_printf(out, "CSeq: %u %s\r\n", (unsigned)inv->cseq.num, method);
    for (h = sip_msg_hdr(inv, SIP_HDR_ROUTE); h; h = sip_msg_hdr_next(inv, h)) {
        hdr_line(out, h);
    }
    buf_append_cstr(out, "Content-Length: 0\r\n\r\n");
    return finish(out, start);
}

int proxy_fwd_cancel(struct buf *out, const struct sip_msg *inv)
{
    return build_hop_request(out, inv, "CANCEL", NULL);
}

int proxy_fwd_ack(struct buf *out, const struct sip_msg *inv,
                  const struct sip_msg *resp)
{
    if (resp == NULL || resp->is_request) {
        return -EINVAL;
    }
    return build_hop_request(out, inv, "ACK", resp);
}
