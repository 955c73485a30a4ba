/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uv_signal glue for the main thread: three handles, one callback. Worker
 * threads block these signals (loop/worker.c), so the process-wide libuv
 * handler forwards them here.
 */
#include "loop/signals.h"

#include <signal.h>

static const int watched[LOOP_N_SIGNALS] = { SIGTERM, SIGINT, SIGHUP };

static void on_signal(uv_signal_t *h, int signum)
{
    struct loop_signals *s = h->data;
    s->cb(s->ud, signum);
}

int loop_signals_init(struct loop_signals *s, uv_loop_t *loop,
                      loop_signal_fn *cb, void *ud)
{
    s->cb = cb;
    s->ud = ud;
    s->n_open = 0;
    for (unsigned i = 0; i < LOOP_N_SIGNALS; i++) {
        int rc = uv_signal_init(loop, &s->sig[i]);
        if (rc != 0) {
            loop_signals_close(s);
            return rc;
        }
        s->n_open++;
        s->sig[i].data = s;
        rc = uv_signal_start(&s->sig[i], on_signal, watched[i]);
        if (rc != 0) {
            loop_signals_close(s);
            return rc;
        }
    }
    return 0;
}

void loop_signals_close(struct loop_signals *s)
{
    for (unsigned i = 0; i < s->n_open; i++) {
        uv_close((uv_handle_t *)&s->sig[i], NULL);
    }
    s->n_open = 0;
}
