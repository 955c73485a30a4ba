/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Country codes from operator text, and the set of allowed countries as a
 * 26x26 bit set so the per-packet check is one bit test. What an empty set
 * or an unknown country means is policy, decided by the caller.
 */
#ifndef SW_GEO_ALLOW_H
#define SW_GEO_ALLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

/* A country code and its NUL: "CN". */
#define GEO_CC_CAP 3

/* One bit per pair of letters AA..ZZ (676 bits). */
struct geo_allow {
    uint64_t bits[(26 * 26 + 63) / 64];
};

/*
 * Parse an ISO 3166 alpha-2 code from operator text: exactly two ASCII
 * letters, any case, nothing around them (the caller trims). On 0, 'out'
 * holds the upper-case code and a NUL; on -EINVAL 'out' is "". Whether the
 * code is assigned is not checked (the databases also use "EU", "AP"...).
 */
int geo_cc_parse(struct sv s, char out[GEO_CC_CAP]);

/* Empty the set. A zeroed struct is an empty set too. */
void geo_allow_init(struct geo_allow *set);

/*
 * Add 'cc' (a NUL-terminated two-letter code, either case). Adding twice
 * is harmless. Returns 0, or -EINVAL (set unchanged) for anything else.
 */
int geo_allow_add(struct geo_allow *set, const char *cc);

/*
 * True when 'cc' (NUL-terminated two letters, either case) is in the set;
 * false for codes that are not two letters. O(1), no writes: any number
 * of threads may test a set nobody modifies.
 */
bool geo_allow_has(const struct geo_allow *set, const char *cc);

/* Number of countries in the set. */
size_t geo_allow_count(const struct geo_allow *set);

#endif
