/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Response builder for the registrar and the error path: a response that
 * echoes a (possibly partially parsed) request's Via, From, To, Call-ID and
 * CSeq per RFC 3261 §8.2.6 / §18.2.1 and RFC 3581. Reason phrases are ours,
 * never bytes from the network. Requests and dialogs are built elsewhere.
 */
#ifndef SW_SIP_BUILD_H
#define SW_SIP_BUILD_H

#include <stdint.h>

#include "base/buf.h"
#include "base/sv.h"

struct sip_err;
struct sip_msg;

/*
 * Append to 'out' a response to 'req' with 'status' (100..699) and 'reason'
 * (a static string of ours; NULL, or one that is not printable ASCII of at
 * most 128 bytes, is replaced by the standard phrase):
 *   SIP/2.0 <status> <reason>
 *   every Via header, in order; the topmost via-parm gets
 *     ";received=<src_ip>" when its sent-by host differs from 'src_ip' or
 *     it carries an empty rport (RFC 3261 §18.2.1, RFC 3581 §4), and an
 *     empty rport becomes "rport=<src_port>" (RFC 3581);
 *   From; To, plus ";tag=<to_tag>" when the request's To parsed without a
 *     tag and 'to_tag' is not empty; Call-ID; CSeq (first of each);
 *   'extra_hdrs' verbatim ("Name: value\r\n" lines, may be empty; callers
 *     add "Server:" there);
 *   Content-Length: 0 and the empty line.
 * Headers missing from 'req' are omitted; header values are copied with
 * folding removed. 'src_ip' is the request's source address as text (IPv6
 * without brackets) or empty; 'to_tag' must be a token.
 * Returns 0, -EINVAL (bad arguments, 'req' a response or an ACK, which are
 * never answered) or the buffer's error (-ENOSPC, -ENOMEM); on failure
 * 'out' is left as it was.
 */
int sip_build_response(struct buf *out, const struct sip_msg *req, int status,
                       const char *reason, struct sv to_tag, struct sv src_ip,
                       uint16_t src_port, struct sv extra_hdrs);

/*
 * The error path: sip_build_response() with err->status and err->reason
 * from a failed sip_msg_parse(). Returns -EINVAL when err->status is 0 (no
 * answer may be sent) or below 300.
 */
int sip_build_error(struct buf *out, const struct sip_msg *req,
                    const struct sip_err *err, struct sv to_tag,
                    struct sv src_ip, uint16_t src_port, struct sv extra_hdrs);

/*
 * 'reason' when it is safe to put on the wire (non-empty, at most 128
 * bytes, printable ASCII only: no CR, LF or NUL), else the standard phrase
 * for 'status'. Never returns NULL; the result is a static string or
 * 'reason' itself.
 */
const char *sip_build_reason_safe(int status, const char *reason);

/* Standard reason phrase of 'status' (RFC 3261 §21 and later RFCs), or a
 * generic phrase for its class. Never NULL. */
const char *sip_status_reason(int status);

#endif
