/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Header names and methods: name -> id lookup (case-insensitive, compact
 * forms of RFC 3261 §7.3.3 and later RFCs) by a switch on the name length,
 * canonical names, and the header lookups over a parsed message. Header
 * bodies are parsed elsewhere.
 */
#include "sip/msg.h"

#include <string.h>

#include "sip/parse_int.h"

/* Canonical names, indexed by enum sip_hdr_id. */
static const char *const hdr_names[SIP_HDR_COUNT_] = {
    [SIP_HDR_OTHER] = "",
    [SIP_HDR_VIA] = "Via",
    [SIP_HDR_FROM] = "From",
    [SIP_HDR_TO] = "To",
    [SIP_HDR_CALL_ID] = "Call-ID",
    [SIP_HDR_CSEQ] = "CSeq",
    [SIP_HDR_CONTACT] = "Contact",
    [SIP_HDR_MAX_FORWARDS] = "Max-Forwards",
    [SIP_HDR_CONTENT_LENGTH] = "Content-Length",
    [SIP_HDR_CONTENT_TYPE] = "Content-Type",
    [SIP_HDR_EXPIRES] = "Expires",
    [SIP_HDR_AUTHORIZATION] = "Authorization",
    [SIP_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
    [SIP_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
    [SIP_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
    [SIP_HDR_USER_AGENT] = "User-Agent",
    [SIP_HDR_ROUTE] = "Route",
    [SIP_HDR_RECORD_ROUTE] = "Record-Route",
    [SIP_HDR_REQUIRE] = "Require",
    [SIP_HDR_PROXY_REQUIRE] = "Proxy-Require",
    [SIP_HDR_SUPPORTED] = "Supported",
    [SIP_HDR_UNSUPPORTED] = "Unsupported",
    [SIP_HDR_ALLOW] = "Allow",
    [SIP_HDR_SERVER] = "Server",
    [SIP_HDR_CONTENT_ENCODING] = "Content-Encoding",
    [SIP_HDR_SUBJECT] = "Subject",
    [SIP_HDR_EVENT] = "Event",
    [SIP_HDR_MIN_EXPIRES] = "Min-Expires",
    [SIP_HDR_DATE] = "Date",
    [SIP_HDR_WARNING] = "Warning",
    [SIP_HDR_REASON] = "Reason",
    [SIP_HDR_ACCEPT] = "Accept",
    [SIP_HDR_ALLOW_EVENTS] = "Allow-Events",
    [SIP_HDR_REFER_TO] = "Refer-To",
    [SIP_HDR_REFERRED_BY] = "Referred-By",
    [SIP_HDR_SESSION_EXPIRES] = "Session-Expires",
    [SIP_HDR_ACCEPT_CONTACT] = "Accept-Contact",
    [SIP_HDR_REJECT_CONTACT] = "Reject-Contact",
    [SIP_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
    [SIP_HDR_IDENTITY] = "Identity",
    [SIP_HDR_CONTENT_DISPOSITION] = "Content-Disposition",
    [SIP_HDR_PATH] = "Path",
    [SIP_HDR_RETRY_AFTER] = "Retry-After",
    [SIP_HDR_P_ASSERTED_IDENTITY] = "P-Asserted-Identity",
    [SIP_HDR_PRIVACY] = "Privacy",
    [SIP_HDR_RSEQ] = "RSeq",
    [SIP_HDR_RACK] = "RAck",
    [SIP_HDR_SUBSCRIPTION_STATE] = "Subscription-State",
    [SIP_HDR_AUTHENTICATION_INFO] = "Authentication-Info",
};

const char *sip_hdr_name(enum sip_hdr_id id)
{
    if ((unsigned)id >= SIP_HDR_COUNT_ || id == SIP_HDR_OTHER) {
        return NULL;
    }
    return hdr_names[id];
}

static inline char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

/* RFC 3261 §7.3.3, RFC 3515 (r), RFC 3892 (b), RFC 4028 (x), RFC 3841
 * (a, j, d), RFC 6665 (o, u), RFC 8224 (y). */
static enum sip_hdr_id compact_id(char c)
{
    switch (lower(c)) {
    case 'a':
        return SIP_HDR_ACCEPT_CONTACT;
    case 'b':
        return SIP_HDR_REFERRED_BY;
    case 'c':
        return SIP_HDR_CONTENT_TYPE;
    case 'd':
        return SIP_HDR_REQUEST_DISPOSITION;
    case 'e':
        return SIP_HDR_CONTENT_ENCODING;
    case 'f':
        return SIP_HDR_FROM;
    case 'i':
        return SIP_HDR_CALL_ID;
    case 'j':
        return SIP_HDR_REJECT_CONTACT;
    case 'k':
        return SIP_HDR_SUPPORTED;
    case 'l':
        return SIP_HDR_CONTENT_LENGTH;
    case 'm':
        return SIP_HDR_CONTACT;
    case 'o':
        return SIP_HDR_EVENT;
    case 'r':
        return SIP_HDR_REFER_TO;
    case 's':
        return SIP_HDR_SUBJECT;
    case 't':
        return SIP_HDR_TO;
    case 'u':
        return SIP_HDR_ALLOW_EVENTS;
    case 'v':
        return SIP_HDR_VIA;
    case 'x':
        return SIP_HDR_SESSION_EXPIRES;
    case 'y':
        return SIP_HDR_IDENTITY;
    default:
        return SIP_HDR_OTHER;
    }
}

/* Same length is guaranteed by the caller's switch. */
static bool is_name(struct sv name, enum sip_hdr_id id)
{
    const char *n = hdr_names[id];
    for (size_t i = 0; i < name.len; i++) {
        if (lower(name.p[i]) != lower(n[i])) {
            return false;
        }
    }
    return true;
}

#define TRY(id)                    \
    do {                           \
        if (is_name(name, (id))) { \
            return (id);           \
        }                          \
    } while (0)

enum sip_hdr_id sip_hdr_id_from_name(struct sv name)
{
    switch (name.len) {
    case 1:
        return compact_id(name.p[0]);
    case 2:
        TRY(SIP_HDR_TO);
        break;
    case 3:
        TRY(SIP_HDR_VIA);
        break;
    case 4:
        TRY(SIP_HDR_FROM);
        TRY(SIP_HDR_CSEQ);
        TRY(SIP_HDR_DATE);
        TRY(SIP_HDR_PATH);
        TRY(SIP_HDR_RSEQ);
        TRY(SIP_HDR_RACK);
        break;
    case 5:
        TRY(SIP_HDR_ROUTE);
        TRY(SIP_HDR_ALLOW);
        TRY(SIP_HDR_EVENT);
        break;
    case 6:
        TRY(SIP_HDR_SERVER);
        TRY(SIP_HDR_ACCEPT);
        TRY(SIP_HDR_REASON);
        break;
    case 7:
        TRY(SIP_HDR_CALL_ID);
        TRY(SIP_HDR_CONTACT);
        TRY(SIP_HDR_EXPIRES);
        TRY(SIP_HDR_REQUIRE);
        TRY(SIP_HDR_SUBJECT);
        TRY(SIP_HDR_WARNING);
        TRY(SIP_HDR_PRIVACY);
        break;
    case 8:
        TRY(SIP_HDR_IDENTITY);
        TRY(SIP_HDR_REFER_TO);
        break;
    case 9:
        TRY(SIP_HDR_SUPPORTED);
        break;
    case 10:
        TRY(SIP_HDR_USER_AGENT);
        break;
    case 11:
        TRY(SIP_HDR_UNSUPPORTED);
        TRY(SIP_HDR_MIN_EXPIRES);
        TRY(SIP_HDR_RETRY_AFTER);
        TRY(SIP_HDR_REFERRED_BY);
        break;
    case 12:
        TRY(SIP_HDR_MAX_FORWARDS);
        TRY(SIP_HDR_CONTENT_TYPE);
        TRY(SIP_HDR_RECORD_ROUTE);
        TRY(SIP_HDR_ALLOW_EVENTS);
        break;
    case 13:
        TRY(SIP_HDR_AUTHORIZATION);
        TRY(SIP_HDR_PROXY_REQUIRE);
        break;
    case 14:
        TRY(SIP_HDR_CONTENT_LENGTH);
        TRY(SIP_HDR_ACCEPT_CONTACT);
        TRY(SIP_HDR_REJECT_CONTACT);
        break;
    case 15:
        TRY(SIP_HDR_SESSION_EXPIRES);
        break;
    case 16:
        TRY(SIP_HDR_WWW_AUTHENTICATE);
        TRY(SIP_HDR_CONTENT_ENCODING);
        break;
    case 18:
        TRY(SIP_HDR_PROXY_AUTHENTICATE);
        TRY(SIP_HDR_SUBSCRIPTION_STATE);
        break;
    case 19:
        TRY(SIP_HDR_PROXY_AUTHORIZATION);
        TRY(SIP_HDR_CONTENT_DISPOSITION);
        TRY(SIP_HDR_REQUEST_DISPOSITION);
        TRY(SIP_HDR_AUTHENTICATION_INFO);
        TRY(SIP_HDR_P_ASSERTED_IDENTITY);
        break;
    default:
        break;
    }
    return SIP_HDR_OTHER;
}

#undef TRY

/* ---- lookups over a parsed message -------------------------------------- */

const struct sip_hdr *sip_msg_hdr(const struct sip_msg *msg, enum sip_hdr_id id)
{
    for (unsigned i = 0; i < msg->n_hdrs; i++) {
        if (msg->hdrs[i].id == id) {
            return &msg->hdrs[i];
        }
    }
    return NULL;
}

const struct sip_hdr *sip_msg_hdr_next(const struct sip_msg *msg,
                                       const struct sip_hdr *prev)
{
    if (!prev || prev < msg->hdrs || prev >= msg->hdrs + msg->n_hdrs) {
        return NULL;
    }
    for (const struct sip_hdr *h = prev + 1; h < msg->hdrs + msg->n_hdrs; h++) {
        if (h->id == prev->id
            && (h->id != SIP_HDR_OTHER || sv_eq_nocase(h->name, prev->name))) {
            return h;
        }
    }
    return NULL;
}

const struct sip_hdr *sip_msg_hdr_by_name(const struct sip_msg *msg,
                                          struct sv name)
{
    enum sip_hdr_id id = sip_hdr_id_from_name(name);

    if (id != SIP_HDR_OTHER) {
        return sip_msg_hdr(msg, id);
    }
    for (unsigned i = 0; i < msg->n_hdrs; i++) {
        const struct sip_hdr *h = &msg->hdrs[i];
        if (h->id == SIP_HDR_OTHER && sv_eq_nocase(h->name, name)) {
            return h;
        }
    }
    return NULL;
}

/* ---- methods --------------------------------------------------------------
 */

static const char *const method_names[] = {
    [SIP_METHOD_UNKNOWN] = NULL,
    [SIP_METHOD_INVITE] = "INVITE",
    [SIP_METHOD_ACK] = "ACK",
    [SIP_METHOD_BYE] = "BYE",
    [SIP_METHOD_CANCEL] = "CANCEL",
    [SIP_METHOD_REGISTER] = "REGISTER",
    [SIP_METHOD_OPTIONS] = "OPTIONS",
    [SIP_METHOD_INFO] = "INFO",
    [SIP_METHOD_UPDATE] = "UPDATE",
    [SIP_METHOD_PRACK] = "PRACK",
    [SIP_METHOD_SUBSCRIBE] = "SUBSCRIBE",
    [SIP_METHOD_NOTIFY] = "NOTIFY",
    [SIP_METHOD_REFER] = "REFER",
    [SIP_METHOD_MESSAGE] = "MESSAGE",
    [SIP_METHOD_PUBLISH] = "PUBLISH",
};

const char *sip_method_name(enum sip_method m)
{
    if ((unsigned)m >= sizeof(method_names) / sizeof(method_names[0])) {
        return NULL;
    }
    return method_names[m];
}

static bool is_method(struct sv name, enum sip_method m)
{
    return memcmp(name.p, method_names[m], name.len) == 0;
}

#define TRYM(m)                     \
    do {                            \
        if (is_method(name, (m))) { \
            return (m);             \
        }                           \
    } while (0)

enum sip_method sip_method_from_sv(struct sv name)
{
    /* RFC 3261 §7.1: method names are case-sensitive. */
    switch (name.len) {
    case 3:
        TRYM(SIP_METHOD_ACK);
        TRYM(SIP_METHOD_BYE);
        break;
    case 4:
        TRYM(SIP_METHOD_INFO);
        break;
    case 5:
        TRYM(SIP_METHOD_PRACK);
        TRYM(SIP_METHOD_REFER);
        break;
    case 6:
        TRYM(SIP_METHOD_INVITE);
        TRYM(SIP_METHOD_CANCEL);
        TRYM(SIP_METHOD_UPDATE);
        TRYM(SIP_METHOD_NOTIFY);
        break;
    case 7:
        TRYM(SIP_METHOD_OPTIONS);
        TRYM(SIP_METHOD_MESSAGE);
        TRYM(SIP_METHOD_PUBLISH);
        break;
    case 8:
        TRYM(SIP_METHOD_REGISTER);
        break;
    case 9:
        TRYM(SIP_METHOD_SUBSCRIBE);
        break;
    default:
        break;
    }
    return SIP_METHOD_UNKNOWN;
}

#undef TRYM
