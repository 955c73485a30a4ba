/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP/SIP digest computation (RFC 2617, RFC 7616, RFC 8760) with MD5 and
 * SHA-256 through OpenSSL EVP: HA1, the expected response, and a
 * constant-time verification of a client's response. Only qop=auth and the
 * legacy no-qop form (RFC 2069) exist here; the -sess variants and auth-int
 * are refused. Parsing the Authorization header, nonces and nonce-count
 * replay are left to the registrar and reg/nonce.h.
 */
#ifndef SW_REG_DIGEST_H
#define SW_REG_DIGEST_H

#include <stddef.h>

#include "base/sv.h"

enum reg_digest_alg {
    REG_DIGEST_MD5 = 0,
    REG_DIGEST_SHA256,
};

/* Longest hex digest (SHA-256) plus the terminating NUL. */
#define REG_DIGEST_HEX_MAX 65

/* reg_digest_verify() flags. */
/* Accept a response without qop (RFC 2069 form); the registrar doesn't. */
#define REG_DIGEST_ALLOW_NO_QOP 0x1u

/*
 * Map an algorithm token from a challenge or an Authorization header to an
 * algorithm. An empty view (parameter absent) means MD5 (RFC 7616 §3.3).
 * Case-insensitive; the caller strips quotes. Returns 0 and writes *out, or
 * -ENOTSUP for the "-sess" variants (refused by design) and -EINVAL for any
 * other token; *out is untouched on failure.
 */
int reg_digest_alg_parse(struct sv token, enum reg_digest_alg *out);

/* The token to put in a challenge: "MD5" or "SHA-256". Never NULL. */
const char *reg_digest_alg_name(enum reg_digest_alg alg);

/* Hex length of a digest of 'alg': 32 (MD5) or 64 (SHA-256). */
size_t reg_digest_hex_len(enum reg_digest_alg alg);

/*
 * HA1 = H(user ":" realm ":" password) as lower-case hex, NUL-terminated in
 * 'out_hex' (REG_DIGEST_HEX_MAX bytes). Views may be empty. Returns 0,
 * -EINVAL for an unknown 'alg', or -ENOTSUP / -ENOMEM when OpenSSL cannot
 * provide the digest (e.g. MD5 under a FIPS-only provider). Thread-safe.
 */
int reg_digest_ha1(enum reg_digest_alg alg, struct sv user, struct sv realm,
                   struct sv password, char out_hex[REG_DIGEST_HEX_MAX]);

/*
 * The response a client holding 'ha1_hex' must send:
 *   HA2 = H(method ":" uri)
 *   qop "auth": H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
 *   qop empty:  H(HA1 ":" nonce ":" HA2)   (RFC 2069 form)
 * 'ha1_hex' must be reg_digest_hex_len(alg) hex digits (either case; it is
 * hashed lower-cased, as RFC 7616 writes it). With qop "auth" (matched
 * case-insensitively, hashed as sent), 'nc' must be exactly 8 hex digits
 * and 'cnonce' non-empty; without qop, 'nc' and 'cnonce' are ignored.
 * Writes lower-case hex to 'out_hex'. Returns 0, -EINVAL for malformed
 * input, -ENOTSUP for another qop (auth-int) or an unavailable digest.
 */
int reg_digest_response(enum reg_digest_alg alg, struct sv ha1_hex,
                        struct sv nonce, struct sv nc, struct sv cnonce,
                        struct sv qop, struct sv method, struct sv uri,
                        char out_hex[REG_DIGEST_HEX_MAX]);

/*
 * Check a client's 'response' against the one computed as
 * reg_digest_response() would, comparing in constant time (CRYPTO_memcmp).
 * The client's hex is accepted in either case. A missing qop is refused
 * unless 'flags' has REG_DIGEST_ALLOW_NO_QOP.
 * Returns 0 on a match, -EACCES on a mismatch, -EINVAL for malformed input
 * (wrong response length, bad nc, missing qop when not allowed), -ENOTSUP
 * for an unsupported qop or digest. Never logs its inputs.
 */
int reg_digest_verify(enum reg_digest_alg alg, struct sv ha1_hex,
                      struct sv nonce, struct sv nc, struct sv cnonce,
                      struct sv qop, struct sv method, struct sv uri,
                      struct sv response, unsigned flags);

#endif
