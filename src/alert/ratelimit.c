/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alert rate limits: a small table of (kind, key) with the time of the
 * last alert (the oldest entry makes room for a new key) and a ring of the
 * send times of the last hour.
 */
#include "alert/ratelimit.h"

#include <stdio.h>
#include <string.h>

void alert_rl_init(struct alert_rl *rl, const struct alert_rl_cfg *cfg)
{
    memset(rl, 0, sizeof(*rl));
    rl->cfg = *cfg;
    if (rl->cfg.max_per_hour == 0 || rl->cfg.max_per_hour > ALERT_RL_HOUR_MAX) {
        rl->cfg.max_per_hour = ALERT_RL_HOUR_MAX;
    }
}

static struct alert_rl_key *key_find(struct alert_rl *rl, const struct alert *a)
{
    for (unsigned i = 0; i < rl->n_keys; i++) {
        if (rl->keys[i].kind == a->kind
            && strcmp(rl->keys[i].key, a->key) == 0) {
            return &rl->keys[i];
        }
    }
    return NULL;
}

/* A slot for a new key: a free one, else the one used longest ago. */
static struct alert_rl_key *key_new(struct alert_rl *rl, const struct alert *a)
{
    struct alert_rl_key *k;
    if (rl->n_keys < ALERT_RL_KEYS) {
        k = &rl->keys[rl->n_keys++];
    } else {
        k = &rl->keys[0];
        for (unsigned i = 1; i < ALERT_RL_KEYS; i++) {
            if (rl->keys[i].last < k->last) {
                k = &rl->keys[i];
            }
        }
    }
    k->kind = a->kind;
    snprintf(k->key, sizeof(k->key), "%s", a->key);
    return k;
}

static void refuse(struct alert_rl *rl, const struct alert *a)
{
    rl->suppressed[a->kind]++;
    rl->n_suppressed++;
}

bool alert_rl_admit(struct alert_rl *rl, struct alert *a, int64_t now_s)
{
    if (a->kind == ALERT_TEST) {
        a->suppressed = 0;
        return true;
    }
    if ((unsigned)a->kind >= ALERT_KIND_COUNT) {
        return false;
    }
    struct alert_rl_key *k = key_find(rl, a);
    if (k && rl->cfg.min_interval_s > 0
        && now_s - k->last < (int64_t)rl->cfg.min_interval_s) {
        refuse(rl, a);
        return false;
    }
    while (rl->n_sent > 0 && rl->sent[rl->head] <= now_s - 3600) {
        rl->head = (rl->head + 1) % ALERT_RL_HOUR_MAX;
        rl->n_sent--;
    }
    if (rl->n_sent >= rl->cfg.max_per_hour) {
        refuse(rl, a);
        return false;
    }
    rl->sent[(rl->head + rl->n_sent) % ALERT_RL_HOUR_MAX] = now_s;
    rl->n_sent++;
    if (!k) {
        k = key_new(rl, a);
    }
    k->last = now_s;
    a->suppressed = rl->suppressed[a->kind];
    rl->suppressed[a->kind] = 0;
    return true;
}
