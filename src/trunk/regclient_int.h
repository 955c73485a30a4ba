/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the trunk registration client: the digest challenge we chose to
 * answer and the builder of one REGISTER request (regmsg.c), shared with
 * the state machine (regclient.c). Never included outside src/trunk/.
 */
#ifndef SW_TRUNK_REGCLIENT_INT_H
#define SW_TRUNK_REGCLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "reg/digest.h"
#include "trunk/regclient.h"

struct sip_msg;

#define TRUNK_REALM_CAP  254 /* bytes incl. NUL, as trunk_reg_params.realm */
#define TRUNK_NONCE_CAP  257 /* nonce and opaque, bytes incl. NUL */
#define TRUNK_BRANCH_CAP 48
#define TRUNK_URI_CAP    272 /* "sip:" + [host] + ":65535" + NUL */

/* A digest challenge we can answer, copied out of a 401 / 407. */
struct trunk_challenge {
    bool is_proxy;           /* 407: answer with Proxy-Authorization */
    enum reg_digest_alg alg; /* MD5 or SHA-256 */
    bool has_alg;            /* algorithm= was given: echoed */
    bool qop_auth;           /* qop=auth offered; false: RFC 2069 form */
    bool stale;              /* stale=true: same credentials, new nonce */
    bool has_opaque;         /* opaque= was given: echoed */
    char realm[TRUNK_REALM_CAP];
    char nonce[TRUNK_NONCE_CAP];
    char opaque[TRUNK_NONCE_CAP];
};

/*
 * Choose the challenge to answer in a 401 (WWW-Authenticate) or 407
 * (Proxy-Authenticate) response: Digest with algorithm MD5 or SHA-256
 * (SHA-256 preferred), qop absent or offering "auth", a non-empty nonce,
 * values without control characters, and the realm 'want_realm' unless
 * that is empty. Returns 0 with *out filled, -EACCES when the only
 * answerable challenges were for another realm, -ENOENT when there was
 * none (no header, another scheme, -sess, auth-int only, too long).
 */
int trunk_challenge_pick(const struct sip_msg *resp, const char *want_realm,
                         struct trunk_challenge *out);

/* What one REGISTER says. Strings are NUL-terminated and header-safe. */
struct trunk_req {
    const struct trunk_reg_params *p;
    const struct trunk_reg_cfg *cfg;
    const char *branch;
    const char *call_id;
    const char *from_tag;
    uint32_t cseq;
    uint32_t expires_s;
    const struct trunk_challenge *ch; /* NULL: no credentials */
    const char *cnonce;               /* with ch and qop=auth */
};

/*
 * The Request-URI "sip:HOST" or "sip:HOST:PORT" (IPv6 hosts bracketed)
 * into 'out' (TRUNK_URI_CAP). Returns 0 or -ENOSPC.
 */
int trunk_ruri(const struct trunk_reg_params *p, char *out, size_t cap);

/*
 * Append the REGISTER 'r' to 'out' (reset by the caller). With r->ch the
 * Authorization (or Proxy-Authorization) answers it with nc=00000001.
 * Returns 0, the buffer's error, or the digest's error (-EINVAL,
 * -ENOTSUP); intermediate secrets are wiped.
 */
int trunk_build_register(struct buf *out, const struct trunk_req *r);

/* True when every byte of 's' is in the set a URI user part may hold
 * unescaped (RFC 3261 §25.1 unreserved / user-unreserved) or '%'. */
bool trunk_user_ok(const char *s);

/* True for a host name, an IPv4 address, or an IPv6 address (bare or in
 * brackets). */
bool trunk_host_ok(const char *s);

#endif
