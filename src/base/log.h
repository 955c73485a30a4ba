/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging. Call sites pass a context (subsystem, peer) that the formatter
 * appends; they never format it themselves. The *_rl variants rate-limit per
 * call site so remote traffic cannot fill the disk. log_event() writes the
 * one-line key=value security event records.
 */
#ifndef SW_BASE_LOG_H
#define SW_BASE_LOG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/sv.h"

enum log_level {
    LOG_LVL_ERR = 0,
    LOG_LVL_WARN,
    LOG_LVL_INFO,
    LOG_LVL_DEBUG,
};

struct log_ctx {
    const char *subsys; /* "sip", "reg", ... */
    const char *peer;   /* "udp:203.0.113.9:5060" or NULL */
};

/* Per call-site rate limiter: at most 'burst' lines per second. */
struct log_rl {
    _Atomic uint64_t window_s;
    _Atomic uint32_t n_in_window;
    _Atomic uint64_t n_suppressed;
};

extern _Atomic int log_level_cur;

void log_set_level(enum log_level lvl);
/* "err", "warn", "info", "debug" -> level, or -1. */
int log_level_parse(const char *name);
void log_write(enum log_level lvl, const struct log_ctx *lc, struct log_rl *rl,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Escape untrusted bytes for a log line (non-printables as \xNN, quotes and
 * backslashes escaped), capped at 128 input bytes. Returns 'dst'.
 */
const char *log_escape(struct sv v, char *dst, size_t cap);

#define LOG_ESC_CAP 520

#define log_at_(lvl, lc, rl, ...)                                            \
    do {                                                                     \
        if ((int)(lvl)                                                       \
            <= atomic_load_explicit(&log_level_cur, memory_order_relaxed)) { \
            log_write((lvl), (lc), (rl), __VA_ARGS__);                       \
        }                                                                    \
    } while (0)

#define log_err(lc, ...)   log_at_(LOG_LVL_ERR, lc, NULL, __VA_ARGS__)
#define log_warn(lc, ...)  log_at_(LOG_LVL_WARN, lc, NULL, __VA_ARGS__)
#define log_info(lc, ...)  log_at_(LOG_LVL_INFO, lc, NULL, __VA_ARGS__)
#define log_debug(lc, ...) log_at_(LOG_LVL_DEBUG, lc, NULL, __VA_ARGS__)

#define log_rl_at_(lvl, lc, ...)                  \
    do {                                          \
        static struct log_rl rl_site_;            \
        log_at_(lvl, lc, &rl_site_, __VA_ARGS__); \
    } while (0)

#define log_warn_rl(lc, ...) log_rl_at_(LOG_LVL_WARN, lc, __VA_ARGS__)
#define log_info_rl(lc, ...) log_rl_at_(LOG_LVL_INFO, lc, __VA_ARGS__)

#endif
