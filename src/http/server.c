/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTPS server: a thread running a libuv loop that libwebsockets joins
 * as a foreign loop. This file turns lws callbacks into requests (copying
 * what handlers see out of lws's header storage), enforces the size and
 * time caps, routes, and writes responses with the security headers. What
 * a response says is built by the handlers with resp.c; which file a path
 * names is static.c's call.
 */
#include "http/http.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <uv.h>

#include "base/arena.h"
#include "base/check.h"
#include "base/clock.h"
#include "base/hist.h"
#include "base/log.h"
#include "http/router.h"
#include "http/static.h"
#include "net/tls.h"

#define WBUF_LEN      16384u      /* bytes per body write */
#define REQ_ARENA_MAX (64u << 10) /* copied headers of one request */
#define HDR_DATA_MAX  8192u       /* lws header storage per request */
#define N_VH_HDRS     8
#define TLS12_CIPHERS                                            \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

enum conn_state {
    ST_IDLE = 0, /* waiting for (or reading) request headers */
    ST_BODY,     /* headers done, reading the body */
    ST_RESP,     /* response decided, being written */
};

/* Per-connection state; lws allocates it zeroed (per_session_data_size). */
struct conn {
    struct http_server *srv;
    struct lws *wsi;
    lws_sorted_usec_list_t sul; /* request deadline (ST_BODY) */
    bool live;                  /* conn_init() ran */
    bool hdrs_sent;
    bool close_after; /* close once the response is out (unread body) */
    bool head_only;   /* HEAD: headers without the body */
    bool is_api;      /* path under /api/ or the prefix: no-store */
    enum conn_state st;
    uint64_t t_start_ms;    /* when the current request began */
    uint64_t body_expected; /* Content-Length of the request */
    uint64_t sent;          /* response body bytes written */
    struct arena arena;     /* copies of request strings */
    struct buf body;        /* request body */
    json_t *json;           /* parsed body, owned */
    struct http_req req;
    struct http_resp resp;
};

struct http_server {
    /* Configuration: strings owned. */
    struct http_server_cfg cfg;
    char *listen;
    char *cert_path;
    char *key_path;
    char *plain_listen;
    char *static_dir;
    char *prov_listen;          /* provisioning-only plain listener */
    char *prefix;               /* http_server_prefix(), or NULL */
    http_handler_fn *prefix_fn; /* its handler */
    void *prefix_ctx;
    struct lws_vhost *vh_prov; /* the prov_listen vhost (server thread) */
    int static_fd;             /* the portal directory, or -1 */
    struct http_router router;
    struct log_ctx lc;

    /* Start/stop handshake with the server thread. */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool thread_live;
    bool start_done;
    int start_rc;

    /* Server thread only. */
    uv_loop_t loop;
    uv_async_t stop_async;
    struct lws_context *lws;
    SSL_CTX *cli_ctx; /* given to lws so it makes (and leaks) none */
    struct lws_protocols protocols[2];
    char vh_names[2][N_VH_HDRS][48];
    struct lws_protocol_vhost_options vh_hdrs[2][N_VH_HDRS]; /* plain, tls */
    unsigned char wbuf[LWS_PRE + WBUF_LEN];

    /* Any thread. */
    _Atomic uint16_t port_tls;
    _Atomic uint16_t port_plain;
    _Atomic uint16_t port_prov;
    _Atomic uint64_t n_requests;
    _Atomic uint64_t n_responses[6];
    _Atomic uint64_t n_errors;
    _Atomic uint64_t n_bytes_in;
    _Atomic uint64_t n_bytes_out;
    struct hist handler_lat; /* route handlers' times (server thread) */
};

static void count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

/* ---- Configuration ------------------------------------------------------ */

void http_server_cfg_init(struct http_server_cfg *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->listen = HTTP_DEFAULT_LISTEN;
    cfg->body_max = HTTP_DEFAULT_BODY_MAX;
    cfg->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
}

static int dup_opt(const char *s, char **out)
{
    *out = NULL;
    if (s == NULL) {
        return 0;
    }
    *out = strdup(s);
    return *out ? 0 : -ENOMEM;
}

int http_server_new(struct http_server **out, const struct http_server_cfg *cfg)
{
    struct net_addr a;
    bool dual = false;
    if (out == NULL || cfg == NULL || cfg->cert_path == NULL
        || cfg->key_path == NULL || cfg->body_max == 0 || cfg->timeout_ms == 0
        || cfg->listen == NULL
        || net_addr_parse_bind(cfg->listen, 8887, &a, &dual) != 0
        || (cfg->plain_listen != NULL
            && net_addr_parse_bind(cfg->plain_listen, 8888, &a, &dual) != 0)
        || (cfg->prov_listen != NULL
            && net_addr_parse_bind(cfg->prov_listen, 8888, &a, &dual) != 0)) {
        return -EINVAL;
    }
    struct http_server *srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        return -ENOMEM;
    }
    srv->cfg = *cfg;
    srv->static_fd = -1;
    srv->lc = (struct log_ctx){ .subsys = "http" };
    http_router_init(&srv->router);
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    int rc = 0;
    rc |= dup_opt(cfg->listen, &srv->listen);
    rc |= dup_opt(cfg->cert_path, &srv->cert_path);
    rc |= dup_opt(cfg->key_path, &srv->key_path);
    rc |= dup_opt(cfg->plain_listen, &srv->plain_listen);
    rc |= dup_opt(cfg->static_dir, &srv->static_dir);
    rc |= dup_opt(cfg->prov_listen, &srv->prov_listen);
    if (rc != 0) {
        http_server_free(srv);
        return -ENOMEM;
    }
    srv->cfg.listen = srv->listen;
    srv->cfg.cert_path = srv->cert_path;
    srv->cfg.key_path = srv->key_path;
    srv->cfg.plain_listen = srv->plain_listen;
    srv->cfg.static_dir = srv->static_dir;
    srv->cfg.prov_listen = srv->prov_listen;
    *out = srv;
    return 0;
}

int http_server_route(struct http_server *srv, enum http_method method,
                      const char *pattern, http_handler_fn *fn, void *ctx)
{
    pthread_mutex_lock(&srv->mu);
    bool live = srv->thread_live;
    pthread_mutex_unlock(&srv->mu);
    if (live) {
        return -EBUSY;
    }
    return http_router_add(&srv->router, method, pattern, fn, ctx);
}

uint16_t http_server_port(const struct http_server *srv, bool plain)
{
    return atomic_load(plain ? &srv->port_plain : &srv->port_tls);
}

int http_server_prefix(struct http_server *srv, const char *prefix,
                       http_handler_fn *fn, void *ctx)
{
    size_t n = prefix != NULL ? strlen(prefix) : 0;
    if (fn == NULL || n < 2 || prefix[0] != '/' || prefix[n - 1] != '/') {
        return -EINVAL;
    }
    pthread_mutex_lock(&srv->mu);
    bool live = srv->thread_live;
    pthread_mutex_unlock(&srv->mu);
    if (live) {
        return -EBUSY;
    }
    if (srv->prefix != NULL) {
        return -EEXIST;
    }
    srv->prefix = strdup(prefix);
    if (srv->prefix == NULL) {
        return -ENOMEM;
    }
    srv->prefix_fn = fn;
    srv->prefix_ctx = ctx;
    return 0;
}

uint16_t http_server_prov_port(const struct http_server *srv)
{
    return atomic_load(&srv->port_prov);
}

/* Is 'path' the prefix (without its last '/') or below it? */
static bool under_prefix(const struct http_server *srv, struct sv path)
{
    if (srv->prefix == NULL) {
        return false;
    }
    size_t n = strlen(srv->prefix);
    return (path.len >= n && memcmp(path.p, srv->prefix, n) == 0)
           || (path.len == n - 1 && memcmp(path.p, srv->prefix, n - 1) == 0);
}

void http_server_stats(const struct http_server *srv, struct http_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->requests = atomic_load(&srv->n_requests);
    for (size_t i = 0; i < 6; i++) {
        out->responses[i] = atomic_load(&srv->n_responses[i]);
    }
    out->errors = atomic_load(&srv->n_errors);
    out->bytes_in = atomic_load(&srv->n_bytes_in);
    out->bytes_out = atomic_load(&srv->n_bytes_out);
}

void http_server_latency(const struct http_server *srv, struct hist_snap *out)
{
    memset(out, 0, sizeof(*out));
    hist_snap_add(out, &srv->handler_lat);
}

/* ---- Connections -------------------------------------------------------- */

static void on_deadline(lws_sorted_usec_list_t *sul);

/* Headers and body of the next request are due within timeout_ms. */
static void deadline_arm(struct conn *c)
{
    c->t_start_ms = clock_mono_ms(NULL);
    lws_sul_cancel(&c->sul);
    lws_sul_schedule(lws_get_context(c->wsi), 0, &c->sul, on_deadline,
                     (lws_usec_t)c->srv->cfg.timeout_ms * LWS_US_PER_MS);
}

static void conn_init(struct conn *c, struct http_server *srv, struct lws *wsi)
{
    memset(c, 0, sizeof(*c));
    c->srv = srv;
    c->wsi = wsi;
    c->live = true;
    arena_init(&c->arena, NULL, 0, REQ_ARENA_MAX);
    buf_init(&c->body, srv->cfg.body_max);
    http_resp_init(&c->resp);
    deadline_arm(c);
}

/* Forget the finished request; the connection may carry another one. */
static void conn_reset(struct conn *c)
{
    lws_sul_cancel(&c->sul);
    arena_reset(&c->arena);
    buf_fini(&c->body);
    buf_init(&c->body, c->srv->cfg.body_max);
    json_decref(c->json);
    c->json = NULL;
    http_resp_fini(&c->resp);
    http_resp_init(&c->resp);
    memset(&c->req, 0, sizeof(c->req));
    c->st = ST_IDLE;
    c->hdrs_sent = c->close_after = c->head_only = c->is_api = false;
    c->body_expected = c->sent = 0;
    deadline_arm(c);
}

static void conn_fini(struct conn *c)
{
    if (!c->live) {
        return;
    }
    if (c->st != ST_IDLE) {
        /* Dropped before the response was complete. */
        count(&c->srv->n_errors, 1);
    }
    lws_sul_cancel(&c->sul);
    arena_fini(&c->arena);
    buf_fini(&c->body);
    json_decref(c->json);
    c->json = NULL;
    http_resp_fini(&c->resp);
    c->live = false;
}

/* ---- Writing responses -------------------------------------------------- */

static uint64_t resp_len(const struct conn *c)
{
    return c->resp.file_fd >= 0 ? c->resp.file_len : c->resp.body.len;
}

static bool status_has_body(int status)
{
    return !(status < 200 || status == 204 || status == 304);
}

static int add_hdr(struct lws *wsi, const char *name, const char *value,
                   unsigned char **p, unsigned char *end)
{
    char n[HTTP_HDR_NAME_MAX + 2];
    int len = snprintf(n, sizeof(n), "%s:", name);
    if (len < 0 || (size_t)len >= sizeof(n)) {
        return -1;
    }
    return lws_add_http_header_by_name(wsi, (const unsigned char *)n,
                                       (const unsigned char *)value,
                                       (int)strlen(value), p, end);
}

static int write_headers(struct conn *c)
{
    struct http_server *srv = c->srv;
    struct http_resp *r = &c->resp;
    unsigned char *start = srv->wbuf + LWS_PRE;
    unsigned char *p = start;
    unsigned char *end = srv->wbuf + sizeof(srv->wbuf) - 1;
    struct lws *wsi = c->wsi;

    /* The vhost adds the security headers to every response it sends
     * (ours and lws's own); Cache-Control depends on the path. */
    if (lws_add_http_header_status(
            wsi, (unsigned)r->status | LWSAHH_FLAG_NO_SERVER_NAME, &p, end)
        != 0) {
        return -1;
    }
    if (c->is_api && add_hdr(wsi, "Cache-Control", "no-store", &p, end) != 0) {
        return -1;
    }
    for (size_t i = 0; i < r->n_hdrs; i++) {
        if (add_hdr(wsi, r->hdr_store.p + r->hdr_off[i][0],
                    r->hdr_store.p + r->hdr_off[i][1], &p, end)
            != 0) {
            return -1;
        }
    }
    if (r->content_type[0] != '\0'
        && add_hdr(wsi, "Content-Type", r->content_type, &p, end) != 0) {
        return -1;
    }
    if (status_has_body(r->status)
        && lws_add_http_header_content_length(wsi, resp_len(c), &p, end) != 0) {
        return -1;
    }
    if (c->close_after && add_hdr(wsi, "Connection", "close", &p, end) != 0) {
        return -1;
    }
    if (lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
        return -1;
    }
    count(&srv->n_bytes_out, (uint64_t)(p - start));
    return 0;
}

/* The response is out: count it and get ready for the next request. */
static int finish(struct conn *c)
{
    bool close_after = c->close_after;
    conn_reset(c);
    if (close_after) {
        return -1;
    }
    return lws_http_transaction_completed(c->wsi) ? -1 : 0;
}

static int on_writable(struct conn *c)
{
    struct http_server *srv = c->srv;
    if (c->st != ST_RESP) {
        return 0;
    }
    uint64_t total =
        status_has_body(c->resp.status) && !c->head_only ? resp_len(c) : 0;
    if (!c->hdrs_sent) {
        /* Counted before the first byte leaves, so a client that saw the
         * response also sees it counted. */
        if (c->resp.status >= 100 && c->resp.status <= 599) {
            count(&srv->n_responses[c->resp.status / 100], 1);
        }
        if (write_headers(c) != 0) {
            count(&srv->n_errors, 1);
            return -1;
        }
        c->hdrs_sent = true;
        if (total == 0) {
            return finish(c);
        }
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    size_t n = (size_t)SW_MIN(total - c->sent, (uint64_t)WBUF_LEN);
    unsigned char *data = srv->wbuf + LWS_PRE;
    if (c->resp.file_fd >= 0) {
        ssize_t got = pread(c->resp.file_fd, data, n, (off_t)c->sent);
        if (got != (ssize_t)n) {
            /* The file shrank or failed under us: the length is sent. */
            log_warn_rl(&srv->lc, "static file read failed");
            count(&srv->n_errors, 1);
            return -1;
        }
    } else {
        memcpy(data, c->resp.body.p + c->sent, n);
    }
    bool final = c->sent + n == total;
    int m = lws_write(c->wsi, data, n,
                      final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
    if (m < 0 || (size_t)m < n) {
        count(&srv->n_errors, 1);
        return -1;
    }
    c->sent += n;
    count(&srv->n_bytes_out, n);
    if (!final) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    return finish(c);
}

/* Send whatever c->resp holds. */
static void respond(struct conn *c)
{
    lws_sul_cancel(&c->sul);
    c->st = ST_RESP;
    lws_callback_on_writable(c->wsi);
}

/* A problem the server itself raises (not a handler). */
static void reply_problem(struct conn *c, int status, const char *detail,
                          bool close_after)
{
    struct http_problem p = { .status = status, .detail = detail };
    http_resp_fini(&c->resp);
    http_resp_init(&c->resp);
    if (http_resp_problem(&c->resp, &p) != 0) {
        http_resp_set(&c->resp, status, NULL, NULL, 0);
    }
    c->close_after = c->close_after || close_after;
    count(&c->srv->n_errors, 1);
    respond(c);
}

/* ---- Reading requests --------------------------------------------------- */

static const struct {
    enum lws_token_indexes tok;
    enum http_method method;
} method_toks[] = {
    { WSI_TOKEN_GET_URI, HTTP_GET },
    { WSI_TOKEN_HEAD_URI, HTTP_HEAD },
    { WSI_TOKEN_POST_URI, HTTP_POST },
    { WSI_TOKEN_PUT_URI, HTTP_PUT },
    { WSI_TOKEN_PATCH_URI, HTTP_PATCH },
    { WSI_TOKEN_DELETE_URI, HTTP_DELETE },
    { WSI_TOKEN_OPTIONS_URI, HTTP_OPTIONS },
};

/* Copy header 'tok' into the arena; SV_NULL when absent or on failure. */
static struct sv copy_tok(struct conn *c, enum lws_token_indexes tok)
{
    int len = lws_hdr_total_length(c->wsi, tok);
    if (len <= 0) {
        return SV_NULL;
    }
    char *dst = arena_alloc(&c->arena, (size_t)len + 1);
    if (dst == NULL) {
        return SV_NULL;
    }
    int got = lws_hdr_copy(c->wsi, dst, len + 1, tok);
    if (got < 0) {
        return SV_NULL;
    }
    return sv_make(dst, (size_t)got);
}

static struct sv copy_custom(struct conn *c, const char *name)
{
    int nlen = (int)strlen(name);
    int len = lws_hdr_custom_length(c->wsi, name, nlen);
    if (len <= 0) {
        return SV_NULL;
    }
    char *dst = arena_alloc(&c->arena, (size_t)len + 1);
    if (dst == NULL) {
        return SV_NULL;
    }
    int got = lws_hdr_custom_copy(c->wsi, dst, len + 1, name, nlen);
    if (got < 0) {
        return SV_NULL;
    }
    return sv_make(dst, (size_t)got);
}

static bool has_ctl(struct sv v)
{
    for (size_t i = 0; i < v.len; i++) {
        unsigned char ch = (unsigned char)v.p[i];
        if (ch < 0x20 || ch == 0x7f) {
            return true;
        }
    }
    return false;
}

/* Query arguments: lws keeps each decoded "name=value" as a fragment. */
static int copy_args(struct conn *c)
{
    struct buf joined;
    char tmp[HDR_DATA_MAX + 1]; /* no fragment is longer than all headers */
    int rc = 0;
    buf_init(&joined, HDR_DATA_MAX);
    for (int idx = 0;; idx++) {
        int n = lws_hdr_copy_fragment(c->wsi, tmp, (int)sizeof(tmp),
                                      WSI_TOKEN_HTTP_URI_ARGS, idx);
        if (n < 0) {
            break;
        }
        if (c->req.n_args == HTTP_MAX_QUERY) {
            rc = -E2BIG;
            break;
        }
        struct sv frag = arena_dup_sv(&c->arena, sv_make(tmp, (size_t)n));
        if (frag.p == NULL && n > 0) {
            rc = -ENOMEM;
            break;
        }
        ptrdiff_t eq = sv_find_char(frag, '=');
        struct http_param *a = &c->req.args[c->req.n_args++];
        if (eq < 0) {
            a->name = frag;
            a->value = sv_make(frag.p + frag.len, 0);
        } else {
            a->name = sv_slice(frag, 0, (size_t)eq);
            a->value = sv_slice(frag, (size_t)eq + 1, frag.len);
        }
        if (joined.len > 0) {
            buf_append_char(&joined, '&');
        }
        buf_append_sv(&joined, frag);
    }
    if (rc == 0 && joined.len > 0) {
        c->req.query = arena_dup_sv(&c->arena, buf_sv(&joined));
    }
    buf_fini(&joined);
    return rc;
}

static void copy_peer(struct conn *c)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = (int)lws_get_socket_fd(c->wsi);
    c->req.client_ip[0] = '\0';
    if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &len) == -1
        || net_addr_from_sa(&c->req.peer, (struct sockaddr *)&ss, len) != 0) {
        return;
    }
    net_addr_normalize(&c->req.peer);
    net_addr_ip_fmt(&c->req.peer, c->req.client_ip, sizeof(c->req.client_ip));
}

static bool is_json_type(struct sv ct)
{
    ptrdiff_t semi = sv_find_char(ct, ';');
    struct sv mt = sv_trim(semi < 0 ? ct : sv_slice(ct, 0, (size_t)semi));
    if (sv_eq_cstr_nocase(mt, "application/json")) {
        return true;
    }
    return mt.len > 5 && sv_starts_with_nocase(mt, SV_LIT("application/"))
           && sv_eq_cstr_nocase(sv_slice(mt, mt.len - 5, mt.len), "+json");
}

/* Host header -> "name" or "[v6]" without the port, or SV_NULL if odd. */
static struct sv host_only(struct sv host)
{
    if (host.len == 0 || host.len > 255) {
        return SV_NULL;
    }
    size_t end = host.len;
    if (host.p[0] == '[') {
        ptrdiff_t close = sv_find_char(host, ']');
        if (close < 0) {
            return SV_NULL;
        }
        end = (size_t)close + 1;
        for (size_t i = 1; i + 1 < end; i++) {
            char ch = host.p[i];
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')
                  || (ch >= 'A' && ch <= 'F') || ch == ':' || ch == '.')) {
                return SV_NULL;
            }
        }
        return sv_slice(host, 0, end);
    }
    ptrdiff_t colon = sv_find_char(host, ':');
    if (colon >= 0) {
        end = (size_t)colon;
    }
    for (size_t i = 0; i < end; i++) {
        char ch = host.p[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
              || (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == '-')) {
            return SV_NULL;
        }
    }
    return end > 0 ? sv_slice(host, 0, end) : SV_NULL;
}

static void redirect_to_https(struct conn *c)
{
    struct http_server *srv = c->srv;
    struct sv host = host_only(c->req.host);
    if (host.len == 0) {
        reply_problem(c, 400, "missing or invalid Host header", false);
        return;
    }
    struct buf loc;
    buf_init(&loc, 4096);
    buf_printf(&loc, "https://%.*s:%u%.*s", SV_FMT(host),
               (unsigned)atomic_load(&srv->port_tls), SV_FMT(c->req.path));
    if (c->req.query.len > 0) {
        buf_printf(&loc, "?%.*s", SV_FMT(c->req.query));
    }
    http_resp_set(&c->resp, 308, NULL, NULL, 0);
    if (loc.err != 0 || has_ctl(buf_sv(&loc))
        || http_resp_header_add(&c->resp, "Location", loc.p) != 0) {
        buf_fini(&loc);
        reply_problem(c, 414, "the redirect target is too long", false);
        return;
    }
    buf_fini(&loc);
    respond(c);
}

static void serve_static(struct conn *c)
{
    int fd = -1;
    uint64_t size = 0;
    const char *mime = NULL;
    int rc =
        http_static_open(c->srv->static_fd, c->req.path, &fd, &size, &mime);
    if (rc == -EINVAL) {
        reply_problem(c, 400, "path not allowed", false);
        return;
    }
    if (rc != 0) {
        reply_problem(c, 404, "no such resource", false);
        return;
    }
    http_resp_set(&c->resp, 200, mime, NULL, 0);
    c->resp.file_fd = fd;
    c->resp.file_len = size;
    http_resp_header_add(&c->resp, "Cache-Control", "no-cache");
    respond(c);
}

/* Headers and body are in: decide and build the response. */
static void dispatch(struct conn *c)
{
    struct http_server *srv = c->srv;
    struct http_req *req = &c->req;
    req->body = buf_sv(&c->body);
    if (under_prefix(srv, req->path)) {
        srv->prefix_fn(srv->prefix_ctx, req, &c->resp);
        if (c->resp.err != 0 || c->resp.status == 0) {
            reply_problem(c, 500, "the request could not be completed", false);
            return;
        }
        respond(c);
        return;
    }
    if (req->body.len > 0 && is_json_type(req->content_type)) {
        json_error_t jerr;
        c->json = json_loadb(req->body.p, req->body.len, JSON_REJECT_DUPLICATES,
                             &jerr);
        if (c->json == NULL) {
            char detail[256];
            snprintf(detail, sizeof(detail),
                     "malformed JSON at line %d, column %d: %s", jerr.line,
                     jerr.column, jerr.text);
            reply_problem(c, 400, detail, false);
            return;
        }
        req->json = c->json;
    }
    struct http_match m;
    switch (http_router_match(&srv->router, req->method, req->path, &m)) {
    case HTTP_MATCH_OK:
        memcpy(req->params, m.params, sizeof(req->params));
        req->n_params = m.n_params;
        uint64_t t0 = hist_now_ns();
        m.route->fn(m.route->ctx, req, &c->resp);
        hist_observe(&srv->handler_lat, hist_now_ns() - t0);
        if (c->resp.err != 0 || c->resp.status == 0) {
            log_warn_rl(&srv->lc, "handler for %s %s failed: err=%d status=%d",
                        http_method_name(req->method), m.route->pattern,
                        c->resp.err, c->resp.status);
            reply_problem(c, 500, "the request could not be completed", false);
            return;
        }
        respond(c);
        return;
    case HTTP_MATCH_NO_METHOD: {
        char allow[128];
        http_allow_fmt(m.allow_mask, allow, sizeof(allow));
        reply_problem(c, 405, "method not allowed on this resource", false);
        http_resp_header_add(&c->resp, "Allow", allow);
        return;
    }
    case HTTP_MATCH_NO_PATH:
        break;
    }
    if (srv->static_fd >= 0 && !c->is_api
        && (req->method == HTTP_GET || req->method == HTTP_HEAD)) {
        serve_static(c);
        return;
    }
    reply_problem(c, 404, "no such resource", false);
}

static void on_deadline(lws_sorted_usec_list_t *sul)
{
    struct conn *c =
        (struct conn *)(void *)((char *)sul - offsetof(struct conn, sul));
    switch (c->st) {
    case ST_BODY:
        reply_problem(c, 408, "the request was not received in time", true);
        break;
    case ST_IDLE:
        /* Headers incomplete (or an idle keep-alive): nothing can be
         * framed as a response yet, so the connection just goes. */
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        break;
    case ST_RESP:
        break; /* being answered; lws times out stalled writes */
    }
}

static int on_request(struct conn *c)
{
    struct http_server *srv = c->srv;
    struct http_req *req = &c->req;
    count(&srv->n_requests, 1);
    if (c->st != ST_IDLE) {
        conn_reset(c);
    }
    req->is_tls = lws_is_ssl(c->wsi) != 0;
    copy_peer(c);

    enum lws_token_indexes tok = WSI_TOKEN_COUNT;
    for (size_t i = 0; i < SW_ARRAY_LEN(method_toks); i++) {
        if (lws_hdr_total_length(c->wsi, method_toks[i].tok) > 0) {
            tok = method_toks[i].tok;
            req->method = method_toks[i].method;
            break;
        }
    }
    if (tok == WSI_TOKEN_COUNT) {
        reply_problem(c, 501, "method not implemented", true);
        return 0;
    }
    c->head_only = req->method == HTTP_HEAD;
    req->path = copy_tok(c, tok);
    if (req->path.len == 0 || req->path.p[0] != '/' || has_ctl(req->path)
        || strlen(req->path.p) != req->path.len) {
        reply_problem(c, 400, "invalid request path", true);
        return 0;
    }
    c->is_api = sv_eq_cstr(req->path, "/api")
                || sv_starts_with_nocase(req->path, SV_LIT("/api/"))
                || under_prefix(srv, req->path); /* no-store there too */
    int rc = copy_args(c);
    if (rc != 0) {
        reply_problem(c, 400,
                      rc == -E2BIG ? "too many query arguments"
                                   : "invalid query string",
                      true);
        return 0;
    }
    req->host = copy_tok(c, WSI_TOKEN_HOST);
    req->cookie = copy_tok(c, WSI_TOKEN_HTTP_COOKIE);
    req->authorization = copy_tok(c, WSI_TOKEN_HTTP_AUTHORIZATION);
    req->content_type = copy_tok(c, WSI_TOKEN_HTTP_CONTENT_TYPE);
    req->origin = copy_tok(c, WSI_TOKEN_ORIGIN);
    req->csrf_token = copy_custom(c, "x-csrf-token:");

    bool on_prov =
        srv->vh_prov != NULL && lws_get_vhost(c->wsi) == srv->vh_prov;
    if (on_prov && !under_prefix(srv, req->path)) {
        /* The provisioning listener is not the portal: nothing else. */
        reply_problem(c, 404, "no such resource", true);
        return 0;
    }
    if (!on_prov && !req->is_tls && srv->cfg.plain_redirect) {
        c->close_after =
            lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0;
        redirect_to_https(c);
        return 0;
    }

    uint64_t now = clock_mono_ms(NULL);
    uint64_t deadline = c->t_start_ms + srv->cfg.timeout_ms;
    if (now >= deadline) {
        reply_problem(c, 408, "the request was not received in time", true);
        return 0;
    }
    if (lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0) {
        reply_problem(c, 411, "a Content-Length is required", true);
        return 0;
    }
    struct sv cl = copy_tok(c, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    uint64_t len = 0;
    if (cl.p != NULL && sv_to_u64(sv_trim(cl), UINT64_MAX / 2, &len) != 0) {
        reply_problem(c, 400, "invalid Content-Length", true);
        return 0;
    }
    if (len > srv->cfg.body_max) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the body exceeds %zu bytes",
                 srv->cfg.body_max);
        reply_problem(c, 413, detail, true);
        return 0;
    }
    if (len == 0) {
        dispatch(c);
        return 0;
    }
    /* The deadline armed when the request began keeps running. */
    c->st = ST_BODY;
    c->body_expected = len;
    return 0;
}

static int on_body(struct conn *c, const void *in, size_t len)
{
    if (c->st != ST_BODY) {
        return 0;
    }
    count(&c->srv->n_bytes_in, len);
    if (c->body.len + len > c->body_expected
        || buf_append(&c->body, in, len) != 0) {
        char detail[96];
        snprintf(detail, sizeof(detail), "the body exceeds %zu bytes",
                 c->srv->cfg.body_max);
        reply_problem(c, 413, detail, true);
    }
    return 0;
}

static int on_body_done(struct conn *c)
{
    if (c->st != ST_BODY) {
        return 0;
    }
    lws_sul_cancel(&c->sul);
    if (c->body.len != c->body_expected) {
        reply_problem(c, 400, "incomplete body", true);
        return 0;
    }
    dispatch(c);
    return 0;
}

static int http_cb(struct lws *wsi, enum lws_callback_reasons reason,
                   void *user, void *in, size_t len)
{
    struct http_server *srv = lws_context_user(lws_get_context(wsi));
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
        /* 'user' is the vhost's SSL_CTX: TLS 1.2 is the floor. */
        if (user != NULL
            && SSL_CTX_set_min_proto_version((SSL_CTX *)user, TLS1_2_VERSION)
                   != 1) {
            return 1;
        }
        /* Each handshake then moves to the SIP TLS certificates: the SNI
         * tenant's or the default, reloaded on SIGHUP (net/tls.h). */
        if (user != NULL && srv->cfg.tls != NULL
            && net_tls_ctx_attach(srv->cfg.tls, user) != 0) {
            return 1;
        }
        return 0;
    case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
        if (c != NULL && !c->live) {
            conn_init(c, srv, wsi);
        }
        return 0;
    case LWS_CALLBACK_HTTP:
        if (c == NULL) {
            return -1;
        }
        if (!c->live) {
            conn_init(c, srv, wsi);
        }
        return on_request(c);
    case LWS_CALLBACK_HTTP_BODY:
        return c != NULL && c->live ? on_body(c, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return c != NULL && c->live ? on_body_done(c) : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return c != NULL && c->live ? on_writable(c) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c != NULL) {
            conn_fini(c);
        }
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return 1; /* no WebSocket here (yet) */
    default:
        return 0;
    }
}

/* ---- The server thread -------------------------------------------------- */

static void lws_log_emit(int level, const char *line)
{
    static const struct log_ctx lc = { .subsys = "http" };
    /* lws lines are ours to trust little: printable ASCII only, capped. */
    char clean[200];
    size_t n = 0;
    for (; line[n] != '\0' && n < sizeof(clean) - 1; n++) {
        unsigned char ch = (unsigned char)line[n];
        clean[n] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
    }
    while (n > 0 && clean[n - 1] == ' ') {
        n--;
    }
    clean[n] = '\0';
    if (level & LLL_ERR) {
        log_warn_rl(&lc, "lws: %s", clean);
    } else {
        log_debug(&lc, "lws: %s", clean);
    }
}

/* Vhost header lists (plain without HSTS, TLS with it), names "name:". */
static void build_vh_hdrs(struct http_server *srv)
{
    for (int tls = 0; tls < 2; tls++) {
        struct http_hdr h[N_VH_HDRS];
        size_t n = http_std_headers(tls != 0, false, h, N_VH_HDRS);
        struct lws_protocol_vhost_options *o = srv->vh_hdrs[tls];
        for (size_t i = 0; i < n; i++) {
            char *name = srv->vh_names[tls][i];
            snprintf(name, sizeof(srv->vh_names[tls][i]), "%s:", h[i].name);
            o[i].name = name;
            o[i].value = h[i].value;
            o[i].options = NULL;
            o[i].next = i + 1 < n ? &o[i + 1] : NULL;
        }
    }
}

static int make_vhost(struct http_server *srv, const char *listen, bool tls,
                      struct lws_vhost **out)
{
    struct net_addr a;
    bool dual = false;
    char ip[NET_ADDR_FMT_CAP];
    if (net_addr_parse_bind(listen, tls ? 8887 : 8888, &a, &dual) != 0) {
        return -EINVAL;
    }
    struct lws_context_creation_info vi;
    memset(&vi, 0, sizeof(vi));
    bool prov = !tls && srv->prov_listen != NULL && listen == srv->prov_listen;
    vi.vhost_name = tls ? "https" : prov ? "prov" : "http";
    vi.protocols = srv->protocols;
    vi.headers = srv->vh_hdrs[tls ? 1 : 0];
    vi.alpn = "http/1.1";
    vi.options = LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND;
    /* lws's own timers (whole seconds) bound the TLS handshake and the
     * header phase, which may pass before we hear of the connection. */
    vi.timeout_secs = (srv->cfg.timeout_ms + 999) / 1000;
    vi.timeout_secs_ah_idle = vi.timeout_secs;
    vi.keepalive_timeout = (int)vi.timeout_secs;
    vi.port = a.sa.sa_family == AF_INET ? ntohs(a.in4.sin_port)
                                        : ntohs(a.in6.sin6_port);
    if (dual) {
        vi.iface = NULL;
    } else if (a.sa.sa_family == AF_INET) {
        vi.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
        vi.iface = a.in4.sin_addr.s_addr == htonl(INADDR_ANY)
                       ? NULL
                       : net_addr_ip_fmt(&a, ip, sizeof(ip));
    } else if (IN6_IS_ADDR_UNSPECIFIED(&a.in6.sin6_addr)) {
        vi.options |= LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY
                      | LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE;
        vi.iface = NULL;
    } else {
        vi.iface = net_addr_ip_fmt(&a, ip, sizeof(ip));
    }
    /* lws 4.1 builds a client SSL_CTX for every vhost and does not free
     * it when two contexts live in one process; we make no client
     * connections, so hand it an idle one that we own. */
    vi.provided_client_ssl_ctx = srv->cli_ctx;
    if (tls) {
        /* No client certificates here: the OS CA store is not needed. */
        vi.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT
                      | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
        vi.ssl_cert_filepath = srv->cert_path;
        vi.ssl_private_key_filepath = srv->key_path;
        vi.ssl_cipher_list = TLS12_CIPHERS;
        vi.ssl_options_set =
            (long)(SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1
                   | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_COMPRESSION
                   | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    }
    *out = lws_create_vhost(srv->lws, &vi);
    if (*out == NULL) {
        log_err(&srv->lc, "cannot listen on %s (%s)", listen,
                tls ? "https" : "http");
        return -EIO;
    }
    int port = lws_get_vhost_listen_port(*out);
    atomic_store(tls    ? &srv->port_tls
                 : prov ? &srv->port_prov
                        : &srv->port_plain,
                 (uint16_t)(port > 0 ? port : 0));
    if (prov) {
        srv->vh_prov = *out;
    }
    return 0;
}

static int lws_setup(struct http_server *srv)
{
    if (access(srv->cert_path, R_OK) == -1
        || access(srv->key_path, R_OK) == -1) {
        int rc = -errno;
        log_err(&srv->lc, "cannot read the TLS certificate or key");
        return rc;
    }
    srv->protocols[0] = (struct lws_protocols){
        .name = "sw-http",
        .callback = http_cb,
        .per_session_data_size = sizeof(struct conn),
    };
    memset(&srv->protocols[1], 0, sizeof(srv->protocols[1]));
    build_vh_hdrs(srv);
    srv->cli_ctx = SSL_CTX_new(TLS_client_method());
    if (srv->cli_ctx == NULL) {
        return -ENOMEM;
    }

    void *loops[1] = { &srv->loop };
    struct lws_context_creation_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_LIBUV
                 | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT
                 | LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS
                 | LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
    ci.foreign_loops = loops;
    ci.pcontext = &srv->lws;
    ci.user = srv;
    ci.timeout_secs = (srv->cfg.timeout_ms + 999) / 1000;
    ci.max_http_header_data = HDR_DATA_MAX;
    if (srv->cfg.max_conns > 0) {
        ci.fd_limit_per_thread = srv->cfg.max_conns + 16;
    }
    srv->lws = lws_create_context(&ci);
    if (srv->lws == NULL) {
        log_err(&srv->lc, "libwebsockets context creation failed");
        return -EIO;
    }
    struct lws_vhost *vh = NULL;
    int rc = make_vhost(srv, srv->listen, true, &vh);
    if (rc == 0 && srv->plain_listen != NULL) {
        rc = make_vhost(srv, srv->plain_listen, false, &vh);
    }
    if (rc == 0 && srv->prov_listen != NULL) {
        rc = make_vhost(srv, srv->prov_listen, false, &vh);
    }
    return rc;
}

static void on_stop(uv_async_t *h)
{
    struct http_server *srv = h->data;
    if (srv->lws != NULL) {
        /* With a foreign loop lws closes its handles asynchronously; the
         * loop ends once they (and this async) are closed. */
        lws_context_destroy(srv->lws);
    }
    uv_close((uv_handle_t *)&srv->stop_async, NULL);
}

static void close_leftover(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h)) {
        uv_close(h, NULL);
    }
}

static void loop_drain(struct http_server *srv)
{
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    /* lws 4.1 on a foreign loop: the first destroy (on_stop) closes the
     * connections and its handles; once those closes ran, another call
     * frees the context and sets srv->lws to NULL (info.pcontext). */
    for (int i = 0; srv->lws != NULL && i < 4; i++) {
        lws_context_destroy(srv->lws);
        uv_run(&srv->loop, UV_RUN_DEFAULT);
    }
    if (srv->lws != NULL) {
        log_warn(&srv->lc, "libwebsockets context not released at stop");
    } else {
        SSL_CTX_free(srv->cli_ctx);
        srv->cli_ctx = NULL;
    }
    if (uv_loop_close(&srv->loop) == UV_EBUSY) {
        log_warn(&srv->lc, "event loop still had handles at stop");
        uv_walk(&srv->loop, close_leftover, NULL);
        uv_run(&srv->loop, UV_RUN_DEFAULT);
        uv_loop_close(&srv->loop);
    }
}

static void start_report(struct http_server *srv, int rc)
{
    pthread_mutex_lock(&srv->mu);
    srv->start_rc = rc;
    srv->start_done = true;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
}

static void *server_main(void *arg)
{
    struct http_server *srv = arg;
    int rc = uv_loop_init(&srv->loop);
    if (rc != 0) {
        start_report(srv, rc);
        return NULL;
    }
    rc = uv_async_init(&srv->loop, &srv->stop_async, on_stop);
    if (rc != 0) {
        uv_loop_close(&srv->loop);
        start_report(srv, rc);
        return NULL;
    }
    srv->stop_async.data = srv;
    rc = lws_setup(srv);
    if (rc != 0) {
        on_stop(&srv->stop_async);
        loop_drain(srv);
        start_report(srv, rc);
        return NULL;
    }
    if (srv->plain_listen != NULL) {
        log_info(&srv->lc, "listening: https port %u, plain http port %u",
                 (unsigned)atomic_load(&srv->port_tls),
                 (unsigned)atomic_load(&srv->port_plain));
    } else {
        log_info(&srv->lc, "listening: https port %u",
                 (unsigned)atomic_load(&srv->port_tls));
    }
    if (srv->prov_listen != NULL) {
        log_info(&srv->lc, "provisioning over plain http on port %u",
                 (unsigned)atomic_load(&srv->port_prov));
    }
    start_report(srv, 0);
    uv_run(&srv->loop, UV_RUN_DEFAULT);
    loop_drain(srv);
    return NULL;
}

int http_server_start(struct http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    if (srv->thread_live) {
        pthread_mutex_unlock(&srv->mu);
        return -EALREADY;
    }
    pthread_mutex_unlock(&srv->mu);

    if (srv->static_dir != NULL && srv->static_fd < 0) {
        srv->static_fd =
            open(srv->static_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (srv->static_fd == -1) {
            int rc = -errno;
            log_err(&srv->lc, "cannot open the portal directory");
            return rc;
        }
    }
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_emit);

    pthread_mutex_lock(&srv->mu);
    srv->start_done = false;
    srv->start_rc = 0;
    int rc = pthread_create(&srv->thread, NULL, server_main, srv);
    if (rc != 0) {
        pthread_mutex_unlock(&srv->mu);
        return -rc;
    }
    while (!srv->start_done) {
        pthread_cond_wait(&srv->cv, &srv->mu);
    }
    rc = srv->start_rc;
    srv->thread_live = rc == 0;
    pthread_mutex_unlock(&srv->mu);
    if (rc != 0) {
        pthread_join(srv->thread, NULL);
        atomic_store(&srv->port_tls, 0);
        atomic_store(&srv->port_plain, 0);
        atomic_store(&srv->port_prov, 0);
        srv->vh_prov = NULL;
    }
    return rc;
}

void http_server_stop(struct http_server *srv)
{
    pthread_mutex_lock(&srv->mu);
    bool live = srv->thread_live;
    srv->thread_live = false;
    pthread_mutex_unlock(&srv->mu);
    if (!live) {
        return;
    }
    uv_async_send(&srv->stop_async);
    pthread_join(srv->thread, NULL);
    atomic_store(&srv->port_tls, 0);
    atomic_store(&srv->port_plain, 0);
    atomic_store(&srv->port_prov, 0);
    srv->vh_prov = NULL;
}

void http_server_free(struct http_server *srv)
{
    if (srv == NULL) {
        return;
    }
    http_server_stop(srv);
    http_router_fini(&srv->router);
    if (srv->static_fd >= 0) {
        close(srv->static_fd);
    }
    free(srv->listen);
    free(srv->cert_path);
    free(srv->key_path);
    free(srv->plain_listen);
    free(srv->static_dir);
    free(srv->prov_listen);
    free(srv->prefix);
    pthread_cond_destroy(&srv->cv);
    pthread_mutex_destroy(&srv->mu);
    free(srv);
}
