/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hexadecimal digits: the value of one digit, for the parsers of
 * percent-escapes, digests, nonce counts and certificate fingerprints.
 */
#ifndef SW_BASE_HEX_H
#define SW_BASE_HEX_H

/* The value (0..15) of hex digit 'c' (either case), or -1. */
static inline int hex_val(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#endif
