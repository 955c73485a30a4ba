/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token generation (getrandom), validation, hashing (SHA-256 through
 * OpenSSL) and path splitting for the provisioning directories. Nothing
 * here touches the store or the network.
 */
#include "prov/token.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>

static const char hexd[] = "0123456789abcdef";

int prov_token_new(char out[PROV_TOKEN_HEX + 1])
{
    unsigned char raw[PROV_TOKEN_BYTES];
    size_t got = 0;
    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n == -1) {
            if (errno == EINTR) {
                continue;
            }
            return -EIO;
        }
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hexd[raw[i] >> 4];
        out[2 * i + 1] = hexd[raw[i] & 0x0f];
    }
    out[PROV_TOKEN_HEX] = '\0';
    memset(raw, 0, sizeof(raw));
    return 0;
}

static bool is_lower_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

bool prov_token_valid(struct sv s)
{
    if (s.p == NULL || s.len != PROV_TOKEN_HEX) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        if (!is_lower_hex(s.p[i])) {
            return false;
        }
    }
    return true;
}

int prov_token_hash(struct sv token, char out[PROV_TOKEN_HASH_HEX + 1])
{
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dig_len = 0;
    if (!prov_token_valid(token)) {
        return -EINVAL;
    }
    if (EVP_Digest(token.p, token.len, dig, &dig_len, EVP_sha256(), NULL) != 1
        || dig_len * 2 != PROV_TOKEN_HASH_HEX) {
        return -EIO;
    }
    for (unsigned i = 0; i < dig_len; i++) {
        out[2 * i] = hexd[dig[i] >> 4];
        out[2 * i + 1] = hexd[dig[i] & 0x0f];
    }
    out[PROV_TOKEN_HASH_HEX] = '\0';
    return 0;
}

bool prov_hash_equal(const char *a, const char *b)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < PROV_TOKEN_HASH_HEX; i++) {
        diff |= (unsigned char)(a[i] ^ b[i]);
    }
    return diff == 0;
}

static bool file_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

enum prov_path_kind prov_path_parse(struct sv path, struct sv *token,
                                    struct sv *file)
{
    const size_t pl = sizeof(PROV_PATH_PREFIX) - 1;
    *token = SV_NULL;
    *file = SV_NULL;
    if (path.p == NULL || path.len < pl
        || memcmp(path.p, PROV_PATH_PREFIX, pl) != 0) {
        return PROV_PATH_BAD;
    }
    struct sv rest = sv_make(path.p + pl, path.len - pl);
    ptrdiff_t slash = sv_find_char(rest, '/');
    struct sv tok = slash < 0 ? rest : sv_make(rest.p, (size_t)slash);
    if (!prov_token_valid(tok)) {
        return PROV_PATH_BAD;
    }
    if (slash < 0 || (size_t)slash + 1 == rest.len) {
        *token = tok;
        return PROV_PATH_DIR;
    }
    struct sv f = sv_make(rest.p + slash + 1, rest.len - (size_t)slash - 1);
    if (f.len > PROV_FILE_MAX || f.p[0] == '.') {
        return PROV_PATH_BAD;
    }
    for (size_t i = 0; i < f.len; i++) {
        if (!file_char_ok(f.p[i])) {
            return PROV_PATH_BAD; /* '/' too: no deeper paths */
        }
    }
    *token = tok;
    *file = f;
    return PROV_PATH_FILE;
}
