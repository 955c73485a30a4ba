/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Web login protection: failed sign-ins counted per client address within
 * a detection period; reaching the limit blocks the address for a set
 * time. Kept in memory, in a table of fixed size: the HTTP thread owns it,
 * a flood of addresses cannot grow it (the stalest unblocked entry is
 * recycled), and a block that must outlive a restart is the shield ban the
 * HTTP layer adds when admin_throttle_fail reports one. One thread only.
 */
#ifndef SW_ADMIN_THROTTLE_H
#define SW_ADMIN_THROTTLE_H

#include <stdbool.h>
#include <stdint.h>

struct admin_throttle;

/* A table of 'cap' addresses (16..1048576). NULL on -ENOMEM / bad cap. */
struct admin_throttle *admin_throttle_new(uint32_t cap);
/* NULL is a no-op. */
void admin_throttle_free(struct admin_throttle *t);

/*
 * Is 'ip16' (net_addr_ip16 form) blocked at 'now_ms' (monotonic)? When it
 * is, *left_s (if not NULL) is the time left, rounded up.
 */
bool admin_throttle_blocked(const struct admin_throttle *t,
                            const uint8_t ip16[16], uint64_t now_ms,
                            uint32_t *left_s);

/*
 * Count a failure of 'ip16' at 'now_ms'. Failures older than 'period_s'
 * before the first one counted start the count again. When the count
 * reaches 'max_failures' the address is blocked for 'block_s' and true is
 * returned (once per block); otherwise false. *count (if not NULL) is the
 * count after this failure.
 */
bool admin_throttle_fail(struct admin_throttle *t, const uint8_t ip16[16],
                         uint64_t now_ms, uint32_t max_failures,
                         uint32_t period_s, uint32_t block_s, uint32_t *count);

/* Forget 'ip16' (a successful sign-in, or an operator unblocking it). */
void admin_throttle_clear(struct admin_throttle *t, const uint8_t ip16[16]);

/* Addresses currently tracked. */
uint32_t admin_throttle_count(const struct admin_throttle *t);

#endif
