/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A parsed SIP message: views into the receive buffer, never copies.
 * sip_msg_parse() splits the start line and the header block, checks the
 * framing (Content-Length) and the headers every transaction needs (Via,
 * From, To, Call-ID, CSeq, Max-Forwards bounds); other header bodies are
 * parsed on first access by the sip_msg_get_* / sip_parse_* functions.
 */
#ifndef SW_SIP_MSG_H
#define SW_SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

/* Parser limits (PRODUCT.md §1). */
#define SIP_MAX_MSG_LEN      65535 /* bytes, whole message */
#define SIP_MAX_HDRS         96    /* header fields (after comma split: no) */
#define SIP_MAX_LINE_LEN     8192  /* bytes, one (unfolded) header line */
#define SIP_MAX_BODY_LEN     32768 /* bytes, Content-Length ceiling */
#define SIP_MAX_VIA          16    /* Via entries considered */
#define SIP_MAX_MAX_FORWARDS 255

enum sip_parse_res {
    SIP_PARSE_OK = 0,
    SIP_PARSE_AGAIN, /* stream input: not all bytes arrived yet */
    SIP_PARSE_BAD,   /* malformed: see struct sip_err */
};

/* Why a message was refused: 'reason' is the 400 reason phrase. */
struct sip_err {
    size_t offset;      /* byte offset of the problem in the input */
    const char *reason; /* static string, e.g. "Bad Via header" */
    int status;         /* SIP status to answer with (400, 413, 414, 483,
                           505 ...), 0 when no answer may be sent */
};

enum sip_method {
    SIP_METHOD_UNKNOWN = 0, /* extension method: see msg->method_name */
    SIP_METHOD_INVITE,
    SIP_METHOD_ACK,
    SIP_METHOD_BYE,
    SIP_METHOD_CANCEL,
    SIP_METHOD_REGISTER,
    SIP_METHOD_OPTIONS,
    SIP_METHOD_INFO,
    SIP_METHOD_UPDATE,
    SIP_METHOD_PRACK,
    SIP_METHOD_SUBSCRIBE,
    SIP_METHOD_NOTIFY,
    SIP_METHOD_REFER,
    SIP_METHOD_MESSAGE,
    SIP_METHOD_PUBLISH,
};

/* Header ids; compact forms (v, f, t, i, m, l, c, k, s, e, ...) map here. */
enum sip_hdr_id {
    SIP_HDR_OTHER = 0,
    SIP_HDR_VIA,
    SIP_HDR_FROM,
    SIP_HDR_TO,
    SIP_HDR_CALL_ID,
    SIP_HDR_CSEQ,
    SIP_HDR_CONTACT,
    SIP_HDR_MAX_FORWARDS,
    SIP_HDR_CONTENT_LENGTH,
    SIP_HDR_CONTENT_TYPE,
    SIP_HDR_EXPIRES,
    SIP_HDR_AUTHORIZATION,
    SIP_HDR_PROXY_AUTHORIZATION,
    SIP_HDR_WWW_AUTHENTICATE,
    SIP_HDR_PROXY_AUTHENTICATE,
    SIP_HDR_USER_AGENT,
    SIP_HDR_ROUTE,
    SIP_HDR_RECORD_ROUTE,
    SIP_HDR_REQUIRE,
    SIP_HDR_PROXY_REQUIRE,
    SIP_HDR_SUPPORTED,
    SIP_HDR_UNSUPPORTED,
    SIP_HDR_ALLOW,
    SIP_HDR_SERVER,
    SIP_HDR_CONTENT_ENCODING,
    SIP_HDR_SUBJECT,
    SIP_HDR_EVENT,
    SIP_HDR_MIN_EXPIRES,
    SIP_HDR_DATE,
    SIP_HDR_WARNING,
    SIP_HDR_REASON,
    /* Added after the first API freeze; compact forms in brackets. */
    SIP_HDR_ACCEPT,
    SIP_HDR_ALLOW_EVENTS,        /* u */
    SIP_HDR_REFER_TO,            /* r */
    SIP_HDR_REFERRED_BY,         /* b */
    SIP_HDR_SESSION_EXPIRES,     /* x */
    SIP_HDR_ACCEPT_CONTACT,      /* a */
    SIP_HDR_REJECT_CONTACT,      /* j */
    SIP_HDR_REQUEST_DISPOSITION, /* d */
    SIP_HDR_IDENTITY,            /* y */
    SIP_HDR_CONTENT_DISPOSITION,
    SIP_HDR_PATH,
    SIP_HDR_RETRY_AFTER,
    SIP_HDR_P_ASSERTED_IDENTITY,
    SIP_HDR_PRIVACY,
    SIP_HDR_RSEQ,
    SIP_HDR_RACK,
    SIP_HDR_SUBSCRIPTION_STATE,
    SIP_HDR_AUTHENTICATION_INFO,
    SIP_HDR_COUNT_
};

struct sip_hdr {
    enum sip_hdr_id id;
    struct sv name;  /* as received (may be compact) */
    struct sv value; /* trimmed; may contain folding (CRLF + WSP) */
};

enum sip_uri_scheme {
    SIP_URI_OTHER = 0, /* absoluteURI such as tel:, http:, mailto: */
    SIP_URI_SIP,
    SIP_URI_SIPS,
};

struct sip_uri {
    enum sip_uri_scheme scheme;
    struct sv scheme_name; /* as received */
    struct sv user;        /* still %-escaped; empty when absent */
    struct sv password;
    struct sv host; /* IPv6 references keep their brackets */
    bool host_is_ipv6;
    bool has_port;
    uint16_t port;
    struct sv params;  /* ";a=b;lr" including the leading ';', or empty */
    struct sv headers; /* after '?', or empty */
    struct sv opaque;  /* everything after "scheme:" for SIP_URI_OTHER */
};

struct sip_via {
    struct sv transport; /* "UDP", "TCP", "TLS", "WS", "WSS", ... */
    struct sv host;      /* sent-by host (IPv6 keeps brackets) */
    bool has_port;
    uint16_t port;
    struct sv branch;   /* empty when absent */
    struct sv received; /* empty when absent */
    bool has_rport;     /* rport present (with or without value) */
    bool rport_has_value;
    uint16_t rport;
    struct sv params; /* all params, including leading ';' */
    struct sv raw;    /* the whole via-parm as received */
};

struct sip_nameaddr {
    struct sv display; /* display name, quotes kept, or empty */
    struct sv uri_raw; /* the URI text (without < >) */
    struct sip_uri uri;
    struct sv params; /* header params after the URI, leading ';' */
    struct sv tag;    /* tag param value, or empty */
};

struct sip_cseq {
    uint32_t num;
    enum sip_method method;
    struct sv method_name;
};

/* One Contact entry. 'star' for "Contact: *". */
struct sip_contact {
    bool star;
    struct sip_nameaddr na;
    bool has_expires;
    uint32_t expires_s; /* clamped to UINT32_MAX on huge values */
    struct sv q;        /* raw q value or empty */
};

/* Digest credentials or challenge params (RFC 7616 / RFC 8760). */
struct sip_digest {
    struct sv scheme; /* "Digest" */
    struct sv username;
    struct sv realm;
    struct sv nonce;
    struct sv uri;
    struct sv response;
    struct sv algorithm; /* "MD5", "SHA-256", ... or empty */
    struct sv cnonce;
    struct sv opaque;
    struct sv qop;
    struct sv nc; /* 8 hex digits as sent */
    bool userhash;
    bool stale;
};

struct sip_msg {
    struct sv raw; /* the whole message (start line to body end) */

    bool is_request;
    /* request line */
    enum sip_method method;
    struct sv method_name;
    struct sv ruri_raw;
    struct sip_uri ruri;
    /* status line */
    int status;
    struct sv reason;

    struct sip_hdr hdrs[SIP_MAX_HDRS];
    unsigned n_hdrs;

    /* Parsed at sip_msg_parse time (every transaction needs them). */
    struct sip_via via;       /* topmost Via entry */
    unsigned n_via;           /* Via entries in the message */
    struct sip_nameaddr from; /* with tag */
    struct sip_nameaddr to;   /* tag may be empty */
    struct sv call_id;
    struct sip_cseq cseq;
    int max_forwards;      /* -1 when absent */
    size_t content_length; /* bytes; body.len when the header is absent */
    struct sv body;
};

/*
 * Parse one complete message (datagram or a stream frame) in 'raw'.
 * On SIP_PARSE_OK every view in 'msg' points into 'raw', which must outlive
 * 'msg'. Never reads past raw.len and never writes to 'raw'. On
 * SIP_PARSE_BAD 'err' says why and what to answer; fields of 'msg' that were
 * parsed before the error (start line, Via, Call-ID, CSeq, From, To) are
 * valid so a 400 can still be built when err->status != 0.
 *
 * Details: CRLFs before the start line are skipped (msg->raw starts at the
 * start line). Octets after Content-Length are dropped (msg->raw ends at the
 * body end, RFC 3261 §18.3); without Content-Length the body is the rest of
 * the input (datagrams). A Content-Length larger than the input is refused.
 * err->status is 400 for syntax, 413 for size limits, 414 for an overlong
 * request line, 505 for another SIP version, 0 for any response. The first
 * problem in input order is reported; missing headers are reported at the
 * end of the header block. 'err' may be NULL.
 */
enum sip_parse_res sip_msg_parse(struct sip_msg *msg, struct sv raw,
                                 struct sip_err *err);

/*
 * Stream framing: find the end of the first message in 'data' (TCP/TLS).
 * Skips leading CRLF keep-alives (their count goes to *skip). Returns
 * SIP_PARSE_OK with *frame_len = bytes of header block + Content-Length
 * body, SIP_PARSE_AGAIN when more bytes are needed, SIP_PARSE_BAD when the
 * header block exceeds the limits or Content-Length is missing or invalid.
 * *frame_len counts from data.p + *skip; it is also set on SIP_PARSE_AGAIN
 * once the header block is complete (0 before). On SIP_PARSE_BAD the stream
 * cannot be resynchronised: close it ('err' says why; offsets are from
 * data.p). The header block itself is checked by sip_msg_parse() later.
 */
enum sip_parse_res sip_msg_frame(struct sv data, size_t *skip,
                                 size_t *frame_len, struct sip_err *err);

/*
 * Resumable framing for one stream: as sip_msg_frame(), but remembers how
 * far the header block was scanned and, once known, the frame length, so a
 * message trickling in byte by byte is scanned once, not once per read.
 * Zero the state when the connection starts and whenever bytes are consumed
 * from the front of the buffer (a frame, or the skipped CRLFs).
 */
struct sip_frame_state {
    size_t scanned;   /* bytes after the CRLFs known not to end the headers */
    size_t frame_len; /* bytes, 0 until the header block is complete */
};
enum sip_parse_res sip_msg_frame_resume(struct sip_frame_state *st,
                                        struct sv data, size_t *skip,
                                        size_t *frame_len, struct sip_err *err);

/* First header with 'id', or NULL. Linear in n_hdrs. */
const struct sip_hdr *sip_msg_hdr(const struct sip_msg *msg,
                                  enum sip_hdr_id id);
/* Next header with the same id (same name for SIP_HDR_OTHER) after 'prev',
 * or NULL. 'prev' must come from this message. */
const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *msg,
                                       const struct sip_hdr *prev);
/* Case-insensitive lookup by name; known full names also find their
 * compact form ("Contact" finds "m"). */
const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *msg,
                                          struct sv name);

/* Header id of a field name (case-insensitive, compact forms included);
 * SIP_HDR_OTHER when unknown. */
enum sip_hdr_id sip_hdr_id_from_name(struct sv name);
/* Canonical full name ("Call-ID"), NULL for SIP_HDR_OTHER / out of range. */
const char *sip_hdr_name(enum sip_hdr_id id);

/*
 * Iterate over Contact entries across all Contact headers and comma-separated
 * values. Set it->hdr = NULL and it->pos = 0 before the first call. Returns
 * SIP_PARSE_OK with *out filled, SIP_PARSE_AGAIN when there are no more
 * entries, SIP_PARSE_BAD on a malformed entry ('err' filled, offset from
 * msg->raw.p). "*" is returned with out->star set and must stand alone in
 * its header; an addr-spec Contact (no <>) may not carry '?' headers (RFC
 * 3261 §20). Contact expires values above UINT32_MAX clamp; q must be a
 * qvalue. Views in *out point into the message.
 */
struct sip_contact_iter {
    const struct sip_hdr *hdr;
    size_t pos;
};
enum sip_parse_res sip_msg_next_contact(const struct sip_msg *msg,
                                        struct sip_contact_iter *it,
                                        struct sip_contact *out,
                                        struct sip_err *err);

/* Expires header as seconds: 0 OK, -ENOENT absent, -EINVAL malformed.
 * Values above UINT32_MAX clamp to UINT32_MAX. */
int sip_msg_expires(const struct sip_msg *msg, uint32_t *expires_s);

/* Method id of a (case-sensitive) method token; SIP_METHOD_UNKNOWN for
 * extension methods. */
enum sip_method sip_method_from_sv(struct sv name);
/* "INVITE" ...; NULL for SIP_METHOD_UNKNOWN (use msg->method_name). */
const char *sip_method_name(enum sip_method m);

/*
 * Header body parsers, also used by fuzz targets. Each one reads only 'in'
 * (a header value, which may hold folding LWS), fills its output with views
 * into 'in', and on SIP_PARSE_BAD sets 'err' (may be NULL) with an offset
 * relative to in.p.
 *
 * sip_parse_uri: the whole of 'in' is one URI without LWS; sip/sips get
 * their parts split and syntax-checked (escapes are validated, not decoded),
 * other schemes are kept in 'opaque'.
 * sip_parse_via: one via-parm; *rest (may be NULL) receives what follows the
 * separating comma, empty at the end of the value.
 * sip_parse_nameaddr: exactly one name-addr or addr-spec with header params
 * (From, To, a single Contact / Route value).
 * sip_parse_cseq: number (< 2**31) and method.
 * sip_parse_digest: "Digest" credentials or challenge. Quoted values are
 * given without their quotes but with quoted-pairs kept (sip_unquote()).
 * For another auth-scheme only 'scheme' is set and SIP_PARSE_OK returned.
 * Unknown params are skipped; a known param given twice is refused.
 */
enum sip_parse_res sip_parse_uri(struct sv in, struct sip_uri *uri,
                                 struct sip_err *err);
enum sip_parse_res sip_parse_via(struct sv in, struct sip_via *via,
                                 struct sv *rest, struct sip_err *err);
enum sip_parse_res sip_parse_nameaddr(struct sv in, struct sip_nameaddr *na,
                                      struct sip_err *err);
enum sip_parse_res sip_parse_cseq(struct sv in, struct sip_cseq *cseq,
                                  struct sip_err *err);
enum sip_parse_res sip_parse_digest(struct sv in, struct sip_digest *dig,
                                    struct sip_err *err);

/*
 * Find parameter 'name' in a ";a=b;c" list (case-insensitive name).
 * Returns true when present; *value is the value (quotes kept) or empty.
 */
bool sip_param_find(struct sv params, struct sv name, struct sv *value);

/*
 * Percent-decode 'in' into 'dst' (cap bytes). Returns the decoded length or
 * -EINVAL on a bad escape or an escaped NUL, -ENOSPC if it does not fit.
 */
long sip_unescape(struct sv in, char *dst, size_t cap);

/*
 * Resolve quoted-pairs ("\x" -> "x") of a quoted-string body (without its
 * DQUOTEs, as in struct sip_digest) into 'dst' (cap bytes, not terminated).
 * Returns the length, -EINVAL on a trailing backslash, -ENOSPC.
 */
long sip_unquote(struct sv in, char *dst, size_t cap);

#endif
