/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The daemon's signal handling on the main thread's loop: SIGTERM, SIGINT
 * and SIGHUP are delivered to one callback through uv_signal. What a signal
 * means (stop, reload) is the caller's decision.
 */
#ifndef SW_LOOP_SIGNALS_H
#define SW_LOOP_SIGNALS_H

#include <uv.h>

typedef void loop_signal_fn(void *ud, int signum);

enum { LOOP_N_SIGNALS = 3 };

struct loop_signals {
    uv_signal_t sig[LOOP_N_SIGNALS]; /* SIGTERM, SIGINT, SIGHUP */
    loop_signal_fn *cb;
    void *ud;
    unsigned n_open; /* handles initialised and not yet closed */
};

/*
 * Watch SIGTERM, SIGINT and SIGHUP on 'loop' (which the calling thread
 * runs) and call cb(ud, signum) on that loop for each. 's' is caller-owned
 * and must stay in place until loop_signals_close() and a loop run after
 * it. Returns 0 or a libuv error; on failure the handles already opened
 * are being closed, so the loop must run before 's' is freed.
 */
int loop_signals_init(struct loop_signals *s, uv_loop_t *loop,
                      loop_signal_fn *cb, void *ud);

/*
 * Stop watching and close the handles; 's' may be freed once the loop has
 * run the close callbacks (e.g. after uv_run returns). Idempotent.
 */
void loop_signals_close(struct loop_signals *s);

#endif
