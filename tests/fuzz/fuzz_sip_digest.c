// fuzz-link: sw_sip
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for sip_parse_digest() (Authorization, WWW-Authenticate
 * values) and sip_unquote() on every field it returns. Checks that views
 * stay in the input and that unquoting never grows a value.
 */
#include <stdint.h>
#include <stdlib.h>

#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *g_lo;
static const char *g_hi;

static void field(struct sv v)
{
    char tmp[4096];
    if (v.len && (v.p < g_lo || v.p + v.len > g_hi)) {
        abort();
    }
    long n = sip_unquote(v, tmp, sizeof(tmp));
    if (n > (long)v.len) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sv in = sv_make((const char *)data, size);
    struct sip_digest d;
    struct sip_err err;

    g_lo = in.p;
    g_hi = in.p + size;
    if (sip_parse_digest(in, &d, &err) != SIP_PARSE_OK) {
        if (!err.reason || err.offset > size) {
            abort();
        }
        return 0;
    }
    field(d.scheme);
    field(d.username);
    field(d.realm);
    field(d.nonce);
    field(d.uri);
    field(d.response);
    field(d.algorithm);
    field(d.cnonce);
    field(d.opaque);
    field(d.qop);
    field(d.nc);
    return 0;
}
