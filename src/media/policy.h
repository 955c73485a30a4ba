/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The media policy (PRODUCT.md §5, issue "transport and media security"):
 * SDES keys (a=crypto) travel only over a secure signalling transport
 * (TLS or WSS), never in the clear; and where encrypted media is required
 * (by the caller's tenant or by the transport the offer came over), every
 * active media line of an offer must be SRTP (SDES) or DTLS-SRTP.
 */
#ifndef SW_MEDIA_POLICY_H
#define SW_MEDIA_POLICY_H

#include <stdbool.h>

#include "base/sv.h"

enum media_verdict {
    MEDIA_OK = 0,
    MEDIA_REFUSE_PLAIN,      /* 488: unencrypted media where it is required */
    MEDIA_REFUSE_SDES_CLEAR, /* 488: SDES keys over an insecure transport */
    MEDIA_REFUSE_BAD_SDP,    /* 400: the body does not parse as SDP */
};

struct media_policy_in {
    struct sv content_type; /* the request's Content-Type (SV_NULL: none) */
    struct sv body;         /* its body */
    bool transport_secure;  /* arrived over TLS or WSS */
    bool require_encrypted; /* tenant or transport requires SRTP */
};

/*
 * Judge one offer. A request without a body, or whose body is not
 * application/sdp, is MEDIA_OK (a late offer is judged where it comes
 * from, not here). The reason ("encrypted media required", ...) is a
 * static string fit for a Warning header; 'why' may be NULL.
 */
enum media_verdict media_policy_check(const struct media_policy_in *in,
                                      const char **why);

/*
 * Does 'body' (of type 'content_type') hold SDES keys (a=crypto)? False
 * for a body that is not SDP or does not scan.
 */
bool media_has_sdes(struct sv content_type, struct sv body);

/* The SIP status of a verdict: 0 for MEDIA_OK, 488 or 400. */
int media_verdict_status(enum media_verdict v);

/* "ok", "media_unencrypted", "sdes_in_clear", "bad_sdp". */
const char *media_verdict_rule(enum media_verdict v);

#endif
