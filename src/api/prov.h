/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The phone provisioning server: GET /prov/<token>/<file> on the HTTPS
 * listener (and on the provisioning-only plain listener when configured)
 * renders the extension's configuration file from the templates. Every
 * answer that is not a file is the same 404, so a response never says
 * whether a token exists; requests with an unknown or malformed token
 * count towards a ban of their source (enumeration), through the same
 * ban callback as the portal's sign-in protection. Runs on the HTTP
 * server's thread; the provisioning operations themselves are ops/prov.c.
 */
#ifndef SW_API_PROV_H
#define SW_API_PROV_H

#include <stdint.h>

#include "api/api.h"

struct http_req;
struct http_resp;
struct http_server;
struct store;

struct api_prov_cfg {
    struct store *st;         /* the HTTP thread's store handle */
    api_ban_fn *ban;          /* NULL: guesses are logged, never banned */
    void *ud;                 /* for ban */
    const char *template_dir; /* templates/provisioning layout */
    const char *sip_host;     /* server name in the files; NULL or "": the
                                 Host the phone asked (port stripped) */
    uint16_t sip_tls_port;    /* 0 = no TLS listener */
    uint16_t sip_tcp_port;    /* 0 = none */
    uint16_t sip_udp_port;    /* 0 = none */
    uint32_t guess_max;       /* misses in the window that ban (>= 1) */
    uint32_t guess_window_s;  /* window, s (>= 1) */
    size_t guess_slots;       /* sources tracked; 0 = the default */
};

struct api_prov;

/*
 * Load the templates and prepare the guess counter. Returns 0 with *out,
 * or a negative errno with the reason in 'err' (a template missing or
 * broken, bad numbers).
 */
int api_prov_new(const struct api_prov_cfg *cfg, struct api_prov **out,
                 char *err, size_t err_cap);
void api_prov_free(struct api_prov *p);

/* Register the /prov/ handler on 'srv' (before it starts). Returns 0 or
 * the server's error. */
int api_prov_routes(struct api_prov *p, struct http_server *srv);

/*
 * The handler itself (exported for tests): 'ctx' is the struct api_prov.
 */
void api_prov_handle(void *ctx, const struct http_req *req,
                     struct http_resp *resp);

#endif
