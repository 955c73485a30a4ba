/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lexer helpers shared by the SIP parse_*.c files (never used outside
 * src/sip/): RFC 3261 §25.1 character classes, LWS skipping, quoted strings,
 * generic ";name=value" parameters, hosts and numbers. Every helper works on
 * a [p, end) range and never reads at or past 'end'.
 */
#ifndef SW_SIP_PARSE_INT_H
#define SW_SIP_PARSE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "sip/msg.h"

/* Character classes (bits of sip_cls[]). */
enum {
    SIP_C_ALPHA = 1u << 0,
    SIP_C_DIGIT = 1u << 1,
    SIP_C_HEX = 1u << 2,
    SIP_C_TOKEN = 1u << 3,      /* token */
    SIP_C_WORD = 1u << 4,       /* word (Call-ID) */
    SIP_C_UNRESERVED = 1u << 5, /* alphanum / mark */
    SIP_C_USER = 1u << 6,       /* user-unreserved */
    SIP_C_PASS = 1u << 7,       /* password extras: & = + $ , */
    SIP_C_PARAM = 1u << 8,      /* param-unreserved */
    SIP_C_HNV = 1u << 9,        /* hnv-unreserved */
    SIP_C_HOST = 1u << 10,      /* hostname: alphanum - . _ */
    SIP_C_SCHEME = 1u << 11,    /* scheme: alphanum + - . */
    SIP_C_URIC = 1u << 12,      /* absoluteURI chars except '%' */
    SIP_C_WS = 1u << 13,        /* SP HT CR LF */
    SIP_C_GENVAL = 1u << 14,    /* gen-value: token / host (: [ ]) */
};

extern const uint16_t sip_cls[256];

static inline bool sip_is(char c, unsigned cls)
{
    return (sip_cls[(unsigned char)c] & cls) != 0;
}

/* Skip SP, HTAB, CR and LF (folded LWS inside a header value). */
static inline const char *sip_lex_lws(const char *p, const char *end)
{
    while (p < end && sip_is(*p, SIP_C_WS)) {
        p++;
    }
    return p;
}

/* Skip characters of class 'cls'. */
static inline const char *sip_lex_span(const char *p, const char *end,
                                       unsigned cls)
{
    while (p < end && sip_is(*p, cls)) {
        p++;
    }
    return p;
}

/* View of [p, end). */
static inline struct sv sip_sv(const char *p, const char *end)
{
    return sv_make(p, (size_t)(end - p));
}

/* A view safe for pointer arithmetic: SV_NULL becomes an empty string (NULL
 * + 0 is undefined behaviour). Public entry points call it first. */
static inline struct sv sip_sv_safe(struct sv v)
{
    return v.p ? v : sv_make("", 0);
}

/* Fill 'err' (may be NULL). 'off' is relative to the parser's input. */
void sip_err_set(struct sip_err *err, size_t off, const char *reason,
                 int status);

/*
 * 'p' points at a DQUOTE. Returns the byte after the closing DQUOTE, or NULL
 * when the string is unterminated or holds a bare CTL or a quoted CR / LF.
 */
const char *sip_lex_quoted(const char *p, const char *end);

/*
 * True when every byte of [p, end) is of class 'cls' or part of a valid
 * "%" HEX HEX escape. Empty ranges are accepted.
 */
bool sip_lex_escaped(const char *p, const char *end, unsigned cls);

/* One generic parameter: name [ "=" value ] (RFC 3261 generic-param). */
struct sip_param {
    struct sv name;
    struct sv value; /* quotes kept for quoted-string, empty if no '=' */
    struct sv whole; /* name through value, as received */
    bool has_value;  /* '=' present */
};

/*
 * Parse one ";name[=value]" starting at 'p' (which must point at ';').
 * SWS is allowed around ';' and '='. Returns the byte after the parameter
 * or NULL when malformed (empty name, empty value, bad characters).
 */
const char *sip_lex_param(const char *p, const char *end,
                          struct sip_param *out);

/* Host forms recognised by sip_lex_host(). */
struct sip_host {
    struct sv host; /* IPv6 references keep their brackets */
    bool is_ipv6;
    bool has_port;
    uint16_t port;
};

/*
 * Parse host [ ":" port ] at 'p'; host is a hostname, an IPv4 address or an
 * IPv6 reference ([...], RFC 5118). 'sws' allows LWS around the colon
 * (Via sent-by). Returns the byte after it, or NULL when malformed.
 */
const char *sip_lex_hostport(const char *p, const char *end, bool sws,
                             struct sip_host *out);

/* Address syntax checks (no brackets for IPv6). */
bool sip_lex_ipv4(struct sv s);
bool sip_lex_ipv6(struct sv s);

/*
 * Decimal number filling 'v' (1*DIGIT). Values above 'max' clamp to 'max'
 * when 'clamp', else fail. Returns 0, -EINVAL (not a number) or -ERANGE.
 */
int sip_lex_u32(struct sv v, uint32_t max, bool clamp, uint32_t *out);

/* Parse one name-addr / addr-spec entry of a list (parse_nameaddr.c). */
enum sip_parse_res sip_lex_nameaddr(struct sv in, size_t *pos, bool list,
                                    struct sip_nameaddr *na,
                                    struct sip_err *err);

#endif
