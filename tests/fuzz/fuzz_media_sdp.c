// fuzz-link: sw_media
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for media/: the first byte picks the transport and the
 * requirement, the rest is an SDP body. The scan must be total and its
 * counts consistent (active <= media, the three kinds add up to active),
 * and the verdict must agree with them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "media/policy.h"
#include "media/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    bool secure = data[0] & 1;
    bool require = data[0] & 2;
    struct sv body = sv_make((const char *)data + 1, size - 1);
    struct media_sdp_info info;
    const char *why = NULL;
    int rc = media_sdp_scan(body, &info, &why);
    if (rc == 0) {
        if (info.n_active > info.n_media
            || info.n_plain + info.n_sdes + info.n_dtls != info.n_active) {
            abort();
        }
    } else if (why == NULL) {
        abort();
    }
    struct media_policy_in in = { .content_type = sv_cstr("application/sdp"),
                                  .body = body,
                                  .transport_secure = secure,
                                  .require_encrypted = require };
    enum media_verdict v = media_policy_check(&in, &why);
    if (body.len > 0) {
        if ((rc != 0) != (v == MEDIA_REFUSE_BAD_SDP)) {
            abort();
        }
        if (rc == 0 && v == MEDIA_OK
            && ((info.has_crypto && !secure) || (require && info.n_plain))) {
            abort();
        }
    }
    return 0;
}
