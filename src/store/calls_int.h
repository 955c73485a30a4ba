/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Character sets and text checks shared by the call tables (group.c,
 * profile.c, trunk.c, rules.c, limit.c, cdr.c). Never included outside
 * src/store/.
 */
#ifndef SW_STORE_CALLS_INT_H
#define SW_STORE_CALLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "store/store_int.h"

#define DIGITS "0123456789"
#define NAME_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS "._-"
#define DIAL_SET DIGITS "+*#"
#define HOST_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS ".:_-[]"
#define TZ_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS "/_+-"
#define NETS_SET "0123456789abcdefABCDEF.:/,"
#define DID_SET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" DIGITS "+*#.!_[]-"

/* 0..max bytes (1.. unless 'may_be_empty'), no C0 controls or DEL. */
static inline bool calls_text_ok(const char *s, size_t max, bool may_be_empty)
{
    return store_text_ok(s, max, may_be_empty, false);
}

/* lo..max bytes all from 'set'. */
static inline bool calls_chars_ok(const char *s, size_t lo, size_t max,
                                  const char *set)
{
    size_t n = s ? strlen(s) : 0;
    return n >= lo && n <= max && (n == 0 || strspn(s, set) == n);
}

/* A name of [A-Za-z0-9._-] starting with a letter or digit. */
static inline bool calls_name_ok(const char *s, size_t max)
{
    return calls_chars_ok(s, 1, max, NAME_SET) && strchr("._-", s[0]) == NULL;
}

#endif
