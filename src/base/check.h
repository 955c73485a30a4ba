/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Invariant checks. SW_ASSERT covers programmer invariants and is active in
 * debug, sanitizer and fuzz builds; SW_BUG_ON guards state that must never be
 * corrupted and aborts in every build. Hostile input is never asserted.
 */
#ifndef SW_BASE_CHECK_H
#define SW_BASE_CHECK_H

#include <stdnoreturn.h>

noreturn void sw_bug(const char *file, int line, const char *expr);

#define SW_BUG_ON(x)                        \
    do {                                    \
        if (x) {                            \
            sw_bug(__FILE__, __LINE__, #x); \
        }                                   \
    } while (0)

#ifdef NDEBUG
#define SW_ASSERT(x) ((void)0)
#else
#define SW_ASSERT(x) SW_BUG_ON(!(x))
#endif

#define SW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SW_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define SW_MAX(a, b)    ((a) > (b) ? (a) : (b))
#define SW_UNUSED(x)    ((void)(x))

#endif
