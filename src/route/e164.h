/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ITU-T E.164 country-code table (assigned codes of 1 to 3 digits,
 * including the shared codes 1 (NANP) and 7, and the global services such
 * as 800 and 882) and the lookup of the code a number starts with. The
 * table is constant data: every function here is thread-safe. Which codes
 * a tenant may call is decided in route/profile.h and route/permit.h.
 */
#ifndef SW_ROUTE_E164_H
#define SW_ROUTE_E164_H

#include <stdbool.h>
#include <stddef.h>

#include "base/sv.h"

/* Longest country code, in digits (E.164 §6.2.1). */
#define ROUTE_CC_MAX_LEN 3
/* Longest international number, country code included (E.164 §6.1). */
#define ROUTE_E164_MAX_DIGITS 15

/*
 * Find the assigned country code that 'digits' starts with. 'digits' is the
 * international number without '+' or international prefix; only its first
 * ROUTE_CC_MAX_LEN bytes are read, and any non-digit there ends the search.
 * E.164 codes are prefix-free, so at most one code can match. On a match
 * copies the code NUL-terminated into 'cc' (which may be NULL) and returns
 * its length (1-3); returns 0 when no assigned code prefixes 'digits'.
 */
size_t route_cc_match(struct sv digits, char cc[ROUTE_CC_MAX_LEN + 1]);

/* True when 'cc' is exactly an assigned country code ("44", "1", "353"). */
bool route_cc_is_assigned(struct sv cc);

/*
 * English name of the country, territory or service that 'cc' is assigned
 * to ("United Kingdom", "NANP (US, Canada, Caribbean)"), or NULL when 'cc'
 * is not assigned. The string is static.
 */
const char *route_cc_name(struct sv cc);

/* Number of assigned codes in the table (for tests and listings). */
size_t route_cc_count(void);

/*
 * The i-th assigned code in ascending numeric-text order (i <
 * route_cc_count()), or NULL. The string is static.
 */
const char *route_cc_at(size_t i);

#endif
