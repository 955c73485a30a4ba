/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server end to end: a real listener on an ephemeral port with a
 * certificate made at test time, spoken to by a small OpenSSL client that
 * writes raw HTTP/1.1 (so it can send what curl would not). Waits are
 * socket reads with deadlines, never sleeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/buf.h"
#include "http/http.h"
#include "net/tls.h"

/* ---- Fixture ------------------------------------------------------------ */

struct fixture {
    char dir[64];
    char www[96];
    char *cert;
    char *key;
    struct http_server *srv;
    uint16_t port;
};

static struct fixture fx;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int rm_cb(const char *p, const struct stat *st, int flag,
                 struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* ---- Handlers ----------------------------------------------------------- */

static void h_echo(void *ctx, const struct http_req *req,
                   struct http_resp *resp)
{
    (void)ctx;
    if (req->json == NULL) {
        struct http_problem p = { .status = 415,
                                  .detail = "send application/json" };
        http_resp_problem(resp, &p);
        return;
    }
    http_resp_json(resp, 200, req->json);
}

static void h_item(void *ctx, const struct http_req *req,
                   struct http_resp *resp)
{
    (void)ctx;
    struct sv id = http_req_param(req, "id");
    struct sv q = http_req_arg(req, "q");
    json_t *j = json_pack(
        "{s:s%, s:s%, s:s, s:s%, s:s%, s:s%, s:s%, s:b}", "id", id.p, id.len,
        "q", q.p ? q.p : "", q.len, "ip", req->client_ip, "host",
        req->host.p ? req->host.p : "", req->host.len, "cookie",
        req->cookie.p ? req->cookie.p : "", req->cookie.len, "csrf",
        req->csrf_token.p ? req->csrf_token.p : "", req->csrf_token.len,
        "origin", req->origin.p ? req->origin.p : "", req->origin.len, "tls",
        req->is_tls);
    assert_non_null(j);
    http_resp_json(resp, 200, j);
    json_decref(j);
    http_resp_header_add(resp, "X-Item", "yes");
}

static void h_auth(void *ctx, const struct http_req *req,
                   struct http_resp *resp)
{
    (void)ctx;
    http_resp_set(resp, 200, "text/plain", req->authorization.p,
                  req->authorization.len);
}

static void h_broken(void *ctx, const struct http_req *req,
                     struct http_resp *resp)
{
    (void)ctx;
    (void)req;
    (void)resp; /* sets nothing: the server must answer 500 */
}

static void h_validation(void *ctx, const struct http_req *req,
                         struct http_resp *resp)
{
    (void)ctx;
    (void)req;
    struct http_problem p = {
        .status = 422,
        .type = "/problems/validation",
        .title = "Validation failed",
        .detail = "at least 8 characters",
        .field = "password",
        .rule = "min_length",
    };
    http_resp_problem(resp, &p);
}

static void add_routes(struct http_server *srv)
{
    assert_int_equal(
        http_server_route(srv, HTTP_POST, "/api/v1/echo", h_echo, NULL), 0);
    assert_int_equal(
        http_server_route(srv, HTTP_GET, "/api/v1/items/{id}", h_item, NULL),
        0);
    assert_int_equal(
        http_server_route(srv, HTTP_DELETE, "/api/v1/items/{id}", h_item, NULL),
        0);
    assert_int_equal(
        http_server_route(srv, HTTP_GET, "/api/v1/auth", h_auth, NULL), 0);
    assert_int_equal(
        http_server_route(srv, HTTP_GET, "/api/v1/broken", h_broken, NULL), 0);
    assert_int_equal(
        http_server_route(srv, HTTP_POST, "/api/v1/users", h_validation, NULL),
        0);
}

static int start_server(struct http_server **out,
                        const struct http_server_cfg *cfg)
{
    int rc = http_server_new(out, cfg);
    if (rc != 0) {
        return rc;
    }
    add_routes(*out);
    rc = http_server_start(*out);
    if (rc != 0) {
        http_server_free(*out);
        *out = NULL;
    }
    return rc;
}

static int setup(void **state)
{
    (void)state;
    memset(&fx, 0, sizeof(fx));
    snprintf(fx.dir, sizeof(fx.dir), "/tmp/sw_http_srv_XXXXXX");
    if (mkdtemp(fx.dir) == NULL) {
        return -1;
    }
    if (net_tls_selfsigned_ensure(fx.dir, "localhost", &fx.cert, &fx.key)
        != 0) {
        return -1;
    }
    snprintf(fx.www, sizeof(fx.www), "%s/www", fx.dir);
    mkdir(fx.www, 0700);
    char p[160];
    snprintf(p, sizeof(p), "%s/index.html", fx.www);
    write_file(p, "<!doctype html><h1>portal</h1>");
    snprintf(p, sizeof(p), "%s/app.js", fx.www);
    write_file(p, "console.log('portal');");
    snprintf(p, sizeof(p), "%s/secret.txt", fx.dir);
    write_file(p, "TOP-SECRET");

    struct http_server_cfg cfg;
    http_server_cfg_init(&cfg);
    cfg.listen = "*:0"; /* dual stack: IPv4 peers arrive IPv4-mapped */
    cfg.cert_path = fx.cert;
    cfg.key_path = fx.key;
    cfg.static_dir = fx.www;
    if (start_server(&fx.srv, &cfg) != 0) {
        return -1;
    }
    fx.port = http_server_port(fx.srv, false);
    return fx.port != 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    http_server_free(fx.srv);
    free(fx.cert);
    free(fx.key);
    nftw(fx.dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* ---- A small TLS / TCP client ------------------------------------------- */

struct client {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl; /* NULL for plain HTTP */
};

static int tcp_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    /* A safety net against a hung server, not a synchronisation. */
    struct timeval tv = { .tv_sec = 20 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Connect with TLS limited to [min_v, max_v]; 0 on handshake success. */
static int client_open(struct client *c, uint16_t port, int min_v, int max_v)
{
    memset(c, 0, sizeof(*c));
    c->fd = tcp_connect(port);
    assert_true(c->fd >= 0);
    c->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(c->ctx);
    /* Let the client offer old versions at all: the server must refuse. */
    SSL_CTX_set_security_level(c->ctx, 0);
    SSL_CTX_set_cipher_list(c->ctx, "ALL:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(c->ctx, min_v);
    SSL_CTX_set_max_proto_version(c->ctx, max_v);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_NONE, NULL);
    c->ssl = SSL_new(c->ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    return SSL_connect(c->ssl) == 1 ? 0 : -1;
}

static void client_open_plain(struct client *c, uint16_t port)
{
    memset(c, 0, sizeof(*c));
    c->fd = tcp_connect(port);
    assert_true(c->fd >= 0);
}

static void client_close(struct client *c)
{
    if (c->ssl != NULL) {
        SSL_free(c->ssl);
    }
    SSL_CTX_free(c->ctx);
    if (c->fd >= 0) {
        close(c->fd);
    }
    ERR_clear_error();
    memset(c, 0, sizeof(*c));
    c->fd = -1;
}

static void client_send(struct client *c, const void *p, size_t len)
{
    if (c->ssl != NULL) {
        assert_int_equal(SSL_write(c->ssl, p, (int)len), (int)len);
    } else {
        assert_int_equal(write(c->fd, p, len), (ssize_t)len);
    }
}

/* Bytes read, 0 at EOF, -1 on error or timeout. */
static int client_recv(struct client *c, char *p, size_t cap)
{
    if (c->ssl != NULL) {
        int n = SSL_read(c->ssl, p, (int)cap);
        if (n > 0) {
            return n;
        }
        return SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1;
    }
    ssize_t n = read(c->fd, p, cap);
    return n < 0 ? -1 : (int)n;
}

struct reply {
    int status;
    struct buf head; /* status line and headers */
    struct buf body;
    bool closed; /* the server closed after the response */
};

static void reply_fini(struct reply *r)
{
    buf_fini(&r->head);
    buf_fini(&r->body);
}

/* Header value (case-insensitive name) as a C string in 'dst', or NULL. */
static const char *reply_hdr(const struct reply *r, const char *name, char *dst,
                             size_t cap)
{
    size_t nl = strlen(name);
    const char *p = r->head.p;
    while (p != NULL && (p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *v = p + nl + 1;
            while (*v == ' ') {
                v++;
            }
            const char *e = strstr(v, "\r\n");
            size_t len = e ? (size_t)(e - v) : strlen(v);
            if (len >= cap) {
                len = cap - 1;
            }
            memcpy(dst, v, len);
            dst[len] = '\0';
            return dst;
        }
    }
    return NULL;
}

static int hdr_count(const struct reply *r, const char *name)
{
    int n = 0;
    size_t nl = strlen(name);
    const char *p = r->head.p;
    while (p != NULL && (p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            n++;
        }
    }
    return n;
}

/*
 * Read one response: the head, then Content-Length bytes of body (none for
 * HEAD), noting whether the server closed the connection afterwards.
 */
static void read_reply(struct client *c, struct reply *r, bool head_req)
{
    char chunk[4096];
    struct buf all;
    buf_init(&all, 1u << 22);
    buf_init(&r->head, 1u << 16);
    buf_init(&r->body, 1u << 22);
    r->status = 0;
    r->closed = false;
    size_t head_len = 0;
    long body_len = -1;
    for (;;) {
        if (head_len == 0 && all.len > 0) {
            const char *e = strstr(all.p, "\r\n\r\n");
            if (e != NULL) {
                head_len = (size_t)(e - all.p) + 4;
                buf_append(&r->head, all.p, head_len);
                char v[32];
                sscanf(all.p, "HTTP/1.%*d %d", &r->status);
                body_len = 0;
                if (!head_req && reply_hdr(r, "Content-Length", v, sizeof(v))) {
                    body_len = strtol(v, NULL, 10);
                }
            }
        }
        if (head_len > 0 && (long)(all.len - head_len) >= body_len) {
            buf_append(&r->body, all.p + head_len, (size_t)body_len);
            break;
        }
        int n = client_recv(c, chunk, sizeof(chunk));
        if (n <= 0) {
            r->closed = true;
            break;
        }
        buf_append(&all, chunk, (size_t)n);
    }
    buf_fini(&all);
}

/* Whether the server closes the connection now (EOF or error on read). */
static bool server_closed(struct client *c)
{
    char b[64];
    return client_recv(c, b, sizeof(b)) <= 0;
}

/* One request on a fresh TLS connection. */
static void exchange(const char *req, size_t len, struct reply *r)
{
    struct client c;
    assert_int_equal(client_open(&c, fx.port, TLS1_2_VERSION, TLS1_3_VERSION),
                     0);
    client_send(&c, req, len);
    read_reply(&c, r, strncmp(req, "HEAD ", 5) == 0);
    client_close(&c);
}

static void get(const char *path, struct reply *r)
{
    char req[1024];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", path);
    exchange(req, (size_t)n, r);
}

static json_t *body_json(const struct reply *r)
{
    json_error_t err;
    json_t *j = json_loadb(r->body.p, r->body.len, 0, &err);
    if (j == NULL) {
        fail_msg("body is not JSON: %s", err.text);
    }
    return j;
}

static void assert_problem(const struct reply *r, int status)
{
    char v[128];
    assert_int_equal(r->status, status);
    assert_non_null(reply_hdr(r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "application/problem+json");
    json_t *j = body_json(r);
    assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
    assert_non_null(json_string_value(json_object_get(j, "type")));
    assert_non_null(json_string_value(json_object_get(j, "title")));
    json_decref(j);
}

static void assert_security_headers(const struct reply *r, bool tls, bool api)
{
    char v[256];
    assert_non_null(reply_hdr(r, "Content-Security-Policy", v, sizeof(v)));
    assert_string_equal(v, "default-src 'self'; frame-ancestors 'none'; "
                           "object-src 'none'; base-uri 'none'");
    assert_non_null(reply_hdr(r, "X-Content-Type-Options", v, sizeof(v)));
    assert_string_equal(v, "nosniff");
    assert_non_null(reply_hdr(r, "Referrer-Policy", v, sizeof(v)));
    assert_string_equal(v, "no-referrer");
    assert_non_null(reply_hdr(r, "X-Frame-Options", v, sizeof(v)));
    assert_string_equal(v, "DENY");
    if (tls) {
        assert_non_null(
            reply_hdr(r, "Strict-Transport-Security", v, sizeof(v)));
        assert_string_equal(v, "max-age=31536000; includeSubDomains");
    } else {
        assert_null(reply_hdr(r, "Strict-Transport-Security", v, sizeof(v)));
    }
    if (api) {
        assert_non_null(reply_hdr(r, "Cache-Control", v, sizeof(v)));
        assert_string_equal(v, "no-store");
    }
    assert_null(reply_hdr(r, "Server", v, sizeof(v)));
    assert_int_equal(hdr_count(r, "Content-Security-Policy"), 1);
}

/* ---- Tests -------------------------------------------------------------- */

static void tls12_plus_only(void **state)
{
    (void)state;
    struct client c;
    assert_int_equal(client_open(&c, fx.port, TLS1_VERSION, TLS1_1_VERSION),
                     -1);
    client_close(&c);
    assert_int_equal(client_open(&c, fx.port, TLS1_VERSION, TLS1_VERSION), -1);
    client_close(&c);
    assert_int_equal(client_open(&c, fx.port, TLS1_2_VERSION, TLS1_2_VERSION),
                     0);
    assert_int_equal(SSL_version(c.ssl), TLS1_2_VERSION);
    client_close(&c);
    assert_int_equal(client_open(&c, fx.port, TLS1_3_VERSION, TLS1_3_VERSION),
                     0);
    assert_int_equal(SSL_version(c.ssl), TLS1_3_VERSION);
    client_close(&c);
}

static void not_found_is_problem_with_headers(void **state)
{
    (void)state;
    struct reply r;
    get("/api/v1/nothing-here", &r);
    assert_problem(&r, 404);
    assert_security_headers(&r, true, true);
    reply_fini(&r);
    /* Outside /api/ (static lookup fails): no Cache-Control: no-store. */
    get("/nothing-here.js", &r);
    assert_problem(&r, 404);
    assert_security_headers(&r, true, false);
    char v[64];
    assert_true(reply_hdr(&r, "Cache-Control", v, sizeof(v)) == NULL
                || strcmp(v, "no-store") != 0);
    reply_fini(&r);
}

static void wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    struct reply r;
    char v[64];
    static const char req[] = "PUT /api/v1/items/7 HTTP/1.1\r\n"
                              "Host: localhost\r\nContent-Length: 0\r\n\r\n";
    exchange(req, sizeof(req) - 1, &r);
    assert_problem(&r, 405);
    assert_non_null(reply_hdr(&r, "Allow", v, sizeof(v)));
    assert_string_equal(v, "GET, HEAD, DELETE");
    reply_fini(&r);

    /* Methods nobody routes are refused, never served. */
    static const char *const odd[] = {
        "BREW /api/v1/items/7 HTTP/1.1\r\nHost: x\r\n\r\n",
        "CONNECT localhost:443 HTTP/1.1\r\nHost: x\r\n\r\n",
        "TRACE /api/v1/items/7 HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        exchange(odd[i], strlen(odd[i]), &r);
        if (!(r.status >= 400 || (r.status == 0 && r.closed))) {
            fail_msg("'%.20s' answered %d", odd[i], r.status);
        }
        reply_fini(&r);
    }
}

static void params_query_headers_and_ip(void **state)
{
    (void)state;
    struct reply r;
    char v[64];
    static const char req[] =
        "GET /api/v1/items/abc-42?q=hello%20world&x=1 HTTP/1.1\r\n"
        "Host: localhost:8887\r\n"
        "Cookie: sid=s1\r\n"
        "X-CSRF-Token: tok123\r\n"
        "Origin: https://localhost:8887\r\n\r\n";
    exchange(req, sizeof(req) - 1, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(reply_hdr(&r, "X-Item", v, sizeof(v)));
    assert_security_headers(&r, true, true);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "id")), "abc-42");
    assert_string_equal(json_string_value(json_object_get(j, "q")),
                        "hello world");
    /* Connected over IPv4 to a dual-stack listener: normalised. */
    assert_string_equal(json_string_value(json_object_get(j, "ip")),
                        "127.0.0.1");
    assert_string_equal(json_string_value(json_object_get(j, "host")),
                        "localhost:8887");
    assert_string_equal(json_string_value(json_object_get(j, "cookie")),
                        "sid=s1");
    assert_string_equal(json_string_value(json_object_get(j, "csrf")),
                        "tok123");
    assert_string_equal(json_string_value(json_object_get(j, "origin")),
                        "https://localhost:8887");
    assert_true(json_is_true(json_object_get(j, "tls")));
    json_decref(j);
    reply_fini(&r);

    static const char auth[] = "GET /api/v1/auth HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer abc.def\r\n\r\n";
    exchange(auth, sizeof(auth) - 1, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, strlen("Bearer abc.def"));
    assert_memory_equal(r.body.p, "Bearer abc.def", r.body.len);
    reply_fini(&r);
}

static void json_echo_and_bad_json(void **state)
{
    (void)state;
    struct reply r;
    char req[512];
    const char *doc = "{\"name\":\"alice\",\"ext\":201,\"tags\":[1,2]}";
    int n = snprintf(req, sizeof(req),
                     "POST /api/v1/echo HTTP/1.1\r\nHost: localhost\r\n"
                     "Content-Type: application/json; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(doc), doc);
    exchange(req, (size_t)n, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body.len, strlen(doc));
    assert_memory_equal(r.body.p, doc, r.body.len);
    reply_fini(&r);

    const char *bad = "{\"name\": \"alice\",";
    n = snprintf(req, sizeof(req),
                 "POST /api/v1/echo HTTP/1.1\r\nHost: localhost\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 strlen(bad), bad);
    exchange(req, (size_t)n, &r);
    assert_problem(&r, 400);
    reply_fini(&r);

    /* Duplicate keys are refused as malformed too. */
    const char *dup = "{\"a\":1,\"a\":2}";
    n = snprintf(req, sizeof(req),
                 "POST /api/v1/echo HTTP/1.1\r\nHost: localhost\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: %zu\r\n\r\n%s",
                 strlen(dup), dup);
    exchange(req, (size_t)n, &r);
    assert_problem(&r, 400);
    reply_fini(&r);

    /* A validation problem from a handler keeps field and rule. */
    n = snprintf(req, sizeof(req),
                 "POST /api/v1/users HTTP/1.1\r\nHost: localhost\r\n"
                 "Content-Type: application/json\r\n"
                 "Content-Length: 2\r\n\r\n{}");
    exchange(req, (size_t)n, &r);
    assert_problem(&r, 422);
    json_t *j = body_json(&r);
    assert_string_equal(json_string_value(json_object_get(j, "field")),
                        "password");
    assert_string_equal(json_string_value(json_object_get(j, "rule")),
                        "min_length");
    json_decref(j);
    reply_fini(&r);
}

static void handler_without_response_is_500(void **state)
{
    (void)state;
    struct reply r;
    get("/api/v1/broken", &r);
    assert_problem(&r, 500);
    reply_fini(&r);
}

static void body_too_large_is_413(void **state)
{
    (void)state;
    struct client c;
    struct reply r;
    /* Declared too large: refused before any body byte is read. */
    static const char req[] = "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: 65537\r\n\r\n";
    assert_int_equal(client_open(&c, fx.port, TLS1_2_VERSION, TLS1_3_VERSION),
                     0);
    client_send(&c, req, sizeof(req) - 1);
    read_reply(&c, &r, false);
    assert_problem(&r, 413);
    char v[32];
    assert_non_null(reply_hdr(&r, "Connection", v, sizeof(v)));
    assert_string_equal(v, "close");
    assert_true(r.closed || server_closed(&c));
    reply_fini(&r);
    client_close(&c);

    /* Exactly the cap is fine (and is parsed as JSON). */
    size_t cap = HTTP_DEFAULT_BODY_MAX;
    char *big = malloc(cap + 256);
    assert_non_null(big);
    int n = snprintf(big, 256,
                     "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n"
                     "Content-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n{\"k\":\"",
                     cap);
    memset(big + n, 'a', cap - 8);
    memcpy(big + (size_t)n + cap - 8, "\"}", 2);
    exchange(big, (size_t)n + cap - 6, &r);
    if (r.status != 200) {
        fail_msg("status %d: %.*s", r.status, (int)r.body.len, r.body.p);
    }
    assert_int_equal(r.body.len, cap);
    reply_fini(&r);
    free(big);

    /* Chunked bodies are not taken (no Content-Length to cap up front). */
    static const char chunked[] = "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n"
                                  "2\r\n{}\r\n0\r\n\r\n";
    exchange(chunked, sizeof(chunked) - 1, &r);
    assert_true(r.status == 411 || r.status == 400);
    reply_fini(&r);
}

static void static_files_and_traversal(void **state)
{
    (void)state;
    struct reply r;
    char v[128];
    get("/", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(reply_hdr(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "text/html; charset=utf-8");
    assert_int_equal(r.body.len, strlen("<!doctype html><h1>portal</h1>"));
    assert_memory_equal(r.body.p, "<!doctype html><h1>portal</h1>", r.body.len);
    assert_security_headers(&r, true, false);
    reply_fini(&r);

    get("/app.js", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(reply_hdr(&r, "Content-Type", v, sizeof(v)));
    assert_string_equal(v, "text/javascript; charset=utf-8");
    assert_memory_equal(r.body.p, "console.log('portal');", r.body.len);
    reply_fini(&r);

    /* HEAD: the same headers, no body. */
    static const char head[] = "HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\n";
    exchange(head, sizeof(head) - 1, &r);
    assert_int_equal(r.status, 200);
    assert_non_null(reply_hdr(&r, "Content-Length", v, sizeof(v)));
    assert_int_equal(strtol(v, NULL, 10), strlen("console.log('portal');"));
    assert_int_equal(r.body.len, 0);
    reply_fini(&r);

    static const char *const evil[] = {
        "/../secret.txt",       "/%2e%2e/secret.txt",  "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt", "/a/../../secret.txt", "/%252e%252e/secret.txt",
        "/.%2e/secret.txt",     "/..\\secret.txt",     "/....//secret.txt",
    };
    for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
        get(evil[i], &r);
        if (r.status == 200 || (r.body.p && strstr(r.body.p, "TOP-SECRET"))) {
            fail_msg("'%s' answered %d", evil[i], r.status);
        }
        reply_fini(&r);
    }
    /* The API prefix never falls through to files. */
    get("/api/index.html", &r);
    assert_problem(&r, 404);
    reply_fini(&r);
}

static void keep_alive_serves_several(void **state)
{
    (void)state;
    struct client c;
    struct reply r;
    assert_int_equal(client_open(&c, fx.port, TLS1_2_VERSION, TLS1_3_VERSION),
                     0);
    for (int i = 0; i < 3; i++) {
        static const char req[] = "GET /api/v1/items/1 HTTP/1.1\r\n"
                                  "Host: x\r\n\r\n";
        client_send(&c, req, sizeof(req) - 1);
        read_reply(&c, &r, false);
        assert_int_equal(r.status, 200);
        assert_false(r.closed);
        reply_fini(&r);
    }
    client_close(&c);
}

static void counters_move(void **state)
{
    (void)state;
    struct http_stats before, after;
    struct reply r;
    http_server_stats(fx.srv, &before);
    get("/api/v1/items/1", &r);
    reply_fini(&r);
    get("/api/v1/none", &r);
    reply_fini(&r);
    http_server_stats(fx.srv, &after);
    assert_int_equal(after.requests - before.requests, 2);
    assert_int_equal(after.responses[2] - before.responses[2], 1);
    assert_int_equal(after.responses[4] - before.responses[4], 1);
    assert_int_equal(after.errors - before.errors, 1);
    assert_true(after.bytes_out > before.bytes_out);
}

/* ---- Servers of their own ----------------------------------------------- */

static void slow_body_is_408(void **state)
{
    (void)state;
    struct http_server *srv = NULL;
    struct http_server_cfg cfg;
    http_server_cfg_init(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.cert_path = fx.cert;
    cfg.key_path = fx.key;
    cfg.timeout_ms = 300;
    assert_int_equal(start_server(&srv, &cfg), 0);
    uint16_t port = http_server_port(srv, false);

    struct client c;
    struct reply r;
    static const char req[] = "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n"
                              "Content-Type: application/json\r\n"
                              "Content-Length: 20\r\n\r\n{\"a\":";
    assert_int_equal(client_open(&c, port, TLS1_2_VERSION, TLS1_3_VERSION), 0);
    client_send(&c, req, sizeof(req) - 1);
    /* Blocks until the server's deadline fires. */
    read_reply(&c, &r, false);
    assert_problem(&r, 408);
    assert_true(r.closed || server_closed(&c));
    reply_fini(&r);
    client_close(&c);

    /* Headers that never end: the same deadline drops the connection (no
     * response can be framed before the headers are in). */
    static const char slow[] = "GET /api/v1/items/1 HTTP/1.1\r\nHost: x\r\n";
    assert_int_equal(client_open(&c, port, TLS1_2_VERSION, TLS1_3_VERSION), 0);
    client_send(&c, slow, sizeof(slow) - 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    read_reply(&c, &r, false);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(r.closed);
    assert_int_equal(r.status, 0);
    /* Closed by the server's 300 ms deadline, not by lws's own slower
     * timers (seen at 10 s) nor the client's 20 s safety net. */
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    reply_fini(&r);
    client_close(&c);
    http_server_free(srv);
}

static void h_prefix(void *ctx, const struct http_req *req,
                     struct http_resp *resp)
{
    char body[160];
    (void)ctx;
    snprintf(body, sizeof(body), "prefix %s %.*s",
             http_method_name(req->method), SV_FMT(req->path));
    http_resp_set(resp, 200, "text/plain", body, strlen(body));
}

/* One "GET path" on a fresh plain connection to 'port'. */
static void plain_get(uint16_t port, const char *path, struct reply *r)
{
    struct client c;
    char req[256];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path);
    client_open_plain(&c, port);
    client_send(&c, req, (size_t)n);
    read_reply(&c, r, false);
    client_close(&c);
}

/* http_server_prefix and the provisioning-only plain listener: the prefix
 * handler gets every method and path under it (no-store), before routes
 * and static files; prov_listen serves the prefix and 404s the rest. */
static void prefix_and_prov_listener(void **state)
{
    (void)state;
    struct http_server *srv = NULL;
    struct http_server_cfg cfg;
    http_server_cfg_init(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.prov_listen = "127.0.0.1:0";
    cfg.cert_path = fx.cert;
    cfg.key_path = fx.key;
    cfg.static_dir = fx.www;
    assert_int_equal(http_server_new(&srv, &cfg), 0);
    add_routes(srv);
    assert_int_equal(http_server_prefix(srv, "/prov", h_prefix, NULL), -EINVAL);
    assert_int_equal(http_server_prefix(srv, "/prov/", h_prefix, NULL), 0);
    assert_int_equal(http_server_prefix(srv, "/x/", h_prefix, NULL), -EEXIST);
    assert_int_equal(http_server_start(srv), 0);
    assert_int_equal(http_server_prefix(srv, "/y/", h_prefix, NULL), -EBUSY);
    uint16_t prov = http_server_prov_port(srv);
    assert_true(prov != 0);
    assert_int_equal(http_server_port(srv, true), 0);

    struct reply r;
    char v[64];
    plain_get(prov, "/prov/abc/config.xml", &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body.p, "prefix GET /prov/abc/config.xml", 31);
    assert_non_null(reply_hdr(&r, "Cache-Control", v, sizeof(v)));
    assert_string_equal(v, "no-store");
    reply_fini(&r);
    plain_get(prov, "/prov", &r);
    assert_int_equal(r.status, 200);
    reply_fini(&r);
    /* Neither the API nor the portal on the provisioning listener. */
    plain_get(prov, "/api/v1/items/9", &r);
    assert_int_equal(r.status, 404);
    reply_fini(&r);
    plain_get(prov, "/index.html", &r);
    assert_int_equal(r.status, 404);
    reply_fini(&r);
    plain_get(prov, "/provisioning", &r);
    assert_int_equal(r.status, 404);
    reply_fini(&r);

    /* On HTTPS the prefix wins over routes and files, any method. */
    struct client c;
    static const char del[] = "DELETE /prov/x HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(client_open(&c, http_server_port(srv, false),
                                 TLS1_2_VERSION, TLS1_3_VERSION),
                     0);
    client_send(&c, del, sizeof(del) - 1);
    read_reply(&c, &r, false);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body.p, "prefix DELETE /prov/x", 21);
    reply_fini(&r);
    client_close(&c);
    assert_int_equal(client_open(&c, http_server_port(srv, false),
                                 TLS1_2_VERSION, TLS1_3_VERSION),
                     0);
    static const char item[] =
        "GET /api/v1/items/9 HTTP/1.1\r\nHost: x\r\n\r\n";
    client_send(&c, item, sizeof(item) - 1);
    read_reply(&c, &r, false);
    assert_int_equal(r.status, 200);
    reply_fini(&r);
    client_close(&c);
    http_server_free(srv);
}

static void plain_listener_optional(void **state)
{
    (void)state;
    /* Off by default. */
    assert_int_equal(http_server_port(fx.srv, true), 0);

    struct http_server *srv = NULL;
    struct http_server_cfg cfg;
    http_server_cfg_init(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.plain_listen = "127.0.0.1:0";
    cfg.cert_path = fx.cert;
    cfg.key_path = fx.key;
    assert_int_equal(start_server(&srv, &cfg), 0);
    uint16_t plain = http_server_port(srv, true);
    assert_true(plain != 0);
    assert_true(plain != http_server_port(srv, false));

    struct client c;
    struct reply r;
    static const char req[] = "GET /api/v1/items/9 HTTP/1.1\r\nHost: x\r\n\r\n";
    client_open_plain(&c, plain);
    client_send(&c, req, sizeof(req) - 1);
    read_reply(&c, &r, false);
    assert_int_equal(r.status, 200);
    assert_security_headers(&r, false, true);
    json_t *j = body_json(&r);
    assert_true(json_is_false(json_object_get(j, "tls")));
    json_decref(j);
    reply_fini(&r);
    client_close(&c);
    http_server_free(srv);

    /* With plain_redirect every plain request is sent to HTTPS. */
    cfg.plain_redirect = true;
    assert_int_equal(start_server(&srv, &cfg), 0);
    plain = http_server_port(srv, true);
    client_open_plain(&c, plain);
    static const char req2[] = "GET /app?x=1 HTTP/1.1\r\n"
                               "Host: pbx.example.com:8888\r\n\r\n";
    client_send(&c, req2, sizeof(req2) - 1);
    read_reply(&c, &r, false);
    assert_int_equal(r.status, 308);
    char v[128], want[128];
    snprintf(want, sizeof(want), "https://pbx.example.com:%u/app?x=1",
             (unsigned)http_server_port(srv, false));
    assert_non_null(reply_hdr(&r, "Location", v, sizeof(v)));
    assert_string_equal(v, want);
    reply_fini(&r);
    client_close(&c);
    http_server_free(srv);
}

static void stop_with_open_connections(void **state)
{
    (void)state;
    struct http_server *srv = NULL;
    struct http_server_cfg cfg;
    http_server_cfg_init(&cfg);
    cfg.listen = "127.0.0.1:0";
    cfg.cert_path = fx.cert;
    cfg.key_path = fx.key;
    assert_int_equal(start_server(&srv, &cfg), 0);
    uint16_t port = http_server_port(srv, false);

    /* One idle after a request, one mid-body, one mid-handshake (TCP). */
    struct client a, b;
    struct reply r;
    assert_int_equal(client_open(&a, port, TLS1_2_VERSION, TLS1_3_VERSION), 0);
    static const char req[] = "GET /api/v1/items/1 HTTP/1.1\r\nHost: x\r\n\r\n";
    client_send(&a, req, sizeof(req) - 1);
    read_reply(&a, &r, false);
    assert_int_equal(r.status, 200);
    reply_fini(&r);
    assert_int_equal(client_open(&b, port, TLS1_2_VERSION, TLS1_3_VERSION), 0);
    static const char part[] = "POST /api/v1/echo HTTP/1.1\r\nHost: x\r\n"
                               "Content-Length: 100\r\n\r\n{";
    client_send(&b, part, sizeof(part) - 1);
    int raw = tcp_connect(port);
    assert_true(raw >= 0);

    http_server_stop(srv);
    assert_int_equal(http_server_port(srv, false), 0);
    /* The server closed them all. */
    assert_true(server_closed(&a));
    assert_true(server_closed(&b));
    char x;
    assert_true(read(raw, &x, 1) <= 0);
    close(raw);
    client_close(&a);
    client_close(&b);

    /* Stop is idempotent; a stopped server can start again. */
    http_server_stop(srv);
    assert_int_equal(http_server_start(srv), 0);
    assert_int_equal(http_server_start(srv), -EALREADY);
    assert_true(http_server_port(srv, false) != 0);
    assert_int_equal(http_server_route(srv, HTTP_GET, "/late", h_auth, NULL),
                     -EBUSY);
    http_server_free(srv);
}

static void start_failures(void **state)
{
    (void)state;
    struct http_server *srv = NULL;
    struct http_server_cfg cfg;
    http_server_cfg_init(&cfg);
    assert_int_equal(http_server_new(&srv, &cfg), -EINVAL); /* no cert */
    cfg.cert_path = fx.cert;
    cfg.key_path = fx.key;
    cfg.listen = "localhost:1";
    assert_int_equal(http_server_new(&srv, &cfg), -EINVAL);
    cfg.listen = "127.0.0.1:0";
    cfg.body_max = 0;
    assert_int_equal(http_server_new(&srv, &cfg), -EINVAL);
    cfg.body_max = 1024;

    /* The port is taken: start fails cleanly and can be retried. */
    char listen[32];
    snprintf(listen, sizeof(listen), "127.0.0.1:%u", (unsigned)fx.port);
    cfg.listen = listen;
    assert_int_equal(http_server_new(&srv, &cfg), 0);
    assert_true(http_server_start(srv) < 0);
    assert_int_equal(http_server_port(srv, false), 0);
    http_server_free(srv);

    /* Missing key file. */
    cfg.listen = "127.0.0.1:0";
    cfg.key_path = "/nonexistent/key.pem";
    assert_int_equal(http_server_new(&srv, &cfg), 0);
    assert_int_equal(http_server_start(srv), -ENOENT);
    http_server_free(srv);

    /* Missing portal directory. */
    cfg.key_path = fx.key;
    cfg.static_dir = "/nonexistent/www";
    assert_int_equal(http_server_new(&srv, &cfg), 0);
    assert_int_equal(http_server_start(srv), -ENOENT);
    http_server_free(srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls12_plus_only),
        cmocka_unit_test(not_found_is_problem_with_headers),
        cmocka_unit_test(wrong_method_is_405_with_allow),
        cmocka_unit_test(params_query_headers_and_ip),
        cmocka_unit_test(json_echo_and_bad_json),
        cmocka_unit_test(handler_without_response_is_500),
        cmocka_unit_test(body_too_large_is_413),
        cmocka_unit_test(static_files_and_traversal),
        cmocka_unit_test(keep_alive_serves_several),
        cmocka_unit_test(counters_move),
        cmocka_unit_test(slow_body_is_408),
        cmocka_unit_test(plain_listener_optional),
        cmocka_unit_test(prefix_and_prov_listener),
        cmocka_unit_test(stop_with_open_connections),
        cmocka_unit_test(start_failures),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
