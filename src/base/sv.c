/* SPDX-License-Identifier: Apache-2.0 */
/* Comparison, trimming and number conversion on string views. */
#include "base/sv.h"

#include <errno.h>
#include <string.h>

static inline unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

struct sv sv_cstr(const char *s)
{
    return s ? sv_make(s, strlen(s)) : SV_NULL;
}

bool sv_eq(struct sv a, struct sv b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

bool sv_eq_nocase(struct sv a, struct sv b)
{
    if (a.len != b.len) {
        return false;
    }
    for (size_t i = 0; i < a.len; i++) {
        if (lower((unsigned char)a.p[i]) != lower((unsigned char)b.p[i])) {
            return false;
        }
    }
    return true;
}

bool sv_eq_cstr(struct sv a, const char *s)
{
    return sv_eq(a, sv_cstr(s));
}

bool sv_eq_cstr_nocase(struct sv a, const char *s)
{
    return sv_eq_nocase(a, sv_cstr(s));
}

bool sv_starts_with_nocase(struct sv a, struct sv prefix)
{
    return a.len >= prefix.len
           && sv_eq_nocase(sv_make(a.p, prefix.len), prefix);
}

bool sv_contains_nocase(struct sv hay, struct sv needle)
{
    if (needle.len == 0) {
        return true;
    }
    if (hay.len < needle.len) {
        return false;
    }
    for (size_t i = 0; i + needle.len <= hay.len; i++) {
        if (sv_eq_nocase(sv_make(hay.p + i, needle.len), needle)) {
            return true;
        }
    }
    return false;
}

static inline bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct sv sv_trim(struct sv v)
{
    while (v.len > 0 && is_ws(v.p[0])) {
        v.p++;
        v.len--;
    }
    while (v.len > 0 && is_ws(v.p[v.len - 1])) {
        v.len--;
    }
    return v;
}

ptrdiff_t sv_find_char(struct sv v, char c)
{
    if (v.len == 0) {
        return -1;
    }
    const char *hit = memchr(v.p, c, v.len);
    return hit ? hit - v.p : -1;
}

struct sv sv_slice(struct sv v, size_t from, size_t to)
{
    if (to > v.len) {
        to = v.len;
    }
    if (from > to) {
        from = to;
    }
    return sv_make(v.p + from, to - from);
}

int sv_to_u64(struct sv v, uint64_t max, uint64_t *out)
{
    uint64_t n = 0;

    if (v.len == 0) {
        return -EINVAL;
    }
    for (size_t i = 0; i < v.len; i++) {
        char c = v.p[i];
        if (c < '0' || c > '9') {
            return -EINVAL;
        }
        unsigned d = (unsigned)(c - '0');
        if (n > (max - d) / 10) {
            return -ERANGE;
        }
        n = n * 10 + d;
    }
    *out = n;
    return 0;
}

int sv_copy_cstr(struct sv v, char *dst, size_t cap)
{
    if (cap == 0 || v.len >= cap) {
        return -ENOSPC;
    }
    if (v.len > 0) {
        memcpy(dst, v.p, v.len);
    }
    dst[v.len] = '\0';
    return 0;
}

uint64_t sv_hash(struct sv v)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < v.len; i++) {
        h ^= (unsigned char)v.p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

uint64_t sv_hash_nocase(struct sv v)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < v.len; i++) {
        h ^= lower((unsigned char)v.p[i]);
        h *= 1099511628211ULL;
    }
    return h;
}
