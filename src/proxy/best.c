/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 3261 §16.7 step 6: choosing the best final response among the
 * branches of a forked request.
 */
#include "proxy/best.h"

/* Rank inside a class: lower is better. */
static int rank_in_class(int status)
{
    switch (status) {
    case 401:
    case 407:
    case 415:
    case 420:
    case 484:
        return 0; /* the caller can fix the request and retry */
    case 486:
        return 1; /* a device is busy: what the caller should hear */
    case 408:
    case 487:
        return 3; /* timeouts and our own cancellations */
    default:
        return 2;
    }
}

bool proxy_best_better(int cand, int cur)
{
    if (cand < 300 || cand > 699) {
        return false;
    }
    if (cur == 0) {
        return true;
    }
    int ccand = cand / 100;
    int ccur = cur / 100;
    if (ccur == 6) {
        return false; /* the first 6xx stays */
    }
    if (ccand == 6) {
        return true;
    }
    if (ccand != ccur) {
        return ccand < ccur;
    }
    return rank_in_class(cand) < rank_in_class(cur);
}

long proxy_best_pick(const int *status, size_t n)
{
    long best = -1;
    int cur = 0;
    for (size_t i = 0; i < n; i++) {
        if (proxy_best_better(status[i], cur)) {
            cur = status[i];
            best = (long)i;
        }
    }
    return best;
}

int proxy_best_upstream_status(int status)
{
    return status == 503 ? 500 : status;
}
