/* SPDX-License-Identifier: Apache-2.0 */
/* Country-code parsing and the allowed-country bit set. */
#include "geo/allow.h"

#include <errno.h>

static int letter_index(char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a';
    }
    return -1;
}

/* Bit index 0..675 of a NUL-terminated two-letter code, or -1. */
static int cc_index(const char *cc)
{
    if (cc == NULL) {
        return -1;
    }
    int hi = letter_index(cc[0]);
    if (hi < 0) {
        return -1;
    }
    int lo = letter_index(cc[1]);
    if (lo < 0 || cc[2] != '\0') {
        return -1;
    }
    return hi * 26 + lo;
}

int geo_cc_parse(struct sv s, char out[GEO_CC_CAP])
{
    out[0] = '\0';
    if (s.len != 2 || letter_index(s.p[0]) < 0 || letter_index(s.p[1]) < 0) {
        return -EINVAL;
    }
    out[0] = (char)('A' + letter_index(s.p[0]));
    out[1] = (char)('A' + letter_index(s.p[1]));
    out[2] = '\0';
    return 0;
}

void geo_allow_init(struct geo_allow *set)
{
    *set = (struct geo_allow){ { 0 } };
}

int geo_allow_add(struct geo_allow *set, const char *cc)
{
    int i = cc_index(cc);

    if (i < 0) {
        return -EINVAL;
    }
    set->bits[i / 64] |= UINT64_C(1) << (i % 64);
    return 0;
}

bool geo_allow_has(const struct geo_allow *set, const char *cc)
{
    int i = cc_index(cc);

    return i >= 0 && (set->bits[i / 64] >> (i % 64) & 1u) != 0;
}

size_t geo_allow_count(const struct geo_allow *set)
{
    size_t n = 0;

    for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++) {
        n += (size_t)__builtin_popcountll(set->bits[i]);
    }
    return n;
}
