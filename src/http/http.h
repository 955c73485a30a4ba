/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTPS server of the admin plane: requests, responses, handlers and the
 * server's life cycle. The server runs libwebsockets on its own thread and
 * event loop; handlers registered here run on that thread. It applies the
 * transport rules every response shares (TLS 1.2+, security headers, size
 * and time caps, problem+json errors, static files); what a request means
 * (sessions, permissions, the REST resources) is left to the handlers.
 */
#ifndef SW_HTTP_HTTP_H
#define SW_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/sv.h"
#include "net/addr.h"

struct net_tls_ctx;

/* ---- Methods ------------------------------------------------------------ */

enum http_method {
    HTTP_GET = 0,
    HTTP_HEAD,
    HTTP_POST,
    HTTP_PUT,
    HTTP_PATCH,
    HTTP_DELETE,
    HTTP_OPTIONS,
    HTTP_METHOD_COUNT,
};

/* "GET", "HEAD", ...; "?" for a value outside the enum. */
const char *http_method_name(enum http_method m);

/* ---- Requests ----------------------------------------------------------- */

#define HTTP_MAX_PARAMS 8  /* {param} segments in one route pattern */
#define HTTP_MAX_QUERY  32 /* query arguments kept per request */

/* A name/value pair: a path {param} or a query argument. */
struct http_param {
    struct sv name;
    struct sv value;
};

/*
 * One request as a handler sees it. Every view points into storage owned by
 * the connection and is valid only during the handler call; copy what must
 * outlive it. Headers that were absent are SV_NULL.
 */
struct http_req {
    enum http_method method;
    struct sv path;  /* percent-decoded, starts with '/', no query */
    struct sv query; /* decoded arguments joined by '&' (for logs) */
    struct http_param args[HTTP_MAX_QUERY]; /* query "name=value" pairs */
    size_t n_args;
    struct http_param params[HTTP_MAX_PARAMS]; /* {param}s of the route */
    size_t n_params;
    struct sv host;
    struct sv cookie; /* all Cookie headers, joined by "; " */
    struct sv authorization;
    struct sv content_type;
    struct sv csrf_token; /* X-CSRF-Token */
    struct sv origin;
    struct sv body;       /* raw body bytes (at most cfg.body_max) */
    const json_t *json;   /* parsed body when Content-Type is JSON, else
                             NULL; borrowed: json_incref() to keep it */
    struct net_addr peer; /* client address, IPv4-mapped normalised */
    char client_ip[46];   /* the peer's IP as text ("203.0.113.9") */
    bool is_tls;          /* arrived on the HTTPS listener */
};

/* The value of path parameter 'name' ("id" for "{id}"), or SV_NULL. */
struct sv http_req_param(const struct http_req *req, const char *name);

/* The value of query argument 'name' (first occurrence), or SV_NULL. */
struct sv http_req_arg(const struct http_req *req, const char *name);

/* ---- Responses ---------------------------------------------------------- */

#define HTTP_RESP_MAX_HDRS 16          /* headers a handler may add */
#define HTTP_HDR_NAME_MAX  64          /* bytes of a header name */
#define HTTP_RESP_BODY_MAX (16u << 20) /* bytes of a built response body */
#define HTTP_CT_JSON       "application/json"
#define HTTP_CT_PROBLEM    "application/problem+json"

/* A response header as a name/value pair of C strings. */
struct http_hdr {
    const char *name;
    const char *value;
};

/*
 * What a handler fills in. The server owns it (initialised before the
 * handler runs, released after the response was sent); handlers use the
 * http_resp_* functions, never the fields. A handler that leaves 'status'
 * at 0, or whose builders failed (err != 0), yields a 500 problem.
 */
struct http_resp {
    int status;             /* 100..599, 0 = not set */
    char content_type[128]; /* "" = no body type */
    struct buf hdr_store;   /* names and values of hdrs[], NUL-ended */
    size_t hdr_off[HTTP_RESP_MAX_HDRS][2]; /* offsets into hdr_store */
    size_t n_hdrs;
    struct buf body;   /* response body, capped at HTTP_RESP_BODY_MAX */
    int file_fd;       /* static file streamed as the body, or -1 */
    uint64_t file_len; /* bytes of file_fd to send */
    int err;           /* first builder error (sticky), 0 if none */
};

/* Prepare / release a response (the server does this around handlers). */
void http_resp_init(struct http_resp *resp);
void http_resp_fini(struct http_resp *resp);

/*
 * Add a response header. Refuses (-EINVAL) names that are not HTTP tokens
 * of at most HTTP_HDR_NAME_MAX bytes, values with CR or LF (a value ends at
 * its NUL), and the headers the server owns: Content-Type
 * and Content-Length (use the body setters), Connection, Transfer-Encoding,
 * Server, and the security headers listed by http_std_headers(). -ENOSPC
 * past HTTP_RESP_MAX_HDRS. Errors also set resp->err.
 */
int http_resp_header_add(struct http_resp *resp, const char *name,
                         const char *value);

/*
 * Set status and body: 'content_type' (NULL or "" for none) and 'len' bytes
 * copied from 'body' (NULL allowed when len == 0). Replaces an earlier body.
 * Returns 0, -EINVAL (status outside 100..599, type with CR/LF or too long)
 * or -ENOSPC (body over HTTP_RESP_BODY_MAX); errors also set resp->err.
 */
int http_resp_set(struct http_resp *resp, int status, const char *content_type,
                  const void *body, size_t len);

/*
 * Status and a JSON body serialised compactly from 'json' (not stolen).
 * Returns 0 or a negative errno as http_resp_set(), -ENOMEM if jansson
 * fails to serialise.
 */
int http_resp_json(struct http_resp *resp, int status, const json_t *json);

/*
 * An RFC 9457 problem. NULL members are left out of the document except:
 * 'type' defaults to "about:blank" and 'title' to the status's reason
 * phrase. 'field' and 'rule' name the input that failed validation and the
 * rule it broke ("password", "min_length").
 */
struct http_problem {
    int status;         /* 400..599 */
    const char *type;   /* URI reference, or NULL */
    const char *title;  /* short, same for every instance, or NULL */
    const char *detail; /* this occurrence, or NULL */
    const char *field;  /* validation: the offending field, or NULL */
    const char *rule;   /* validation: the broken rule, or NULL */
};

/*
 * Serialise 'p' as application/problem+json into 'out' (appended). Returns
 * 0, -EINVAL (status outside 400..599) or -ENOMEM / -ENOSPC.
 */
int http_problem_build(const struct http_problem *p, struct buf *out);

/* Make 'resp' the problem 'p'. Returns as http_problem_build(). */
int http_resp_problem(struct http_resp *resp, const struct http_problem *p);

/* Reason phrase of a status ("Not Found"); "Unknown" when not listed. */
const char *http_status_reason(int status);

/*
 * The headers every response carries, written into out[0..cap): CSP,
 * X-Content-Type-Options, Referrer-Policy, X-Frame-Options; with 'is_tls'
 * also Strict-Transport-Security; with 'is_api' (path under /api/) also
 * Cache-Control: no-store. Returns the number written (at most cap).
 */
size_t http_std_headers(bool is_tls, bool is_api, struct http_hdr *out,
                        size_t cap);

/* ---- Handlers and routes ------------------------------------------------ */

/*
 * A route handler. Runs on the server thread, one request at a time, and
 * must not block (no disk or network waits beyond a quick SQLite call): a
 * slow handler stalls every connection. 'req' and its views are valid for
 * the call only; 'resp' is filled by the handler.
 */
typedef void http_handler_fn(void *ctx, const struct http_req *req,
                             struct http_resp *resp);

/* ---- The server --------------------------------------------------------- */

#define HTTP_DEFAULT_LISTEN     "*:8887"
#define HTTP_DEFAULT_BODY_MAX   (64u * 1024u)
#define HTTP_DEFAULT_TIMEOUT_MS 10000u

struct http_server_cfg {
    const char *listen;       /* HTTPS bind "ADDR:PORT" (net_addr_parse_bind);
                                 port 0 picks a free one */
    const char *cert_path;    /* PEM certificate chain, required */
    const char *key_path;     /* PEM private key, required */
    const char *plain_listen; /* plain-HTTP bind ("*:8888" style), NULL =
                                 off (the default) */
    bool plain_redirect;      /* plain HTTP answers 308 to HTTPS instead of
                                 serving (off by default) */
    const char *prov_listen;  /* plain-HTTP bind that serves only the
                                 prefix handler's paths (phone
                                 provisioning), NULL = off (the default) */
    const char *static_dir;   /* portal files served for GET/HEAD outside
                                 /api/, NULL = none */
    size_t body_max;          /* request body cap, bytes (-> 413) */
    uint32_t timeout_ms;      /* time cap for one request: a body still
                                 incomplete gets 408; headers still
                                 incomplete get the connection closed
                                 (lws times that phase in whole seconds) */
    uint32_t max_conns;       /* simultaneous connections, 0 = lws default */
    struct net_tls_ctx *tls;  /* NULL, or the certificates every HTTPS
                                 handshake switches to (SNI per tenant,
                                 reloads); not owned, outlives the server */
};

/* Fill 'cfg' with the defaults above (all paths NULL). */
void http_server_cfg_init(struct http_server_cfg *cfg);

struct http_server;

/*
 * Allocate a server for 'cfg' (strings are copied). Nothing is bound until
 * http_server_start(). Returns 0 and *out, or -EINVAL (missing cert/key,
 * bad listen address, body_max 0 or timeout_ms 0) or -ENOMEM.
 */
int http_server_new(struct http_server **out,
                    const struct http_server_cfg *cfg);

/*
 * Register 'fn' for 'method' on 'pattern': "/api/v1/users/{id}" where a
 * {name} segment matches one non-empty path segment. Literal segments win
 * over {param}s; GET routes also answer HEAD. Only before start. Returns 0,
 * -EINVAL (bad pattern, NULL fn), -EEXIST (same method and shape), -EBUSY
 * (server running) or -ENOMEM.
 */
int http_server_route(struct http_server *srv, enum http_method method,
                      const char *pattern, http_handler_fn *fn, void *ctx);

/*
 * Send every request whose path is 'prefix' without its trailing '/' or
 * starts with 'prefix' ("/prov/"), whatever the method, to 'fn' instead
 * of the routes and the static files; its answers carry Cache-Control:
 * no-store like the API's. One prefix per server; it is the
 * only thing the prov_listen listener serves (anything else there is
 * 404). 'prefix' must start and end with '/' (copied). Only before start.
 * Returns 0, -EINVAL, -EEXIST (a prefix is set), -EBUSY or -ENOMEM.
 */
int http_server_prefix(struct http_server *srv, const char *prefix,
                       http_handler_fn *fn, void *ctx);

/*
 * Start the server thread, bind the listeners and return once they accept
 * connections (or failed to). HTTP/1.1 only (ALPN "http/1.1"), TLS 1.2+
 * with ECDHE AEAD suites (TLS 1.3 suites are OpenSSL's defaults), no
 * WebSocket upgrade yet. Returns 0, -EALREADY (running), -ENOENT / -EACCES
 * (certificate, key or static_dir unreadable), -EIO (could not bind, or
 * lws refused the certificate) or another negative errno; on failure the
 * thread is gone and start may be tried again.
 */
int http_server_start(struct http_server *srv);

/*
 * The bound port of the HTTPS listener ('plain' false) or of the plain one;
 * 0 when that listener is not running. Any thread.
 */
uint16_t http_server_port(const struct http_server *srv, bool plain);

/* The bound port of the prov_listen listener; 0 when not running. */
uint16_t http_server_prov_port(const struct http_server *srv);

/*
 * Stop: close the listeners and every connection, end the loop and join the
 * thread. Idempotent; a no-op when not started. Not from a handler.
 */
void http_server_stop(struct http_server *srv);

/* Stop if needed and release everything. NULL is a no-op. */
void http_server_free(struct http_server *srv);

/* Counters since the server was created. */
struct http_stats {
    uint64_t requests;     /* requests received (headers complete) */
    uint64_t responses[6]; /* by class: [1] 1xx .. [5] 5xx */
    uint64_t errors;       /* requests refused by the server itself
                              (4xx/5xx it generated), handler failures,
                              connections dropped while answering */
    uint64_t bytes_in;     /* request body bytes */
    uint64_t bytes_out;    /* response header and body bytes */
};

/* Snapshot the counters. Any thread. */
void http_server_stats(const struct http_server *srv, struct http_stats *out);

struct hist_snap;

/* Snapshot the route handlers' times (base/hist.h). Any thread. */
void http_server_latency(const struct http_server *srv, struct hist_snap *out);

#endif
