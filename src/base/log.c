/* SPDX-License-Identifier: Apache-2.0 */
/* Log line formatting, levels and per-call-site rate limiting. */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

_Atomic int log_level_cur = LOG_LVL_INFO;

enum { LOG_RL_BURST = 10 };

static const char *const level_names[] = { "err", "warn", "info", "debug" };

void log_set_level(enum log_level lvl)
{
    atomic_store(&log_level_cur, (int)lvl);
}

int log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
        if (strcmp(name, level_names[i]) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void stamp(char *dst, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(dst, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(dst + n, cap - n, ".%03uZ",
             (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}

/* Returns the number of lines suppressed before this one, or -1 to drop. */
static long long rl_admit(struct log_rl *rl)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t now = (uint64_t)ts.tv_sec;
    uint64_t win = atomic_load(&rl->window_s);
    if (win != now
        && atomic_compare_exchange_strong(&rl->window_s, &win, now)) {
        atomic_store(&rl->n_in_window, 0);
    }
    if (atomic_fetch_add(&rl->n_in_window, 1) >= LOG_RL_BURST) {
        atomic_fetch_add(&rl->n_suppressed, 1);
        return -1;
    }
    return (long long)atomic_exchange(&rl->n_suppressed, 0);
}

void log_write(enum log_level lvl, const struct log_ctx *lc, struct log_rl *rl,
               const char *fmt, ...)
{
    char ts[40];
    char msg[1024];
    long long suppressed = 0;
    va_list ap;

    if (rl) {
        suppressed = rl_admit(rl);
        if (suppressed < 0) {
            return;
        }
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    stamp(ts, sizeof(ts));
    flockfile(stderr);
    fprintf(stderr, "%s %s %s: %s", ts, level_names[lvl],
            lc && lc->subsys ? lc->subsys : "-", msg);
    if (lc && lc->peer) {
        fprintf(stderr, " peer=%s", lc->peer);
    }
    if (suppressed > 0) {
        fprintf(stderr, " (suppressed=%lld)", suppressed);
    }
    fputc('\n', stderr);
    funlockfile(stderr);
}

void log_event(const char *fmt, ...)
{
    char ts[40];
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    stamp(ts, sizeof(ts));
    flockfile(stderr);
    fprintf(stderr, "%s sipwarden[security]: %s\n", ts, msg);
    funlockfile(stderr);
}

const char *log_escape(struct sv v, char *dst, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    size_t n = v.len > 128 ? 128 : v.len;

    if (cap == 0) {
        return dst;
    }
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (c == '"' || c == '\\') {
            dst[o++] = '\\';
            dst[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f || c == ' ') {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else {
            dst[o++] = (char)c;
        }
    }
    if (v.len > n && o + 4 < cap) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = '\0';
    return dst;
}
