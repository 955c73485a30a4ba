/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SDP scan (protocols, session- and media-level attributes, inactive
 * lines, malformed bodies) and the media policy verdicts: plain RTP with
 * and without the encryption requirement, SDES over clear and secure
 * transports, DTLS-SRTP, bodies that are not SDP.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "media/policy.h"
#include "media/sdp.h"

#define HEAD                                                               \
    "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 " \
    "0\r\n"
#define CRYPTO                            \
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " \
    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n"
#define FP                                                         \
    "a=fingerprint:sha-256 "                                       \
    "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:" \
    "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF\r\n"

static struct media_sdp_info scan_ok(const char *body)
{
    struct media_sdp_info info;
    const char *why = NULL;
    assert_int_equal(media_sdp_scan(sv_cstr(body), &info, &why), 0);
    return info;
}

static void scan_protocols(void **state)
{
    (void)state;
    struct media_sdp_info i =
        scan_ok(HEAD "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n");
    assert_int_equal(i.n_media, 1);
    assert_int_equal(i.n_active, 1);
    assert_int_equal(i.n_plain, 1);
    assert_false(i.has_crypto);

    i = scan_ok(HEAD "m=audio 4000 RTP/SAVP 0\r\n" CRYPTO);
    assert_int_equal(i.n_sdes, 1);
    assert_int_equal(i.n_plain, 0);
    assert_true(i.has_crypto);

    /* SAVP without keys is not encrypted. */
    i = scan_ok(HEAD "m=audio 4000 RTP/SAVP 0\r\n");
    assert_int_equal(i.n_plain, 1);

    /* DTLS-SRTP with a session-level fingerprint, two sections. */
    i = scan_ok(HEAD FP "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
                        "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
    assert_int_equal(i.n_dtls, 2);
    assert_int_equal(i.n_plain, 0);

    /* DTLS profile without any fingerprint: not encrypted. */
    i = scan_ok(HEAD "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n");
    assert_int_equal(i.n_plain, 1);

    /* Data channel over DTLS/SCTP with a media-level fingerprint. */
    i = scan_ok(HEAD "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n" FP);
    assert_int_equal(i.n_dtls, 1);

    /* A rejected (port 0) plain line does not count as active. */
    i = scan_ok(HEAD "m=audio 4000 RTP/SAVP 0\r\n" CRYPTO
                     "m=video 0 RTP/AVP 96\r\n");
    assert_int_equal(i.n_media, 2);
    assert_int_equal(i.n_active, 1);
    assert_int_equal(i.n_plain, 0);

    /* LF line ends, port/count form, mixed case protocol. */
    i = scan_ok("v=0\nm=audio 4000/2 rtp/avp 0\n");
    assert_int_equal(i.n_plain, 1);
}

static void scan_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "hello",
        "o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n",
        "v=1\r\n",
        HEAD "m=audio\r\n",
        HEAD "m=audio x RTP/AVP 0\r\n",
        HEAD "m=audio 70000 RTP/AVP 0\r\n",
        HEAD "m=audio 4000 RTP/AVP\r\n",
        HEAD "garbage line\r\n",
        HEAD "M=audio 4000 RTP/AVP 0\r\n",
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        struct media_sdp_info info;
        const char *why = NULL;
        assert_int_equal(media_sdp_scan(sv_cstr(bad[k]), &info, &why), -EINVAL);
        assert_non_null(why);
    }
    /* A NUL byte inside the body. */
    static const char nul[] = "v=0\r\nm=audio 4000 RTP/AVP 0\r\n\0a=x\r\n";
    struct media_sdp_info info;
    assert_int_equal(media_sdp_scan(sv_make(nul, sizeof(nul) - 1), &info, NULL),
                     -EINVAL);

    /* Too many lines. */
    char big[MEDIA_SDP_MAX_LINES * 6 + 16];
    size_t n = (size_t)snprintf(big, sizeof(big), "v=0\r\n");
    for (size_t k = 0; k < MEDIA_SDP_MAX_LINES; k++) {
        memcpy(big + n, "a=x\r\n", 5);
        n += 5;
    }
    assert_int_equal(media_sdp_scan(sv_make(big, n), &info, NULL), -EINVAL);
}

static enum media_verdict judge(const char *ct, const char *body, bool secure,
                                bool require)
{
    struct media_policy_in in = {
        .content_type = ct ? sv_cstr(ct) : SV_NULL,
        .body = sv_cstr(body),
        .transport_secure = secure,
        .require_encrypted = require,
    };
    const char *why = NULL;
    enum media_verdict v = media_policy_check(&in, &why);
    assert_non_null(why);
    return v;
}

static void policy_verdicts(void **state)
{
    (void)state;
    const char *plain = HEAD "m=audio 4000 RTP/AVP 0\r\n";
    const char *sdes = HEAD "m=audio 4000 RTP/SAVP 0\r\n" CRYPTO;
    const char *dtls = HEAD FP "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
    const char *ct = "application/sdp";

    /* Plain RTP: accepted unless encryption is required. */
    assert_int_equal(judge(ct, plain, false, false), MEDIA_OK);
    assert_int_equal(judge(ct, plain, true, false), MEDIA_OK);
    assert_int_equal(judge(ct, plain, true, true), MEDIA_REFUSE_PLAIN);
    assert_int_equal(judge(ct, plain, false, true), MEDIA_REFUSE_PLAIN);

    /* SDES: only over a secure transport, whatever the requirement. */
    assert_int_equal(judge(ct, sdes, false, false), MEDIA_REFUSE_SDES_CLEAR);
    assert_int_equal(judge(ct, sdes, false, true), MEDIA_REFUSE_SDES_CLEAR);
    assert_int_equal(judge(ct, sdes, true, true), MEDIA_OK);

    /* DTLS-SRTP: keys are not in the body, fine over any transport. */
    assert_int_equal(judge(ct, dtls, false, true), MEDIA_OK);

    /* Parameters and case in the Content-Type. */
    assert_int_equal(judge("Application/SDP; charset=x", plain, false, true),
                     MEDIA_REFUSE_PLAIN);
    /* Not SDP, or no body: not judged here. */
    assert_int_equal(judge("text/plain", plain, false, true), MEDIA_OK);
    assert_int_equal(judge(NULL, plain, false, true), MEDIA_OK);
    assert_int_equal(judge(ct, "", false, true), MEDIA_OK);
    /* SDP that does not parse. */
    assert_int_equal(judge(ct, "v=0\r\nm=audio\r\n", false, false),
                     MEDIA_REFUSE_BAD_SDP);

    assert_int_equal(media_verdict_status(MEDIA_OK), 0);
    assert_int_equal(media_verdict_status(MEDIA_REFUSE_PLAIN), 488);
    assert_int_equal(media_verdict_status(MEDIA_REFUSE_SDES_CLEAR), 488);
    assert_int_equal(media_verdict_status(MEDIA_REFUSE_BAD_SDP), 400);
    assert_string_equal(media_verdict_rule(MEDIA_REFUSE_SDES_CLEAR),
                        "sdes_in_clear");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_protocols),
        cmocka_unit_test(scan_malformed),
        cmocka_unit_test(policy_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
