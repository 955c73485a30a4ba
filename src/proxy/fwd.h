/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The proxy's message rewriting, pure and without state (RFC 3261 §16.6,
 * §16.7, §9.1, §17.1.1.3): a request forwarded to the next hop (new
 * Request-URI, our Via on top, Max-Forwards decremented, our Record-Route,
 * our own Route entry removed, consumed credentials dropped), a response
 * forwarded upstream (our Via removed), and the CANCEL and non-2xx ACK of a
 * forwarded INVITE. Which hop to send to, and when, is proxy.c's business.
 */
#ifndef SW_PROXY_FWD_H
#define SW_PROXY_FWD_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/sv.h"
#include "sip/msg.h"

/* Max-Forwards we put on requests that carried none, and on CANCEL / ACK. */
#define PROXY_MAX_FORWARDS 70

/* How to rewrite one forwarded request. */
struct proxy_fwd {
    struct sv ruri;          /* Request-URI to send; empty: keep the old */
    struct sv via_transport; /* "UDP", "TCP", "TLS" */
    struct sv via_sent_by;   /* our "host:port" */
    struct sv branch;        /* full branch, magic cookie first */
    struct sv record_route;  /* our URI ("sip:192.0.2.1:5060;lr"), or empty */
    struct sv record_route2; /* a second one below it when the request
                                changes transport (RFC 5658), or empty */
    unsigned drop_routes;    /* leading Route entries naming us: removed */
    bool drop_proxy_auth;    /* remove Proxy-Authorization (consumed by us) */
    struct sv src_ip;        /* request's source: received= on its Via */
    uint16_t src_port;       /* ... and rport= when it asked for one */
};

/*
 * Append to 'out' the request 'req' rewritten per 'f' (RFC 3261 §16.6):
 * request line with f->ruri; our Via first, then the received Via headers
 * (the topmost via-parm gets received / rport as in §18.2.1 and RFC 3581);
 * Record-Route when f->record_route is set; the first Route entry removed
 * the first f->drop_routes Route entries removed; Max-Forwards decremented (70
 * when absent); Proxy-Authorization dropped when f->drop_proxy_auth; every
 * other header and the body unchanged. Refuses with -EINVAL a response, a
 * request whose Max-Forwards is 0 (answer 483 instead), an empty sent-by or
 * branch, or a branch without the magic cookie. Returns 0 or the buffer's
 * error; on failure 'out' is left as it was.
 */
int proxy_fwd_request(struct buf *out, const struct sip_msg *req,
                      const struct proxy_fwd *f);

/*
 * Append to 'out' the response 'resp' without its topmost via-parm (ours,
 * RFC 3261 §16.7 step 3). Returns 0, -EINVAL (a request, or only one Via:
 * nobody to send it to) or the buffer's error; 'out' unchanged on failure.
 */
int proxy_fwd_response(struct buf *out, const struct sip_msg *resp);

/*
 * Append the CANCEL for the INVITE 'inv' as we forwarded it (RFC 3261
 * §9.1): same Request-URI, top Via, From, To, Call-ID, CSeq number and
 * Route headers. Returns 0, -EINVAL ('inv' not an INVITE request) or the
 * buffer's error.
 */
int proxy_fwd_cancel(struct buf *out, const struct sip_msg *inv);

/*
 * Append the ACK for a non-2xx final response 'resp' to our forwarded
 * INVITE 'inv' (RFC 3261 §17.1.1.3): as the CANCEL, but To from the
 * response. Returns 0, -EINVAL or the buffer's error.
 */
int proxy_fwd_ack(struct buf *out, const struct sip_msg *inv,
                  const struct sip_msg *resp);

/*
 * The first Route entry of 'msg', parsed into 'na' (views into msg).
 * Returns false when there is no Route header or it does not parse.
 */
bool proxy_fwd_first_route(const struct sip_msg *msg, struct sip_nameaddr *na);

/*
 * Split a header value at its first top-level comma (not inside <>,
 * quotes or escapes): *first is the first entry trimmed, *rest what
 * follows the comma trimmed (empty when none).
 */
void proxy_fwd_split_first(struct sv value, struct sv *first, struct sv *rest);

#endif
