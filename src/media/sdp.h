/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the media policy needs to know about an SDP body (RFC 8866): for
 * each active media line, whether its transport protocol is encrypted
 * (RTP/SAVP and RTP/SAVPF with SDES keys, RFC 4568; UDP/TLS/RTP/SAVP(F)
 * with a DTLS fingerprint, RFC 5763 / 8842) and whether any SDES key
 * (a=crypto) appears at all. The scan reads views of the body only; it
 * does not build a session description.
 */
#ifndef SW_MEDIA_SDP_H
#define SW_MEDIA_SDP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/sv.h"

#define MEDIA_SDP_MAX_LINES 512 /* more lines than this: refused */

struct media_sdp_info {
    uint32_t n_media;     /* m= lines */
    uint32_t n_active;    /* ... with a port other than 0 */
    uint32_t n_plain;     /* active lines whose media is not encrypted */
    uint32_t n_sdes;      /* active RTP/SAVP(F) lines with a=crypto */
    uint32_t n_dtls;      /* active UDP/TLS/RTP/SAVP(F) with a fingerprint */
    bool has_crypto;      /* some a=crypto line anywhere (keys in the body) */
    bool has_fingerprint; /* some a=fingerprint line anywhere */
};

/*
 * Scan 'body' (CRLF or LF line ends). Returns 0 with 'out' filled, or
 * -EINVAL with a static reason in *why (when 'why' is not NULL) for a
 * body that is not an SDP description: no v=0 first line, a line without
 * "x=" form, an m= line that does not parse, too many lines, NUL bytes.
 * Media lines that are not RTP (for example "application ... webrtc-
 * datachannel" over DTLS/SCTP, or T.38 "udptl") count as encrypted only
 * when their protocol is DTLS-based.
 */
int media_sdp_scan(struct sv body, struct media_sdp_info *out,
                   const char **why);

#endif
