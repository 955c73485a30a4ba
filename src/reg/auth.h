/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest authentication of a request (RFC 7616, RFC 8760: SHA-256 and MD5,
 * qop=auth) as a registrar (401, WWW-Authenticate / Authorization) or a
 * proxy (407, Proxy-Authenticate / Proxy-Authorization). Nonces, the
 * nonce-count table and the offered algorithms live in struct
 * reg_registrar; REGISTER handling and the INVITE gate both use this.
 */
#ifndef SW_REG_AUTH_H
#define SW_REG_AUTH_H

#include <stdbool.h>

#include "base/buf.h"
#include "base/sv.h"
#include "reg/registrar.h"
#include "sip/msg.h"

enum reg_auth_kind {
    REG_AUTH_WWW = 0, /* 401 with WWW-Authenticate; Authorization */
    REG_AUTH_PROXY,   /* 407 with Proxy-Authenticate; Proxy-Authorization */
};

enum reg_auth_verdict {
    REG_AUTH_OK,
    REG_AUTH_CHALLENGE, /* no credentials for our realm */
    REG_AUTH_STALE,     /* right answer to an expired nonce */
    REG_AUTH_FAILED,    /* wrong password, unknown user, bad nonce */
    REG_AUTH_REPLAY,    /* nonce-count replayed */
    REG_AUTH_BAD_REQUEST,
    REG_AUTH_ERROR,
};

/*
 * Append to 'out' a fresh 401 / 407 for 'msg' with one challenge per
 * offered algorithm in the realm 'realm' (lower-case domain); 'stale' adds
 * stale=true. Returns 0 or a negative errno.
 */
int reg_auth_challenge(struct reg_registrar *r, const struct sip_msg *msg,
                       const struct reg_origin *org, struct sv realm,
                       enum reg_auth_kind kind, bool stale, struct buf *out);

/*
 * Check the credentials of 'msg' for 'realm': looks the user up through
 * 'lk' (an unknown user costs the same work as a wrong password), verifies
 * the response, the nonce (issued to this source, not expired) and the
 * nonce-count. Fills *creds on REG_AUTH_OK and res->auth_user / res->detail
 * (static text) whenever there is something to say.
 */
enum reg_auth_verdict
reg_auth_check(struct reg_registrar *r, const struct sip_msg *msg,
               const struct reg_origin *org, struct sv realm,
               enum reg_auth_kind kind, const struct reg_lookup *lk,
               struct reg_creds *creds, struct reg_result *res);

/*
 * Build a response for 'msg' with our To-tag into 'out' (the registrar's and
 * the gate's answers). 'extra' holds header lines or is empty.
 */
int reg_respond(const struct reg_registrar *r, const struct sip_msg *msg,
                const struct reg_origin *org, int status, const char *reason,
                struct sv extra, struct buf *out);

#endif
