/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Provisioning directory tokens: 128 random bits from the kernel's CSPRNG,
 * written as 32 lowercase hex digits, the name of an extension's
 * provisioning directory (/prov/<token>/). The store keeps only the
 * SHA-256 of a token; these helpers make, check and hash tokens and split
 * a request path into token and file name. Pure functions, any thread.
 */
#ifndef SW_PROV_TOKEN_H
#define SW_PROV_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "base/sv.h"

#define PROV_TOKEN_BYTES    16 /* 128 bits */
#define PROV_TOKEN_HEX      32 /* characters of the text form */
#define PROV_TOKEN_HASH_HEX 64 /* SHA-256 as hex */
#define PROV_FILE_MAX       64 /* bytes of a requested file name */
#define PROV_PATH_PREFIX    "/prov/"

/*
 * Write a new random token (32 lowercase hex digits and a NUL) to 'out'.
 * Returns 0, or -EIO when the kernel's random source fails.
 */
int prov_token_new(char out[PROV_TOKEN_HEX + 1]);

/*
 * Is 's' a well-formed token: exactly 32 lowercase hex digits? Upper case
 * is refused so that one directory has exactly one name.
 */
bool prov_token_valid(struct sv s);

/*
 * SHA-256 of the token text as 64 lowercase hex digits and a NUL into
 * 'out'. 'token' must be prov_token_valid(). Returns 0, -EINVAL or -EIO.
 */
int prov_token_hash(struct sv token, char out[PROV_TOKEN_HASH_HEX + 1]);

/*
 * Constant-time comparison of two hex hashes of PROV_TOKEN_HASH_HEX
 * characters (the lookup found a row; this confirms it without a timing
 * signal). True when equal.
 */
bool prov_hash_equal(const char *a, const char *b);

/* What a path under /prov/ names. */
enum prov_path_kind {
    PROV_PATH_BAD = 0, /* malformed: not a token, extra segments, ... */
    PROV_PATH_DIR,     /* "/prov/<token>" or "/prov/<token>/": no file */
    PROV_PATH_FILE,    /* "/prov/<token>/<file>" */
};

/*
 * Split 'path' (decoded, starting with PROV_PATH_PREFIX) into the token
 * and the file name (views into 'path'). A file name is 1..PROV_FILE_MAX
 * characters of [A-Za-z0-9._-], not starting with '.'. Anything else,
 * including a token that is not prov_token_valid(), is PROV_PATH_BAD
 * ('token' and 'file' then SV_NULL).
 */
enum prov_path_kind prov_path_parse(struct sv path, struct sv *token,
                                    struct sv *file);

#endif
