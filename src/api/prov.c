/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Serving the provisioning directories (see api/prov.h): path and token
 * checks, the lookup by token hash, the rendering, the fetch record and
 * security events, and the enumeration counter that bans guessers.
 */
#include "api/prov.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/log.h"
#include "http/http.h"
#include "net/addr.h"
#include "prov/guess.h"
#include "prov/render.h"
#include "prov/token.h"
#include "sec/event.h"
#include "store/prov.h"
#include "store/store.h"

static const struct log_ctx lc = { "prov", NULL };

/* The shield's SIP blacklist time, used when its setting is unreadable. */
#define PROV_BAN_DEFAULT_S 3600

struct api_prov {
    struct api_prov_cfg cfg;
    char *template_dir;
    char *sip_host;
    struct prov_templates tmpl;
    struct prov_guess guess;
};

int api_prov_new(const struct api_prov_cfg *cfg, struct api_prov **out,
                 char *err, size_t err_cap)
{
    if (cfg == NULL || cfg->st == NULL || cfg->template_dir == NULL
        || cfg->guess_max == 0 || cfg->guess_window_s == 0) {
        snprintf(err, err_cap, "provisioning: incomplete configuration");
        return -EINVAL;
    }
    struct api_prov *p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return -ENOMEM;
    }
    p->cfg = *cfg;
    p->template_dir = strdup(cfg->template_dir);
    p->sip_host = strdup(cfg->sip_host != NULL ? cfg->sip_host : "");
    if (p->template_dir == NULL || p->sip_host == NULL) {
        api_prov_free(p);
        return -ENOMEM;
    }
    p->cfg.template_dir = p->template_dir;
    p->cfg.sip_host = p->sip_host;
    int rc = prov_templates_load(&p->tmpl, p->template_dir, err, err_cap);
    if (rc == 0) {
        rc = prov_guess_init(
            &p->guess,
            cfg->guess_slots ? cfg->guess_slots : PROV_GUESS_DEFAULT_SLOTS,
            cfg->guess_max, (uint64_t)cfg->guess_window_s * 1000u);
        if (rc != 0) {
            snprintf(err, err_cap, "provisioning: guess counter: %s",
                     strerror(-rc));
        }
    }
    if (rc != 0) {
        api_prov_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void api_prov_free(struct api_prov *p)
{
    if (p == NULL) {
        return;
    }
    prov_templates_fini(&p->tmpl);
    prov_guess_fini(&p->guess);
    free(p->template_dir);
    free(p->sip_host);
    free(p);
}

int api_prov_routes(struct api_prov *p, struct http_server *srv)
{
    return http_server_prefix(srv, PROV_PATH_PREFIX, api_prov_handle, p);
}

/* The one answer for every request that does not get a file. */
static void not_found(struct http_resp *resp)
{
    static const char body[] = "not found\n";
    /* Cache-Control: no-store comes with the prefix (http_server_prefix). */
    http_resp_set(resp, 404, "text/plain; charset=utf-8", body,
                  sizeof(body) - 1);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t ban_seconds(struct api_prov *p)
{
    char v[32];
    uint64_t n = 0;
    if (store_setting_get(p->cfg.st, "sip_blacklist_s", v, sizeof(v)) == 0
        && sv_to_u64(sv_trim(sv_cstr(v)), UINT32_MAX, &n) == 0 && n > 0) {
        return (uint32_t)n;
    }
    return PROV_BAN_DEFAULT_S;
}

/* A request with an unknown or malformed token: count it, maybe ban. */
static void miss(struct api_prov *p, const struct http_req *req,
                 const char *why)
{
    uint8_t ip[16];
    bool ban = false;
    net_addr_ip16(&req->peer, ip);
    int n =
        prov_guess_miss(&p->guess, ip, sizeof(ip), clock_mono_ms(NULL), &ban);
    sec_ev_log(SEC_EV_PROV_GUESS, "src=%s reason=%s misses=%d max=%u",
               req->client_ip, why, n, p->cfg.guess_max);
    if (ban && p->cfg.ban != NULL) {
        log_warn_rl(&lc, "provisioning scan from %s: %u misses in %u s, banned",
                    req->client_ip, p->cfg.guess_max, p->cfg.guess_window_s);
        p->cfg.ban(p->cfg.ud, &req->peer, ban_seconds(p), "prov_scan");
    }
}

/* The SIP server name for the file: configured, else the Host asked. */
static void server_name(const struct api_prov *p, const struct http_req *req,
                        char *dst, size_t cap)
{
    if (p->sip_host[0] != '\0') {
        snprintf(dst, cap, "%s", p->sip_host);
        return;
    }
    struct sv h = req->host;
    if (h.len > 0 && h.p[0] == '[') {
        ptrdiff_t end = sv_find_char(h, ']');
        h = end > 0 ? sv_make(h.p + 1, (size_t)end - 1) : SV_NULL;
    } else {
        ptrdiff_t colon = sv_find_char(h, ':');
        if (colon >= 0) {
            h = sv_make(h.p, (size_t)colon);
        }
    }
    /* Only a plain host name or address goes into a file. */
    for (size_t i = 0; i < h.len; i++) {
        char c = h.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':')) {
            h = SV_NULL;
            break;
        }
    }
    if (h.len == 0 || sv_copy_cstr(h, dst, cap) != 0) {
        snprintf(dst, cap, "%s", "localhost");
    }
}

void api_prov_handle(void *ctx, const struct http_req *req,
                     struct http_resp *resp)
{
    struct api_prov *p = ctx;
    struct sv token;
    struct sv file;
    char hash[PROV_TOKEN_HASH_HEX + 1];
    struct store_prov_file f;

    enum prov_path_kind kind = prov_path_parse(req->path, &token, &file);
    if (kind == PROV_PATH_BAD || prov_token_hash(token, hash) != 0) {
        miss(p, req, "malformed");
        not_found(resp);
        return;
    }
    int rc = store_prov_find(p->cfg.st, hash, &f);
    if (rc != 0 || !prov_hash_equal(f.token_hash, hash)) {
        if (rc != 0 && rc != -ENOENT) {
            log_warn_rl(&lc, "provisioning lookup failed: %s",
                        store_errmsg(p->cfg.st));
        }
        sodium_memzero(&f, sizeof(f));
        miss(p, req, "unknown_token");
        not_found(resp);
        return;
    }
    enum prov_vendor vendor = PROV_VENDOR_GENERIC;
    enum prov_tmpl t = PROV_TMPL_GENERIC;
    if ((req->method != HTTP_GET && req->method != HTTP_HEAD)
        || kind != PROV_PATH_FILE || prov_vendor_parse(f.p.vendor, &vendor) != 0
        || prov_file_match(vendor, file, &t) != 0) {
        /* The owner's phone asking for another name: not a guess. */
        sodium_memzero(&f, sizeof(f));
        not_found(resp);
        return;
    }
    char server[256];
    server_name(p, req, server, sizeof(server));
    /* TLS when the server has it, then UDP, then TCP. */
    const char *transport = "tls";
    uint16_t port = p->cfg.sip_tls_port;
    if (port == 0 && p->cfg.sip_udp_port != 0) {
        transport = "udp";
        port = p->cfg.sip_udp_port;
    } else if (port == 0) {
        transport = "tcp";
        port = p->cfg.sip_tcp_port;
    }
    struct prov_vars vars = {
        .server = server,
        .port = port,
        .transport = transport,
        .user = f.p.ext,
        .auth_name = f.p.ext,
        .password = f.sip_password,
        .display_name = f.p.name,
        .domain = f.p.domain,
        .realm = f.p.domain,
        .expires_s = f.expires_s,
    };
    struct buf out;
    buf_init(&out, PROV_OUT_MAX);
    rc = prov_render(sv_make(p->tmpl.text[t], p->tmpl.len[t]),
                     prov_tmpl_format(t), &vars, &out);
    if (rc == 0) {
        http_resp_set(resp, 200, prov_tmpl_content_type(t), out.p, out.len);
    } else {
        log_warn_rl(&lc, "rendering %s failed: %s", prov_tmpl_path(t),
                    strerror(-rc));
        not_found(resp);
    }
    if (out.p != NULL) {
        sodium_memzero(out.p, out.cap);
    }
    buf_fini(&out);
    if (rc == 0) {
        char fname[PROV_FILE_MAX + 1];
        (void)sv_copy_cstr(file, fname, sizeof(fname));
        if (store_prov_fetched(p->cfg.st, f.p.user_id, wall_ms(),
                               req->client_ip)
            != 0) {
            log_warn_rl(&lc, "fetch of %s@%s not recorded: %s", f.p.ext,
                        f.p.domain, store_errmsg(p->cfg.st));
        }
        sec_ev_log(SEC_EV_PROV_FETCH, "src=%s user=%s@%s vendor=%s file=%s",
                   req->client_ip, f.p.ext, f.p.domain, f.p.vendor, fname);
    }
    sodium_memzero(&f, sizeof(f));
}
