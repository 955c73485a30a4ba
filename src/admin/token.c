/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token generation, shape check and hashing. SHA-256 suffices for the
 * stored form: tokens carry 256 random bits, so nothing can be guessed
 * from a leaked hash, and lookups by hash need no per-row salt.
 */
#include "admin/token.h"

#include <sodium.h>
#include <string.h>

void admin_token_new(char out[ADMIN_TOKEN_CAP])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out, ADMIN_TOKEN_CAP, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

bool admin_token_ok(const char *s)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789-_";
    return s && strnlen(s, ADMIN_TOKEN_CAP) == ADMIN_TOKEN_LEN
           && strspn(s, alphabet) == ADMIN_TOKEN_LEN;
}

void admin_token_hash(const char *s, size_t len, char out[ADMIN_HASH_CAP])
{
    unsigned char dig[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(dig, (const unsigned char *)s, len);
    sodium_bin2hex(out, ADMIN_HASH_CAP, dig, sizeof(dig));
}

bool admin_hash_eq(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b)) {
        return false;
    }
    return sodium_memcmp(a, b, n) == 0;
}
