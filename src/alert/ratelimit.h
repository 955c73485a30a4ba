/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How often alerts may go out: per (kind, key) at most one alert per
 * min_interval_s, and at most max_per_hour alerts of any kind in any
 * sliding hour. An alert refused is counted for its kind and that count
 * travels in the next alert of the kind that is let through. Pure: the
 * caller gives the time. Test alerts are never limited.
 */
#ifndef SW_ALERT_RATELIMIT_H
#define SW_ALERT_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "alert/alert.h"

#define ALERT_RL_KEYS         256  /* (kind, key) pairs remembered */
#define ALERT_RL_HOUR_MAX     1000 /* max_per_hour at most */
#define ALERT_RL_INTERVAL_DEF 300
#define ALERT_RL_PER_HOUR_DEF 30

struct alert_rl_cfg {
    uint32_t min_interval_s; /* per kind and key; 0 = no interval */
    uint32_t max_per_hour;   /* all kinds, 1..ALERT_RL_HOUR_MAX */
};

struct alert_rl_key {
    enum alert_kind kind;
    char key[ALERT_KEY_CAP];
    int64_t last; /* unix s of the last alert let through */
};

struct alert_rl {
    struct alert_rl_cfg cfg;
    struct alert_rl_key keys[ALERT_RL_KEYS];
    unsigned n_keys;
    int64_t sent[ALERT_RL_HOUR_MAX]; /* ring of times let through */
    unsigned n_sent;
    unsigned head;
    uint32_t suppressed[ALERT_KIND_COUNT]; /* since the last of the kind */
    uint64_t n_suppressed;                 /* all time */
};

/* Reset 'rl' with 'cfg' (max_per_hour 0 or too large is clamped). */
void alert_rl_init(struct alert_rl *rl, const struct alert_rl_cfg *cfg);

/*
 * May 'a' go out at 'now_s'? True: it is recorded as sent, and
 * a->suppressed is set to the count of its kind refused since the last
 * one (which restarts from zero). False: refused and counted. ALERT_TEST
 * is always let through and recorded nowhere.
 */
bool alert_rl_admit(struct alert_rl *rl, struct alert *a, int64_t now_s);

#endif
