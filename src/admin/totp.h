/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): code
 * computation for HMAC-SHA1/256/512, verification within +-1 time step
 * that refuses steps at or before the last one accepted (replay), base32
 * secrets (RFC 4648) and the otpauth:// URI authenticator apps read from a
 * QR code. Pure functions: storing secrets and the last step is mfa.c's.
 */
#ifndef SW_ADMIN_TOTP_H
#define SW_ADMIN_TOTP_H

#include <stddef.h>
#include <stdint.h>

/* What we enrol: HMAC-SHA1, 6 digits, 30 s, 160-bit secrets. */
#define ADMIN_TOTP_DIGITS     6
#define ADMIN_TOTP_PERIOD_S   30
#define ADMIN_TOTP_SECRET_LEN 20
#define ADMIN_TOTP_WINDOW     1 /* steps accepted either side of now */
/* Base32 of a secret up to 64 bytes, unpadded, and the NUL. */
#define ADMIN_BASE32_CAP   104
#define ADMIN_TOTP_URI_CAP 512

enum admin_totp_alg {
    ADMIN_TOTP_SHA1 = 0,
    ADMIN_TOTP_SHA256 = 1,
    ADMIN_TOTP_SHA512 = 2,
};

/*
 * HOTP value of 'counter' (RFC 4226 §5.3, dynamic truncation) with 'key'
 * ('key_len' 1..128 bytes), reduced to 'digits' (6..8) decimal digits.
 * Returns 0 (*code set) or -EINVAL.
 */
int admin_hotp(enum admin_totp_alg alg, const uint8_t *key, size_t key_len,
               uint64_t counter, unsigned digits, uint32_t *code);

/* The RFC 6238 time step of 'unix_s' for 'period_s': floor(t / period). */
int64_t admin_totp_step(int64_t unix_s, uint32_t period_s);

/*
 * Verify the 6-digit 'code' (exactly six ASCII digits, nothing else) for
 * HMAC-SHA1 / 30 s at 'now' against steps now-1 .. now+1, skipping every
 * step <= 'last_step'. Comparison is constant-time per step. Returns 0
 * (*matched = the step, to store as the new last step), -EACCES (no
 * match), -EALREADY (matches only a step already used: a replay) or
 * -EINVAL (not six digits).
 */
int admin_totp_verify(const uint8_t *key, size_t key_len, const char *code,
                      int64_t now, int64_t last_step, int64_t *matched);

/*
 * RFC 4648 base32 (upper case, no padding) of 'len' bytes into 'out'.
 * Returns 0 or -ENOSPC when 'cap' is too small.
 */
int admin_base32_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/*
 * Decode base32, accepting lower case, spaces and '=' padding (as people
 * type it). Returns the byte count (>= 1) or -EINVAL / -ENOSPC.
 */
int admin_base32_decode(const char *in, uint8_t *out, size_t cap);

/*
 * otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&algorithm=SHA1&
 * digits=6&period=30 with issuer and account percent-encoded, into 'out'.
 * Returns 0, -EINVAL (empty issuer / account) or -ENOSPC.
 */
int admin_totp_uri(const char *issuer, const char *account, const uint8_t *key,
                   size_t key_len, char *out, size_t cap);

#endif
