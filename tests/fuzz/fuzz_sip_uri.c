// fuzz-link: sw_sip
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the SIP header-body parsers: sip_parse_uri() (and
 * unescaping, parameter lookup on what it returns), plus the same bytes as
 * a name-addr, a Via list and a CSeq. Checks that views stay in the input.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *g_lo;
static const char *g_hi;

static void inside(struct sv v)
{
    if (v.len && (v.p < g_lo || v.p + v.len > g_hi)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv in = sv_make((const char *)data, size);
    struct sip_err err;
    char tmp[512];
    struct sv v;

    g_lo = in.p;
    g_hi = in.p + size;

    struct sip_uri uri;
    if (sip_parse_uri(in, &uri, &err) == SIP_PARSE_OK) {
        inside(uri.user);
        inside(uri.password);
        inside(uri.host);
        inside(uri.params);
        inside(uri.headers);
        inside(uri.opaque);
        if (uri.scheme != SIP_URI_OTHER && uri.host.len == 0) {
            abort();
        }
        (void)sip_unescape(uri.user, tmp, sizeof(tmp));
        if (sip_param_find(uri.params, SV_LIT("transport"), &v)) {
            inside(v);
        }
        (void)sip_param_find(uri.params, SV_LIT("lr"), NULL);
    } else if (err.offset > size) {
        abort();
    }

    struct sip_nameaddr na;
    if (sip_parse_nameaddr(in, &na, &err) == SIP_PARSE_OK) {
        inside(na.display);
        inside(na.uri_raw);
        inside(na.params);
        inside(na.tag);
        if (sip_param_find(na.params, SV_LIT("expires"), &v)) {
            inside(v);
        }
    }

    struct sv rest = in;
    for (int i = 0; i < 64 && rest.len > 0; i++) {
        struct sip_via via;
        if (sip_parse_via(rest, &via, &rest, &err) != SIP_PARSE_OK) {
            break;
        }
        inside(via.raw);
        inside(via.branch);
        inside(rest);
    }

    struct sip_cseq cseq;
    if (sip_parse_cseq(in, &cseq, &err) == SIP_PARSE_OK) {
        inside(cseq.method_name);
    }
    (void)sip_unescape(in, tmp, sizeof(tmp));
    return 0;
}
