/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of per-domain certificates and client certificates:
 * which SNI file stem a server name selects (exact, then one-level
 * wildcard), which stems are acceptable file names, and SHA-256
 * fingerprints as text. No OpenSSL and no I/O here; tls_ctx.c uses them.
 */
#include "net/tls.h"

#include <errno.h>
#include <string.h>

#include "base/hex.h"

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool dns_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
           || c == '.';
}

bool net_tls_sni_name_ok(const char *name)
{
    if (!name) {
        return false;
    }
    const char *p = name;
    if (p[0] == '*' && p[1] == '.') {
        p += 2;
    }
    size_t len = strlen(p);
    if (len == 0 || len > NET_TLS_SNI_NAME_MAX) {
        return false;
    }
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        if (!dns_char(p[i])) {
            return false;
        }
        if (p[i] == '.') {
            if (label == 0) {
                return false;
            }
            label = 0;
        } else {
            label++;
        }
    }
    return label > 0;
}

static int find(const char *const *names, size_t n, const char *want,
                size_t want_len)
{
    for (size_t i = 0; i < n; i++) {
        if (names[i] && strlen(names[i]) == want_len
            && memcmp(names[i], want, want_len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

int net_tls_sni_pick(const char *const *names, size_t n, const char *servername)
{
    if (!names || !servername) {
        return -1;
    }
    size_t len = strlen(servername);
    if (len > 0 && servername[len - 1] == '.') {
        len--; /* "a.example." is a.example */
    }
    if (len == 0 || len > NET_TLS_SNI_NAME_MAX) {
        return -1;
    }
    /* "*." + name, lowercased; the exact name starts at want + 2. */
    char want[NET_TLS_SNI_NAME_MAX + 3];
    want[0] = '*';
    want[1] = '.';
    for (size_t i = 0; i < len; i++) {
        char c = lower(servername[i]);
        if (!dns_char(c)) {
            return -1;
        }
        want[i + 2] = c;
    }
    int hit = find(names, n, want + 2, len);
    if (hit >= 0) {
        return hit;
    }
    /* RFC 6125 §6.4.3: the wildcard stands for exactly one label. */
    const char *dot = memchr(want + 2, '.', len);
    if (!dot || dot == want + 2) {
        return -1;
    }
    size_t first = (size_t)(dot - (want + 2)); /* first label's length */
    size_t rest = len - first;                 /* ".parent..." */
    if (rest < 2) {
        return -1;
    }
    char *w = want + 2 + first - 1; /* reuse the buffer: "*" + ".parent" */
    *w = '*';
    return find(names, n, w, rest + 1);
}

int net_tls_fp_parse(const char *txt, size_t len, uint8_t out[NET_TLS_FP_LEN])
{
    if (!txt) {
        return -EINVAL;
    }
    uint8_t fp[NET_TLS_FP_LEN];
    bool colons = len == NET_TLS_FP_LEN * 3 - 1;
    if (!colons && len != NET_TLS_FP_LEN * 2) {
        return -EINVAL;
    }
    size_t pos = 0;
    for (size_t i = 0; i < NET_TLS_FP_LEN; i++) {
        if (colons && i > 0) {
            if (txt[pos] != ':') {
                return -EINVAL;
            }
            pos++;
        }
        int hi = hex_val(txt[pos]);
        int lo = hex_val(txt[pos + 1]);
        if (hi < 0 || lo < 0) {
            return -EINVAL;
        }
        fp[i] = (uint8_t)(hi << 4 | lo);
        pos += 2;
    }
    if (out) {
        memcpy(out, fp, sizeof(fp));
    }
    return 0;
}

void net_tls_fp_format(const uint8_t fp[NET_TLS_FP_LEN],
                       char out[NET_TLS_FP_HEX_CAP])
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < NET_TLS_FP_LEN; i++) {
        out[2 * i] = digits[fp[i] >> 4];
        out[2 * i + 1] = digits[fp[i] & 0x0f];
    }
    out[2 * NET_TLS_FP_LEN] = '\0';
}
