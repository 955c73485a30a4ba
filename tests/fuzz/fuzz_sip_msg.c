// fuzz-link: sw_sip
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the SIP message layer: stream framing (one-shot and
 * resumed), sip_msg_parse(), header lookups, Contact iteration, Expires,
 * Digest credentials, and building a response (or the error answer) from
 * whatever parsed. Checks that every view stays inside the input and that
 * resumed framing agrees with one-shot framing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "sip/build.h"
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

static void check_msg(const struct sip_msg *m)
{
    inside(m->raw);
    inside(m->method_name);
    inside(m->ruri_raw);
    inside(m->reason);
    inside(m->via.raw);
    inside(m->via.host);
    inside(m->via.branch);
    inside(m->from.uri_raw);
    inside(m->to.tag);
    inside(m->call_id);
    inside(m->body);
    if (m->n_hdrs > SIP_MAX_HDRS) {
        abort();
    }
    for (unsigned i = 0; i < m->n_hdrs; i++) {
        inside(m->hdrs[i].name);
        inside(m->hdrs[i].value);
    }
}

static void frame(struct sv in)
{
    size_t skip = 0;
    size_t flen = 0;
    struct sip_err err;
    enum sip_parse_res r = sip_msg_frame(in, &skip, &flen, &err);
    if (r == SIP_PARSE_OK && (skip + flen > in.len || flen == 0)) {
        abort();
    }
    if (r == SIP_PARSE_BAD && !err.reason) {
        abort();
    }
    /* the same stream in two reads must frame the same way */
    struct sip_frame_state fs = { 0 };
    size_t skip2 = 0;
    size_t flen2 = 0;
    sip_msg_frame_resume(&fs, sv_make(in.p, in.len / 2), &skip2, &flen2, &err);
    enum sip_parse_res r2 = sip_msg_frame_resume(&fs, in, &skip2, &flen2, &err);
    if (skip2 == skip && r2 != r) {
        abort();
    }
    if (r == SIP_PARSE_OK && r2 == SIP_PARSE_OK && flen2 != flen) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sip_msg msg;
    struct sv in = sv_make((const char *)data, size);
    struct sip_err err = { 0 };

    g_lo = in.p;
    g_hi = in.p + size;
    frame(in);

    enum sip_parse_res r = sip_msg_parse(&msg, in, &err);
    check_msg(&msg);
    if (r == SIP_PARSE_BAD && (!err.reason || err.offset > size)) {
        abort();
    }
    if (r == SIP_PARSE_OK && msg.is_request
        && (msg.n_via == 0 || msg.call_id.len == 0)) {
        abort();
    }

    struct sip_contact_iter it = { NULL, 0 };
    struct sip_contact c;
    for (int i = 0; i < 200; i++) {
        if (sip_msg_next_contact(&msg, &it, &c, &err) != SIP_PARSE_OK) {
            break;
        }
        inside(c.na.uri_raw);
        inside(c.na.params);
    }
    uint32_t exp;
    (void)sip_msg_expires(&msg, &exp);
    (void)sip_msg_hdr_by_name(&msg, SV_LIT("X-Unknown"));

    const struct sip_hdr *h = sip_msg_hdr(&msg, SIP_HDR_AUTHORIZATION);
    if (h) {
        struct sip_digest d;
        char tmp[256];
        if (sip_parse_digest(h->value, &d, &err) == SIP_PARSE_OK) {
            inside(d.username);
            inside(d.response);
            (void)sip_unquote(d.username, tmp, sizeof(tmp));
        }
    }

    struct buf b;
    buf_init(&b, SIP_MAX_MSG_LEN);
    int rc = -1;
    if (r == SIP_PARSE_OK) {
        rc = sip_build_response(&b, &msg, 200, "OK", SV_LIT("fz1"),
                                SV_LIT("192.0.2.1"), 5060,
                                SV_LIT("Server: sipwarden\r\n"));
    } else if (err.status != 0) {
        rc = sip_build_error(&b, &msg, &err, SV_LIT("fz1"),
                             SV_LIT("2001:db8::1"), 5060, SV_NULL);
    }
    if (rc == 0) {
        /* the answer stays proportional to the question: compact names
         * and bare LFs at most double it, plus our own lines */
        if (b.len > 2 * size + 512) {
            abort();
        }
        static struct sip_msg resp;
        (void)sip_msg_parse(&resp, buf_sv(&b), &err);
    }
    buf_fini(&b);
    return 0;
}
