/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The addresses each administrator account has signed in from, so the
 * alerts can tell a sign-in from a new address. Bounded: past 'max_rows'
 * pairs the ones seen longest ago are forgotten. The store keeps what it
 * is given; deciding what is an alert is src/alert's business.
 */
#ifndef SW_STORE_ADMIN_ADDR_H
#define SW_STORE_ADMIN_ADDR_H

#include <stdbool.h>
#include <stdint.h>

struct store;

#define STORE_ADMIN_ADDR_ROWS_DEFAULT 4096

/*
 * Record that 'account' (1..95 bytes) signed in from 'address' (0..63
 * bytes, "" when local) at 'at', in one transaction: *was_known says
 * whether the pair was already there, *had_any whether the account had any
 * address before; then the oldest pairs beyond 'max_rows' (0: the
 * default) are deleted. Returns 0, -EINVAL (text refused) or -EIO.
 */
int store_admin_addr_seen(struct store *st, const char *account,
                          const char *address, int64_t at, uint32_t max_rows,
                          bool *was_known, bool *had_any);

/* Pairs stored now into *n. Returns 0 or -EIO. */
int store_admin_addr_count(struct store *st, uint64_t *n);

#endif
