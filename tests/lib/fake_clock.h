/* SPDX-License-Identifier: Apache-2.0 */
/* A fake clock for tests: set and advance time without sleeping. */
#ifndef SW_TESTS_FAKE_CLOCK_H
#define SW_TESTS_FAKE_CLOCK_H

#include <stdint.h>

#include "base/clock.h"

void fake_clock_init(struct sw_clock *c, uint64_t mono_ms, int64_t wall_s);
void fake_clock_advance_ms(struct sw_clock *c, uint64_t ms);

#endif
