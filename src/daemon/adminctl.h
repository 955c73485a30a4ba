/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admin plane in the daemon: the HTTPS server (src/http) on its own
 * thread with the REST API (src/api) over the administrator accounts and
 * sessions (src/admin). Operations run on the main thread through the
 * control socket's cross-thread entry, exactly as the CLI's do; a sign-in
 * flood bans its address in the shield.
 */
#ifndef SW_DAEMON_ADMINCTL_H
#define SW_DAEMON_ADMINCTL_H

#include <stdbool.h>
#include <stdint.h>

#include "admin/admin.h"
#include "base/clock.h"

struct api;
struct api_prov;
struct http_server;
struct store;
struct sw_config;
struct sw_control;
struct sw_core;

struct sw_admin {
    struct store *st;      /* the HTTP thread's store handle */
    struct admin_ctx ctx;  /* accounts, sessions, audit */
    struct sw_clock clock; /* real time, [http] clock_offset_s ahead */
    bool has_ctx;
    struct http_server *srv;
    struct api *api;
    struct api_prov *prov;        /* the /prov/ file server */
    uint32_t prov_guess_max;      /* [provisioning] guess_max */
    uint32_t prov_guess_window_s; /* [provisioning] guess_window_s */
    struct sw_core *core;         /* borrowed */
    struct sw_control *ctl;       /* borrowed: runs the operations */
};

/*
 * Start serving [http] listen with the SIP TLS certificate ('cert', 'key'
 * PEM paths). The default administrator (admin/admin, to be changed at
 * first sign-in) is created on first start. Main thread, after the
 * control socket is open. Returns 0 or a negative errno.
 */
int sw_admin_start(struct sw_admin *a, const struct sw_config *cfg,
                   const char *cert, const char *key, struct sw_core *core,
                   struct sw_control *ctl);

/* Stop the server (joins its thread) and free everything. Idempotent. */
void sw_admin_stop(struct sw_admin *a);

#endif
