/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time sources. Everything that expires or rate-limits takes a clock so
 * tests can drive it: a fake clock returns the values the test sets.
 */
#ifndef SW_BASE_CLOCK_H
#define SW_BASE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct sw_clock {
    bool is_fake;
    uint64_t fake_mono_ms; /* used when is_fake */
    int64_t fake_wall_s;   /* used when is_fake */
    int64_t wall_offset_s; /* added to the real wall clock when not fake */
};

/* Monotonic milliseconds; 'c' NULL means the real clock. */
uint64_t clock_mono_ms(const struct sw_clock *c);
/* Wall-clock seconds since the epoch; 'c' NULL means the real clock. */
int64_t clock_wall_s(const struct sw_clock *c);

#endif
