/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CSeq parser (RFC 3261 §20.16): a sequence number below 2**31 (§8.1.1.5),
 * LWS, and a method token. Whether the method matches the request line is
 * checked by sip_msg_parse().
 */
#include "sip/msg.h"

#include <string.h>

#include "sip/parse_int.h"

enum sip_parse_res sip_parse_cseq(struct sv in, struct sip_cseq *cseq,
                                  struct sip_err *err)
{
    in = sip_sv_safe(in);
    const char *end = in.p + in.len;
    const char *p = sip_lex_lws(in.p, end);

    memset(cseq, 0, sizeof(*cseq));
    const char *d = sip_lex_span(p, end, SIP_C_DIGIT);
    uint32_t num;
    if (d == p || sip_lex_u32(sip_sv(p, d), 0x7fffffffu, false, &num) != 0) {
        sip_err_set(err, (size_t)(p - in.p), "Bad CSeq header", 400);
        return SIP_PARSE_BAD;
    }
    const char *m = sip_lex_lws(d, end);
    const char *me = sip_lex_span(m, end, SIP_C_TOKEN);
    if (m == d || me == m || sip_lex_lws(me, end) != end) {
        sip_err_set(err, (size_t)(m - in.p), "Bad CSeq header", 400);
        return SIP_PARSE_BAD;
    }
    cseq->num = num;
    cseq->method_name = sip_sv(m, me);
    cseq->method = sip_method_from_sv(cseq->method_name);
    return SIP_PARSE_OK;
}
