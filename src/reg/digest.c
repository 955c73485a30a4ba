/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Digest HA1 / response computation and constant-time verification over
 * OpenSSL EVP. The EVP_MD objects are fetched once per process; every call
 * uses its own EVP_MD_CTX, so all functions are safe from any thread.
 */
#include "reg/digest.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/check.h"
#include "base/hex.h"

#define N_ALGS 2

static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_fetched[N_ALGS];

static void md_fetch_all(void)
{
    /* Explicit fetches avoid a provider lookup on every hash (OpenSSL 3). */
    md_fetched[REG_DIGEST_MD5] = EVP_MD_fetch(NULL, "MD5", NULL);
    md_fetched[REG_DIGEST_SHA256] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

static const EVP_MD *md_get(enum reg_digest_alg alg)
{
    pthread_once(&md_once, md_fetch_all);
    if ((unsigned)alg >= N_ALGS) {
        return NULL;
    }
    return md_fetched[alg];
}

int reg_digest_alg_parse(struct sv token, enum reg_digest_alg *out)
{
    /* RFC 7616 §3.3: an absent algorithm parameter means MD5. */
    if (token.len == 0 || sv_eq_cstr_nocase(token, "MD5")) {
        *out = REG_DIGEST_MD5;
        return 0;
    }
    if (sv_eq_cstr_nocase(token, "SHA-256")) {
        *out = REG_DIGEST_SHA256;
        return 0;
    }
    if (sv_eq_cstr_nocase(token, "MD5-sess")
        || sv_eq_cstr_nocase(token, "SHA-256-sess")) {
        /* Session variants need per-session HA1 state; not offered. */
        return -ENOTSUP;
    }
    return -EINVAL;
}

const char *reg_digest_alg_name(enum reg_digest_alg alg)
{
    return alg == REG_DIGEST_SHA256 ? "SHA-256" : "MD5";
}

size_t reg_digest_hex_len(enum reg_digest_alg alg)
{
    return alg == REG_DIGEST_SHA256 ? 64 : 32;
}

static bool alg_valid(enum reg_digest_alg alg)
{
    return alg == REG_DIGEST_MD5 || alg == REG_DIGEST_SHA256;
}

/* Copy 'len' hex digits of 'v' lower-cased into 'dst'; false if not hex. */
static bool hex_lower_copy(struct sv v, size_t len, char *dst)
{
    static const char digits[] = "0123456789abcdef";
    if (v.len != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        int x = hex_val((unsigned char)v.p[i]);
        if (x < 0) {
            return false;
        }
        dst[i] = digits[x];
    }
    dst[len] = '\0';
    return true;
}

/*
 * H(parts[0] ":" parts[1] ":" ... ) as lower-case hex into out_hex, using
 * (and re-initialising) the caller's 'ctx'.
 */
static int hash_join(EVP_MD_CTX *ctx, enum reg_digest_alg alg,
                     const struct sv *parts, size_t n_parts,
                     char out_hex[REG_DIGEST_HEX_MAX])
{
    static const char digits[] = "0123456789abcdef";
    const EVP_MD *md = md_get(alg);
    if (!md) {
        return alg_valid(alg) ? -ENOTSUP : -EINVAL;
    }
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int raw_len = 0;
    int rc = -ENOTSUP;
    if (EVP_DigestInit_ex2(ctx, md, NULL) != 1) {
        goto out;
    }
    for (size_t i = 0; i < n_parts; i++) {
        if (i > 0 && EVP_DigestUpdate(ctx, ":", 1) != 1) {
            goto out;
        }
        if (parts[i].len > 0
            && EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1) {
            goto out;
        }
    }
    if (EVP_DigestFinal_ex(ctx, raw, &raw_len) != 1
        || (size_t)raw_len * 2 != reg_digest_hex_len(alg)) {
        goto out;
    }
    for (size_t i = 0; i < raw_len; i++) {
        out_hex[2 * i] = digits[raw[i] >> 4];
        out_hex[2 * i + 1] = digits[raw[i] & 0xf];
    }
    out_hex[(size_t)raw_len * 2] = '\0';
    rc = 0;
out:
    OPENSSL_cleanse(raw, sizeof(raw));
    return rc;
}

int reg_digest_ha1(enum reg_digest_alg alg, struct sv user, struct sv realm,
                   struct sv password, char out_hex[REG_DIGEST_HEX_MAX])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        return -ENOMEM;
    }
    const struct sv parts[] = { user, realm, password };
    int rc = hash_join(ctx, alg, parts, SW_ARRAY_LEN(parts), out_hex);
    EVP_MD_CTX_free(ctx);
    return rc;
}

static bool nc_valid(struct sv nc)
{
    /* RFC 7616 §3.4: nc is exactly 8 hex digits. */
    if (nc.len != 8) {
        return false;
    }
    for (size_t i = 0; i < nc.len; i++) {
        if (hex_val((unsigned char)nc.p[i]) < 0) {
            return false;
        }
    }
    return true;
}

int reg_digest_response(enum reg_digest_alg alg, struct sv ha1_hex,
                        struct sv nonce, struct sv nc, struct sv cnonce,
                        struct sv qop, struct sv method, struct sv uri,
                        char out_hex[REG_DIGEST_HEX_MAX])
{
    if (!alg_valid(alg)) {
        return -EINVAL;
    }
    char ha1[REG_DIGEST_HEX_MAX];
    if (!hex_lower_copy(ha1_hex, reg_digest_hex_len(alg), ha1)) {
        return -EINVAL;
    }
    bool with_qop = qop.len > 0;
    if (with_qop) {
        if (!sv_eq_cstr_nocase(qop, "auth")) {
            /* auth-int would need the body hash; nobody uses it in SIP. */
            return -ENOTSUP;
        }
        if (!nc_valid(nc) || cnonce.len == 0) {
            return -EINVAL;
        }
    }

    int rc = -ENOMEM;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        goto out;
    }
    char ha2[REG_DIGEST_HEX_MAX];
    const struct sv a2[] = { method, uri };
    rc = hash_join(ctx, alg, a2, SW_ARRAY_LEN(a2), ha2);
    if (rc != 0) {
        goto out;
    }
    struct sv h1 = sv_make(ha1, reg_digest_hex_len(alg));
    struct sv h2 = sv_make(ha2, reg_digest_hex_len(alg));
    if (with_qop) {
        const struct sv parts[] = { h1, nonce, nc, cnonce, qop, h2 };
        rc = hash_join(ctx, alg, parts, SW_ARRAY_LEN(parts), out_hex);
    } else {
        const struct sv parts[] = { h1, nonce, h2 };
        rc = hash_join(ctx, alg, parts, SW_ARRAY_LEN(parts), out_hex);
    }
out:
    EVP_MD_CTX_free(ctx);
    OPENSSL_cleanse(ha1, sizeof(ha1));
    return rc;
}

int reg_digest_verify(enum reg_digest_alg alg, struct sv ha1_hex,
                      struct sv nonce, struct sv nc, struct sv cnonce,
                      struct sv qop, struct sv method, struct sv uri,
                      struct sv response, unsigned flags)
{
    if (!alg_valid(alg)) {
        return -EINVAL;
    }
    if (qop.len == 0 && !(flags & REG_DIGEST_ALLOW_NO_QOP)) {
        return -EINVAL;
    }
    size_t hex_len = reg_digest_hex_len(alg);
    char got[REG_DIGEST_HEX_MAX];
    if (!hex_lower_copy(response, hex_len, got)) {
        return -EINVAL;
    }
    char want[REG_DIGEST_HEX_MAX];
    int rc = reg_digest_response(alg, ha1_hex, nonce, nc, cnonce, qop, method,
                                 uri, want);
    if (rc == 0) {
        rc = CRYPTO_memcmp(got, want, hex_len) == 0 ? 0 : -EACCES;
    }
    OPENSSL_cleanse(want, sizeof(want));
    return rc;
}
