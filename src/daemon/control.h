/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control socket: DATA_DIR/control.sock (mode 0600), one JSON request
 * per line, one JSON answer per line. The CLI talks to the running daemon
 * through it; requests run ops_exec() on the main thread with the daemon's
 * hooks (registrations come from the live location table).
 */
#ifndef SW_DAEMON_CONTROL_H
#define SW_DAEMON_CONTROL_H

#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

struct store;
struct sw_core;

struct sw_control {
    uv_pipe_t pipe; /* listening socket */
    uv_loop_t *loop;
    struct store *st;     /* main thread's store handle (borrowed) */
    struct sw_core *core; /* borrowed */
    char path[PATH_MAX];
    bool is_open;
    unsigned n_clients; /* connections being served */
    /* Requests from other threads (the HTTP server), run on the main loop. */
    uv_async_t remote;
    bool has_remote;
    pthread_mutex_t r_mu;
    pthread_cond_t r_cond;
    struct remote_call *r_head;
    struct remote_call *r_tail;
};

/* Listen on 'path' (a stale socket file is replaced, a live one refused).
 * Returns 0 or a negative errno. Main thread. */
int sw_control_open(struct sw_control *c, uv_loop_t *loop, const char *path,
                    struct store *st, struct sw_core *core);

/*
 * Run request 'req' (an operation, "stats", "ping", "event.flush",
 * "dashboard.show" or "metrics.show") on the main thread from another thread,
 * as the operator at 'client_ip', waiting at most 'timeout_ms'. Returns 0
 * (ok:true), -EINVAL (an ok:false answer, in *resp), -ETIMEDOUT, -ESHUTDOWN
 * (closing) or -ENOMEM. *resp is a new reference or NULL.
 */
int sw_control_exec_remote(struct sw_control *c, const json_t *req,
                           const char *client_ip, uint32_t timeout_ms,
                           json_t **resp);

/* Stop listening and remove the socket file; clients being served finish. */
void sw_control_close(struct sw_control *c);

#endif
