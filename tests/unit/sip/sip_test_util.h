/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for the SIP parser tests: compare a view with a C string so that
 * cmocka prints both sides, find the offset of a marker in a raw message,
 * and read a test data file. Include after <cmocka.h>.
 */
#ifndef SW_TESTS_SIP_TEST_UTIL_H
#define SW_TESTS_SIP_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sv.h"

/* assert that view 'v' holds exactly 'exp' ("" for empty). */
#define assert_sv_equal(v, exp)                                        \
    do {                                                               \
        struct sv v_ = (v);                                            \
        char b_[2048];                                                 \
        size_t n_ = v_.len < sizeof(b_) - 1 ? v_.len : sizeof(b_) - 1; \
        if (n_) {                                                      \
            memcpy(b_, v_.p, n_);                                      \
        }                                                              \
        b_[n_] = '\0';                                                 \
        assert_string_equal(b_, (exp));                                \
        assert_int_equal(v_.len, strlen(exp));                         \
    } while (0)

/* Offset of the first occurrence of 'marker' in 'raw' (which must hold it). */
static inline size_t test_offset_of(const char *raw, size_t len,
                                    const char *marker)
{
    size_t m = strlen(marker);
    for (size_t i = 0; i + m <= len; i++) {
        if (memcmp(raw + i, marker, m) == 0) {
            return i;
        }
    }
    return (size_t)-1;
}

/* Read a whole file into an exact-size heap buffer (NULL on error). */
static inline char *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return NULL;
    }
    char *tmp = malloc(1 << 17);
    size_t n = tmp ? fread(tmp, 1, 1 << 17, f) : 0;
    fclose(f);
    if (!tmp) {
        return NULL;
    }
    char *exact = malloc(n ? n : 1);
    if (exact) {
        memcpy(exact, tmp, n);
        *len = n;
    }
    free(tmp);
    return exact;
}

#endif
