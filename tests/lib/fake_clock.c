/* SPDX-License-Identifier: Apache-2.0 */
/* Fake clock: monotonic and wall time move together when advanced. */
#include "fake_clock.h"

void fake_clock_init(struct sw_clock *c, uint64_t mono_ms, int64_t wall_s)
{
    c->is_fake = true;
    c->fake_mono_ms = mono_ms;
    c->fake_wall_s = wall_s;
}

void fake_clock_advance_ms(struct sw_clock *c, uint64_t ms)
{
    c->fake_mono_ms += ms;
    c->fake_wall_s += (int64_t)(ms / 1000);
}
