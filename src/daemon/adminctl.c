/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting and stopping the admin plane (with the admin settings stored in
 * the database), and the two things the API needs from the daemon:
 * running an operation on the main thread, and banning an address in the
 * shield.
 */
#include "daemon/adminctl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "admin/audit.h"
#include "admin/settings.h"
#include "api/api.h"
#include "api/prov.h"
#include "base/clock.h"
#include "base/log.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/core.h"
#include "fw/render.h"
#include "http/http.h"
#include "sec/shield.h"
#include "store/admin.h"
#include "store/store.h"

static const struct log_ctx lc = { "admin", NULL };

#define EXEC_TIMEOUT_MS 10000

static int exec_op(void *ud, const json_t *req, const char *client_ip,
                   json_t **resp)
{
    struct sw_admin *a = ud;
    return sw_control_exec_remote(a->ctl, req, client_ip, EXEC_TIMEOUT_MS,
                                  resp);
}

static void ban(void *ud, const struct net_addr *client, uint32_t seconds,
                const char *reason)
{
    struct sw_admin *a = ud;
    const struct admin_config *c = &a->ctx.cfg;
    int rc;
    if (reason != NULL && strcmp(reason, "prov_scan") == 0) {
        /* Provisioning directory enumeration (api/prov.c). */
        rc = sec_shield_ban(a->core->guard.sh, client, SEC_REASON_PROV_SCAN,
                            a->prov_guess_max, a->prov_guess_max,
                            a->prov_guess_window_s, seconds, "provisioning");
    } else {
        rc = sec_shield_ban(a->core->guard.sh, client, SEC_REASON_WEB_LOGIN,
                            c->login_max_failures, c->login_max_failures,
                            c->login_period_s, seconds, "HTTP sign-in");
    }
    if (rc != 0 && rc != -EPERM) {
        log_warn(&lc, "sign-in flood: address not banned (%s)", strerror(-rc));
    }
}

/* The admin settings stored in the database ("admin.*", changed through
 * the API or `sipwarden admin-settings`) over the defaults, then the audit
 * retention they ask for. */
static int load_settings(struct sw_admin *a)
{
    char err[STORE_ERRMSG_CAP + 128];
    struct admin_config cfg = a->ctx.cfg;
    int rc = admin_settings_load(a->st, &cfg, err, sizeof(err));
    if (rc == -EIO) {
        log_err(&lc, "admin settings: %s", err);
        return rc;
    }
    if (rc == -EINVAL) {
        log_warn(&lc, "%s", err);
    }
    rc = admin_ctx_set_config(&a->ctx, &cfg);
    if (rc != 0) {
        log_err(&lc, "admin settings: %s", strerror(-rc));
        return rc;
    }
    log_info(&lc,
             "admin settings: session idle %u s, absolute %u s, %u allowed "
             "networks, 2FA %s",
             cfg.session_idle_s, cfg.session_absolute_s, cfg.n_allowed_nets,
             cfg.require_2fa ? "required" : "optional");
    uint32_t n = 0;
    if (admin_audit_purge(&a->ctx, &n) == 0 && n > 0) {
        log_info(&lc, "audit retention: %u old entries removed", n);
    }
    return 0;
}

/* The provisioning file server on the HTTP thread's store handle. */
static int start_prov(struct sw_admin *a, const struct sw_config *cfg)
{
    char err[512];
    struct api_prov_cfg pc = {
        .st = a->st,
        .ban = ban,
        .ud = a,
        .template_dir = cfg->prov_template_dir,
        .sip_host = cfg->prov_sip_host,
        .guess_max = cfg->prov_guess_max,
        .guess_window_s = cfg->prov_guess_window_s,
    };
    /* The values were checked when the file was read. */
    (void)fw_listen_port(cfg->sip_tls, &pc.sip_tls_port);
    (void)fw_listen_port(cfg->sip_tcp, &pc.sip_tcp_port);
    (void)fw_listen_port(cfg->sip_udp, &pc.sip_udp_port);
    a->prov_guess_max = cfg->prov_guess_max;
    a->prov_guess_window_s = cfg->prov_guess_window_s;
    int rc = api_prov_new(&pc, &a->prov, err, sizeof(err));
    if (rc != 0) {
        log_err(&lc, "provisioning: %s", err);
        return rc;
    }
    return api_prov_routes(a->prov, a->srv);
}

int sw_admin_start(struct sw_admin *a, const struct sw_config *cfg,
                   const char *cert, const char *key, struct sw_core *core,
                   struct sw_control *ctl)
{
    char err[STORE_ERRMSG_CAP];
    memset(a, 0, sizeof(*a));
    a->core = core;
    a->ctl = ctl;
    a->clock.wall_offset_s = (int64_t)cfg->http_clock_offset_s;
    int rc = store_open(cfg->data_dir, &a->st, err, sizeof(err));
    if (rc != 0) {
        log_err(&lc, "store: %s", err);
        return rc;
    }
    bool created = false;
    rc = store_admin_ensure_default(a->st, clock_wall_s(&a->clock), &created);
    if (rc != 0) {
        log_err(&lc, "default administrator: %s", strerror(-rc));
        return rc;
    }
    rc = admin_ctx_init(&a->ctx, a->st, NULL, &a->clock);
    if (rc != 0) {
        return rc;
    }
    a->has_ctx = true;
    rc = load_settings(a);
    if (rc != 0) {
        return rc;
    }
    struct api_cfg acfg = {
        .admin = &a->ctx,
        .st = a->st,
        .exec = exec_op,
        .ban = ban,
        .ud = a,
        .metrics_allow = cfg->metrics_allow,
    };
    rc = api_new(&acfg, &a->api);
    if (rc != 0) {
        return rc;
    }
    struct http_server_cfg hcfg;
    http_server_cfg_init(&hcfg);
    hcfg.listen = cfg->http_listen;
    hcfg.plain_listen =
        cfg->http_plain_listen[0] ? cfg->http_plain_listen : NULL;
    hcfg.static_dir = cfg->http_portal_dir[0] ? cfg->http_portal_dir : NULL;
    hcfg.prov_listen =
        cfg->prov_plain_listen[0] ? cfg->prov_plain_listen : NULL;
    hcfg.cert_path = cert;
    hcfg.key_path = key;
    hcfg.tls = core->tls;
    rc = http_server_new(&a->srv, &hcfg);
    if (rc == 0) {
        rc = api_routes(a->api, a->srv);
    }
    if (rc == 0) {
        rc = start_prov(a, cfg);
    }
    if (rc == 0) {
        rc = http_server_start(a->srv);
    }
    if (rc != 0) {
        log_err(&lc, "HTTPS on %s: %s", cfg->http_listen, strerror(-rc));
        return rc;
    }
    printf("sipwarden: portal and REST API on https %s (port %u)%s\n",
           cfg->http_listen, http_server_port(a->srv, false),
           created ? "; administrator admin / admin, to be changed at "
                     "first sign-in"
                   : "");
    if (cfg->prov_plain_listen[0]) {
        printf("sipwarden: phone provisioning on plain http %s (port %u)\n",
               cfg->prov_plain_listen, http_server_prov_port(a->srv));
    }
    fflush(stdout);
    return 0;
}

void sw_admin_stop(struct sw_admin *a)
{
    http_server_free(a->srv);
    a->srv = NULL;
    api_prov_free(a->prov);
    a->prov = NULL;
    api_free(a->api);
    a->api = NULL;
    if (a->has_ctx) {
        admin_ctx_fini(&a->ctx);
        a->has_ctx = false;
    }
    store_close(a->st);
    a->st = NULL;
}
