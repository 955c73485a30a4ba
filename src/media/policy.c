/* SPDX-License-Identifier: Apache-2.0 */
/* The media policy over the facts media_sdp_scan() finds in an offer. */
#include "media/policy.h"

#include "media/sdp.h"

static bool is_sdp(struct sv content_type)
{
    /* "application/sdp", possibly with parameters. */
    ptrdiff_t semi = sv_find_char(content_type, ';');
    struct sv type =
        semi < 0 ? content_type : sv_slice(content_type, 0, (size_t)semi);
    return sv_eq_cstr_nocase(sv_trim(type), "application/sdp");
}

enum media_verdict media_policy_check(const struct media_policy_in *in,
                                      const char **why)
{
    const char *reason = "media accepted";
    enum media_verdict v = MEDIA_OK;
    if (in->body.len > 0 && in->content_type.p != NULL
        && is_sdp(in->content_type)) {
        struct media_sdp_info info;
        const char *bad = NULL;
        if (media_sdp_scan(in->body, &info, &bad) != 0) {
            v = MEDIA_REFUSE_BAD_SDP;
            reason = bad;
        } else if (info.has_crypto && !in->transport_secure) {
            v = MEDIA_REFUSE_SDES_CLEAR;
            reason = "SDES keys (a=crypto) are accepted over TLS or WSS only";
        } else if (in->require_encrypted && info.n_plain > 0) {
            v = MEDIA_REFUSE_PLAIN;
            reason = "encrypted media (SRTP or DTLS-SRTP) is required";
        }
    }
    if (why) {
        *why = reason;
    }
    return v;
}

bool media_has_sdes(struct sv content_type, struct sv body)
{
    struct media_sdp_info info;
    return body.len > 0 && content_type.p != NULL && is_sdp(content_type)
           && media_sdp_scan(body, &info, NULL) == 0 && info.has_crypto;
}

int media_verdict_status(enum media_verdict v)
{
    switch (v) {
    case MEDIA_OK:
        return 0;
    case MEDIA_REFUSE_PLAIN:
    case MEDIA_REFUSE_SDES_CLEAR:
        return 488;
    case MEDIA_REFUSE_BAD_SDP:
        return 400;
    }
    return 400;
}

const char *media_verdict_rule(enum media_verdict v)
{
    switch (v) {
    case MEDIA_OK:
        return "ok";
    case MEDIA_REFUSE_PLAIN:
        return "media_unencrypted";
    case MEDIA_REFUSE_SDES_CLEAR:
        return "sdes_in_clear";
    case MEDIA_REFUSE_BAD_SDP:
        return "bad_sdp";
    }
    return "?";
}
