/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash every table that
 * stores attacker-chosen keys (branches, user names, nonces) uses, so that
 * nobody can build long hash chains without knowing the table's random key.
 * Tables own their key; this file only computes.
 */
#ifndef SW_BASE_SIPHASH_H
#define SW_BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* A 128-bit key as two little-endian 64-bit halves. */
struct siphash_key {
    uint64_t k0;
    uint64_t k1;
};

/*
 * SipHash-2-4 of 'len' bytes at 'data' (may be NULL when len is 0) under
 * 'key'. Pure; any thread.
 */
uint64_t siphash_24(const struct siphash_key *key, const void *data,
                    size_t len);

/*
 * Fill 'key' from the kernel's random source (getrandom). Returns 0, or
 * -EIO when no random bytes could be read ('key' is then left zeroed).
 */
int siphash_key_random(struct siphash_key *key);

#endif
