/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The route table: (method, path pattern) -> handler, with {param} segment
 * extraction and the 404-versus-405 decision. Pure data, no I/O: the server
 * owns one and consults it per request.
 */
#ifndef SW_HTTP_ROUTER_H
#define SW_HTTP_ROUTER_H

#include <stddef.h>

#include "base/sv.h"
#include "http/http.h"

#define HTTP_ROUTE_MAX_SEGS 16 /* segments in one pattern */

struct http_route {
    enum http_method method;
    char *pattern;                       /* owned copy, for logs */
    struct sv segs[HTTP_ROUTE_MAX_SEGS]; /* views into 'pattern' */
    unsigned param_mask;                 /* bit i set: segs[i] is a {param} */
    size_t n_segs;
    http_handler_fn *fn;
    void *ctx;
};

struct http_router {
    struct http_route *routes; /* owned array */
    size_t n_routes;
    size_t routes_cap;
};

enum http_match_res {
    HTTP_MATCH_OK = 0,    /* a route for this method and path */
    HTTP_MATCH_NO_PATH,   /* no pattern matches the path: 404 */
    HTTP_MATCH_NO_METHOD, /* the path matches, the method does not: 405 */
};

struct http_match {
    const struct http_route *route;            /* HTTP_MATCH_OK only */
    struct http_param params[HTTP_MAX_PARAMS]; /* views into the path */
    size_t n_params;
    unsigned allow_mask; /* bit per enum http_method allowed on the path */
};

void http_router_init(struct http_router *r);
void http_router_fini(struct http_router *r);

/*
 * Add a route. 'pattern' is "/" or "/seg/.../seg" where a segment is
 * literal (RFC 3986 unreserved characters plus ':' '@' '!' '$' '&' '\''
 * '(' ')' '*' '+' ',' ';' '=') or "{name}" (name: [a-z_][a-z0-9_]*), up
 * to HTTP_ROUTE_MAX_SEGS segments and HTTP_MAX_PARAMS params, no empty
 * segment. Returns 0, -EINVAL, -EEXIST (same method and same shape, param
 * names aside) or -ENOMEM.
 */
int http_router_add(struct http_router *r, enum http_method method,
                    const char *pattern, http_handler_fn *fn, void *ctx);

/*
 * Match 'method' and 'path' (decoded, starting with '/', no query). Among
 * matching patterns the one whose first differing segment is literal wins.
 * HEAD falls back to GET routes. On HTTP_MATCH_OK out->route and params are
 * set; on HTTP_MATCH_NO_METHOD out->allow_mask lists the methods the path
 * has (for the Allow header). Params are views into 'path'.
 */
enum http_match_res http_router_match(const struct http_router *r,
                                      enum http_method method, struct sv path,
                                      struct http_match *out);

/*
 * Write the Allow header value for 'mask' ("GET, HEAD, POST") into 'dst'
 * (cap bytes, NUL-terminated). Returns 0 or -ENOSPC.
 */
int http_allow_fmt(unsigned mask, char *dst, size_t cap);

#endif
