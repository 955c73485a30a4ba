/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 4226 / RFC 6238 codes with OpenSSL's HMAC, base32 and the otpauth
 * URI (the Key Uri Format authenticator apps share).
 */
#include "admin/totp.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const uint32_t pow10[] = { 1,      10,      100,      1000,     10000,
                                  100000, 1000000, 10000000, 100000000 };

int admin_hotp(enum admin_totp_alg alg, const uint8_t *key, size_t key_len,
               uint64_t counter, unsigned digits, uint32_t *code)
{
    const EVP_MD *md = alg == ADMIN_TOTP_SHA1     ? EVP_sha1()
                       : alg == ADMIN_TOTP_SHA256 ? EVP_sha256()
                       : alg == ADMIN_TOTP_SHA512 ? EVP_sha512()
                                                  : NULL;
    if (!md || !key || key_len == 0 || key_len > 128 || digits < 6
        || digits > 8) {
        return -EINVAL;
    }
    uint8_t msg[8];
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)(counter & 0xff);
        counter >>= 8;
    }
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(md, key, (int)key_len, msg, sizeof(msg), mac, &mac_len)
        || mac_len < 20) {
        return -EINVAL;
    }
    /* RFC 4226 §5.3: the low nibble of the last byte picks 4 bytes. */
    unsigned off = mac[mac_len - 1] & 0x0f;
    uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24)
                   | ((uint32_t)mac[off + 1] << 16)
                   | ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
    sodium_memzero(mac, sizeof(mac));
    *code = bin % pow10[digits];
    return 0;
}

int64_t admin_totp_step(int64_t unix_s, uint32_t period_s)
{
    if (period_s == 0) {
        return 0;
    }
    /* Floor division, also for (theoretical) times before 1970. */
    int64_t q = unix_s / (int64_t)period_s;
    if (unix_s % (int64_t)period_s < 0) {
        q--;
    }
    return q;
}

int admin_totp_verify(const uint8_t *key, size_t key_len, const char *code,
                      int64_t now, int64_t last_step, int64_t *matched)
{
    char want[ADMIN_TOTP_DIGITS + 1];
    if (!code || strlen(code) != ADMIN_TOTP_DIGITS
        || strspn(code, "0123456789") != ADMIN_TOTP_DIGITS) {
        return -EINVAL;
    }
    int64_t step = admin_totp_step(now, ADMIN_TOTP_PERIOD_S);
    bool replay = false;
    /* Every step of the window is computed and compared, used or not, so
     * the time taken does not depend on which one matches. */
    int64_t found = -1;
    for (int64_t s = step - ADMIN_TOTP_WINDOW; s <= step + ADMIN_TOTP_WINDOW;
         s++) {
        uint32_t v = 0;
        if (s < 0
            || admin_hotp(ADMIN_TOTP_SHA1, key, key_len, (uint64_t)s,
                          ADMIN_TOTP_DIGITS, &v)
                   != 0) {
            continue;
        }
        snprintf(want, sizeof(want), "%06u", v);
        bool eq = sodium_memcmp(want, code, ADMIN_TOTP_DIGITS) == 0;
        if (eq && s <= last_step) {
            replay = true;
        } else if (eq && found < 0) {
            found = s;
        }
    }
    sodium_memzero(want, sizeof(want));
    if (found >= 0) {
        *matched = found;
        return 0;
    }
    return replay ? -EALREADY : -EACCES;
}

/* ---- base32 ------------------------------------------------------------- */

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

int admin_base32_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
    size_t need = (len * 8 + 4) / 5 + 1;
    if (cap < need) {
        return -ENOSPC;
    }
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            out[n++] = b32[(acc >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) {
        out[n++] = b32[(acc << (5 - bits)) & 31];
    }
    out[n] = '\0';
    return 0;
}

int admin_base32_decode(const char *in, uint8_t *out, size_t cap)
{
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    bool pad = false;
    if (!in) {
        return -EINVAL;
    }
    for (const char *p = in; *p; p++) {
        char c = *p;
        if (c == ' ' || c == '-') {
            continue;
        }
        if (c == '=') {
            pad = true;
            continue;
        }
        if (pad) {
            return -EINVAL; /* data after padding */
        }
        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        const char *q = strchr(b32, c);
        if (!q || c == '\0') {
            return -EINVAL;
        }
        acc = (acc << 5) | (uint32_t)(q - b32);
        bits += 5;
        if (bits >= 8) {
            if (n >= cap) {
                return -ENOSPC;
            }
            out[n++] = (uint8_t)(acc >> (bits - 8));
            bits -= 8;
        }
        acc &= 0xff; /* keep only bits not yet written */
    }
    if (n == 0 || n > INT32_MAX) {
        return -EINVAL;
    }
    return (int)n;
}

/* ---- otpauth URI -------------------------------------------------------- */

/* Percent-encode everything but RFC 3986 unreserved characters. */
static int pct(char *out, size_t cap, size_t *n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z')
                     || (*p >= '0' && *p <= '9') || strchr("-._~", *p);
        size_t need = plain ? 1 : 3;
        if (*n + need >= cap) {
            return -ENOSPC;
        }
        if (plain) {
            out[(*n)++] = (char)*p;
        } else {
            out[(*n)++] = '%';
            out[(*n)++] = hex[*p >> 4];
            out[(*n)++] = hex[*p & 15];
        }
    }
    out[*n] = '\0';
    return 0;
}

static int put(char *out, size_t cap, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (*n + l >= cap) {
        return -ENOSPC;
    }
    memcpy(out + *n, s, l + 1);
    *n += l;
    return 0;
}

int admin_totp_uri(const char *issuer, const char *account, const uint8_t *key,
                   size_t key_len, char *out, size_t cap)
{
    char secret[ADMIN_BASE32_CAP];
    char tail[64];
    size_t n = 0;
    if (!issuer || !issuer[0] || !account || !account[0] || key_len == 0
        || cap == 0) {
        return -EINVAL;
    }
    int rc = admin_base32_encode(key, key_len, secret, sizeof(secret));
    snprintf(tail, sizeof(tail), "&algorithm=SHA1&digits=%d&period=%d",
             ADMIN_TOTP_DIGITS, ADMIN_TOTP_PERIOD_S);
    if (rc == 0) {
        rc = put(out, cap, &n, "otpauth://totp/");
    }
    if (rc == 0) {
        rc = pct(out, cap, &n, issuer);
    }
    if (rc == 0) {
        rc = put(out, cap, &n, ":");
    }
    if (rc == 0) {
        rc = pct(out, cap, &n, account);
    }
    if (rc == 0) {
        rc = put(out, cap, &n, "?secret=");
    }
    if (rc == 0) {
        rc = put(out, cap, &n, secret);
    }
    if (rc == 0) {
        rc = put(out, cap, &n, "&issuer=");
    }
    if (rc == 0) {
        rc = pct(out, cap, &n, issuer);
    }
    if (rc == 0) {
        rc = put(out, cap, &n, tail);
    }
    sodium_memzero(secret, sizeof(secret));
    if (rc < 0) {
        sodium_memzero(out, cap);
        out[0] = '\0';
    }
    return rc;
}
