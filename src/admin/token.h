/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bearer secrets of the admin plane (session cookies, API tokens, CSRF
 * tokens, support links, recovery codes): random generation, the SHA-256
 * hex the store keeps instead of them, and constant-time comparison. A
 * token is shown once, to its owner, and never logged or audited.
 */
#ifndef SW_ADMIN_TOKEN_H
#define SW_ADMIN_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "store/admin.h"

/* 32 random bytes as unpadded base64url: 43 characters. */
#define ADMIN_TOKEN_LEN 43
#define ADMIN_TOKEN_CAP (ADMIN_TOKEN_LEN + 1)
#define ADMIN_HASH_CAP  (STORE_HASH_HEX_LEN + 1)

/* A fresh token (libsodium randombytes) into 'out'. Never fails. */
void admin_token_new(char out[ADMIN_TOKEN_CAP]);

/*
 * True when 's' has the shape of a token: exactly ADMIN_TOKEN_LEN
 * characters of the base64url alphabet. Checked before any lookup so
 * hostile input never reaches the store.
 */
bool admin_token_ok(const char *s);

/* SHA-256 of the 'len' bytes at 's' as lowercase hex into 'out'. */
void admin_token_hash(const char *s, size_t len, char out[ADMIN_HASH_CAP]);

/* Constant-time equality of two NUL-terminated hex hashes. */
bool admin_hash_eq(const char *a, const char *b);

#endif
