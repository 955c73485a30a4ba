/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tenant's country profile (country code, national and international
 * prefixes, optional local area code, emergency numbers, allowed country
 * codes, disallowed E.164 prefixes) and the classification of a dialed
 * number against it: internal, emergency, local/national or international
 * (with the destination country code), or invalid with a reason. Whether
 * the caller may reach the class is route/permit.h's business; which
 * trunk carries it is route/rules.h's. A filled profile is immutable
 * caller-owned storage; classification allocates nothing and may run in
 * any number of threads at once.
 */
#ifndef SW_ROUTE_PROFILE_H
#define SW_ROUTE_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"
#include "route/e164.h"

/* Longest dialed text accepted (request-URI user part). */
#define ROUTE_DIALED_MAX 32
/* Longest national / international prefix or local area code, in digits. */
#define ROUTE_PROFILE_PREFIX_MAX 7
#define ROUTE_MAX_EMERGENCY      16
#define ROUTE_EMERGENCY_MAX_LEN  15
#define ROUTE_MAX_DISALLOWED     256
/* Shortest national significant number accepted after normalisation. */
#define ROUTE_NSN_MIN 2

enum route_class {
    ROUTE_CLASS_INVALID = 0,
    ROUTE_CLASS_INTERNAL,       /* an extension or a feature code */
    ROUTE_CLASS_EMERGENCY,      /* one of the tenant's emergency numbers */
    ROUTE_CLASS_LOCAL_NATIONAL, /* the tenant's own country code */
    ROUTE_CLASS_INTERNATIONAL,  /* any other assigned country code */
};
#define ROUTE_CLASS_COUNT 5

/*
 * Stable lowercase name for CDRs, events and the CLI: "invalid",
 * "internal", "emergency", "national", "international"; "unknown" for
 * values outside the enum.
 */
const char *route_class_name(enum route_class cls);

struct route_profile {
    char cc[ROUTE_CC_MAX_LEN + 1];                      /* own code, "44" */
    char national_prefix[ROUTE_PROFILE_PREFIX_MAX + 1]; /* "0", "1", "" */
    char intl_prefix[ROUTE_PROFILE_PREFIX_MAX + 1];     /* "00", "011" */
    char local_area[ROUTE_PROFILE_PREFIX_MAX + 1];      /* put before numbers
                                                           dialed without any
                                                           prefix; "" = none */
    char emergency[ROUTE_MAX_EMERGENCY][ROUTE_EMERGENCY_MAX_LEN + 1];
    size_t n_emergency;
    uint8_t allowed_cc[(10 + 100 + 1000 + 7) / 8]; /* bit set by code */
    bool allow_any_cc; /* "*" was allowed: every assigned code */
    char disallowed[ROUTE_MAX_DISALLOWED][ROUTE_E164_MAX_DIGITS + 1];
    size_t n_disallowed;
};

/*
 * Initialise 'p' for country code 'cc' (assigned, e.g. "44", "1", "353")
 * with national (trunk) prefix 'national_prefix' ("0"; "" for countries
 * without one such as Italy or Spain) and international prefix
 * 'intl_prefix' ("00", "011", "810"; "" means only '+' introduces an
 * international number). Prefixes are 0-7 digits and must differ. No
 * emergency numbers, no allowed foreign codes, no disallowed prefixes, no
 * local area. Returns 0 or -EINVAL ('p' is then zeroed).
 */
int route_profile_init(struct route_profile *p, const char *cc,
                       const char *national_prefix, const char *intl_prefix);

/*
 * Set the area code put in front of numbers dialed without any prefix
 * (e.g. "20" for London: "79461234" becomes +44 20 79461234). "" clears.
 * 0-7 digits. Returns 0 or -EINVAL.
 */
int route_profile_set_local_area(struct route_profile *p, const char *area);

/*
 * Add an emergency number ("999", "112", "911"): 1-15 characters of
 * digits, '*' or '#'. Duplicates are ignored. Returns 0, -EINVAL or
 * -ENOSPC.
 */
int route_profile_add_emergency(struct route_profile *p, const char *num);

/*
 * Allow calls to country code 'cc' (assigned, 1-3 digits), or to every
 * code when 'cc' is "*". The tenant's own code is always allowed and need
 * not be added. Returns 0 or -EINVAL (not an assigned code).
 */
int route_profile_allow_cc(struct route_profile *p, const char *cc);

/* Is 'cc' (a code from route_cc_match) allowed for this tenant? */
bool route_profile_cc_allowed(const struct route_profile *p, struct sv cc);

/*
 * Disallow every number whose international form (E.164 digits, no '+')
 * starts with 'prefix' (1-15 digits; "4490" = UK 090 premium rate, "1876"
 * = Jamaica inside NANP). Duplicates are ignored. Returns 0, -EINVAL or
 * -ENOSPC.
 */
int route_profile_disallow(struct route_profile *p, const char *prefix);

/*
 * The disallowed prefix that E.164 digits 'e164' start with (the longest
 * one, for the clearest refusal), or NULL.
 */
const char *route_profile_disallowed_match(const struct route_profile *p,
                                           struct sv e164);

/*
 * Does 'dialed' name an extension or feature code of the caller's tenant?
 * Called at most once per classification, with the dialed text as is.
 */
typedef bool route_is_ext_fn(void *ud, struct sv dialed);

struct route_number {
    enum route_class cls;
    /* LOCAL_NATIONAL / INTERNATIONAL: the international number, digits
     * only, no '+'; "" otherwise. */
    char e164[ROUTE_E164_MAX_DIGITS + 1];
    /* LOCAL_NATIONAL / INTERNATIONAL: destination country code; EMERGENCY:
     * the tenant's own code; "" otherwise. */
    char cc[ROUTE_CC_MAX_LEN + 1];
    bool is_feature;    /* INTERNAL: contains '*' or '#' */
    const char *reason; /* INVALID: static human text; NULL otherwise */
};

/*
 * Classify 'dialed' for a caller of the tenant with profile 'p'. In order:
 * 1. text that is empty, longer than ROUTE_DIALED_MAX, or contains
 *    anything but digits, '*', '#' and one leading '+' is INVALID, and
 *    so is '+' followed by '*' or '#';
 * 2. an exact match of an emergency number is EMERGENCY (before
 *    extensions: an emergency number always goes out);
 * 3. 'is_ext' (may be NULL) saying yes is INTERNAL; any remaining text
 *    with '*' or '#' is INTERNAL too (a feature code: it never leaves
 *    the PBX, and an unknown one simply finds no extension);
 * 4. the international form is built: after '+', after the international
 *    prefix (checked before the national prefix, "00" before "0"), or the
 *    own country code + the rest after the national prefix, or the own
 *    country code + local area + the whole text;
 * 5. it must be 1-15 digits beginning with an assigned country code
 *    followed by at least ROUTE_NSN_MIN digits, else INVALID; the own
 *    code gives LOCAL_NATIONAL, any other INTERNATIONAL.
 * NANP note: inside country code 1 every call is national by E.164; block
 * costly NANP areas with disallowed prefixes ("1876", "1900").
 * Always fills *out. Returns 0, or -EINVAL when 'p' or 'out' is NULL.
 * Thread-safe for a profile nobody is modifying; no allocation.
 */
int route_classify(const struct route_profile *p, struct sv dialed,
                   route_is_ext_fn *is_ext, void *ud, struct route_number *out);

#endif
