/* SPDX-License-Identifier: Apache-2.0 */
/* Real and fake time sources. */
#include "base/clock.h"

#include <time.h>

uint64_t clock_mono_ms(const struct sw_clock *c)
{
    if (c && c->is_fake) {
        return c->fake_mono_ms;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int64_t clock_wall_s(const struct sw_clock *c)
{
    if (c && c->is_fake) {
        return c->fake_wall_s;
    }
    return (int64_t)time(NULL) + (c ? c->wall_offset_s : 0);
}
