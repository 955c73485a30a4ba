/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which final response a forking proxy sends upstream when no branch
 * answered 2xx (RFC 3261 §16.7 step 6). Pure functions over status codes;
 * keeping the chosen response's bytes is proxy.c's business.
 */
#ifndef SW_PROXY_BEST_H
#define SW_PROXY_BEST_H

#include <stdbool.h>
#include <stddef.h>

/*
 * True when final status 'cand' (300-699) should replace 'cur', the best
 * so far (0: none yet). Order: any 6xx wins and the first 6xx stays; else
 * the lowest class wins (3xx, then 4xx, then 5xx); within 4xx the
 * responses that tell the caller how to retry (401, 407, 415, 420, 484)
 * come first, then 486 Busy Here, then the rest, and our own 408 and 487
 * come last; otherwise the earlier response stays.
 */
bool proxy_best_better(int cand, int cur);

/*
 * The best of 'n' final statuses by proxy_best_better() (the index of the
 * first one among equals), or -1 when n is 0.
 */
long proxy_best_pick(const int *status, size_t n);

/*
 * The status to send upstream for a chosen 'status': a 503 becomes 500
 * (RFC 3261 §16.7 step 6: a 503 would tell the caller that we, not the
 * callee, are out of service); everything else is kept.
 */
int proxy_best_upstream_status(int status);

#endif
