/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What an alert looks like on the wire: the webhook's JSON body, its
 * HMAC-SHA256 signature, and the e-mail message (RFC 5322 headers From,
 * To, Subject, Date, Message-ID, MIME-Version, Content-Type, a plain text
 * body, CRLF line ends). Header injection is refused here: configured
 * addresses containing CR, LF or other controls are rejected, and alert
 * values have them stripped before they reach a header or a body line.
 * SMTP dot-stuffing is left to the transport (libcurl). Pure.
 */
#ifndef SW_ALERT_FORMAT_H
#define SW_ALERT_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "alert/alert.h"

#define ALERT_ADDR_CAP    255 /* one mail address, NUL included */
#define ALERT_MAIL_TO_MAX 8   /* recipients */
#define ALERT_TIME_CAP    24  /* "2026-11-22T18:34:06Z" */
#define ALERT_SIG_HEX_CAP 65  /* SHA-256 as hex, NUL included */

/* 'at' (unix s) as ISO 8601 UTC "YYYY-MM-DDThh:mm:ssZ" into 'dst'. */
void alert_format_time(int64_t at, char dst[ALERT_TIME_CAP]);

/*
 * Is 'addr' a mail address we may put in a header and an SMTP command:
 * 3..254 bytes, exactly one '@' with text on both sides, printable ASCII
 * only, none of blank, CR, LF, '<', '>', ',', ';', '"', '(' or ')'.
 * Returns 0 or -EINVAL.
 */
int alert_addr_check(const char *addr);

/*
 * Split the comma-separated list 'text' (blanks around entries ignored)
 * into 'out', checking each with alert_addr_check. Returns 0 with *n set
 * (at least one), or -EINVAL (empty list, bad address, more than 'max').
 */
int alert_mail_list_parse(const char *text, char out[][ALERT_ADDR_CAP],
                          size_t max, size_t *n);

/*
 * The webhook body: {"kind","severity","time" (ISO 8601 UTC),"host",
 * "summary","details":{key: value, ...},"suppressed": N} (and "test_id"
 * for a test), compact, members in that order. Text that is not printable
 * ASCII is replaced by '?'. On 0, *out is a new NUL-terminated string
 * (free()). Returns 0 or -ENOMEM.
 */
int alert_format_json(const struct alert *a, const char *host, char **out);

/*
 * HMAC-SHA256 of 'body' ('len' bytes) under 'secret', as lowercase hex.
 * Returns 0 or -EIO.
 */
int alert_format_sign(const char *secret, const char *body, size_t len,
                      char hex[ALERT_SIG_HEX_CAP]);

/* What the e-mail's headers need besides the alert. */
struct alert_mail_hdr {
    const char *from;      /* checked with alert_addr_check */
    const char *const *to; /* 'n_to' checked addresses */
    size_t n_to;
    const char *host;  /* this server's name (Subject, Message-ID) */
    const char *msgid; /* unique token, [A-Za-z0-9.]: Message-ID's left */
};

/*
 * The e-mail for 'a': headers, a blank line and the text body, every line
 * ended by CRLF. Subject: "[sipwarden HOST] SEVERITY KIND: SUMMARY". On 0,
 * *out is a new string (free()), *len its length. Returns 0, -EINVAL (an
 * address or the token refused) or -ENOMEM.
 */
int alert_format_mail(const struct alert *a, const struct alert_mail_hdr *h,
                      char **out, size_t *len);

#endif
