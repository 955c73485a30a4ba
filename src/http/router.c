/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Route table and matching. Patterns are split into segments once, at
 * registration; matching walks the request path segment by segment without
 * copying. The table is small (tens of routes), so a linear scan with a
 * specificity score is enough and keeps the rules obvious.
 */
#include "http/router.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void http_router_init(struct http_router *r)
{
    memset(r, 0, sizeof(*r));
}

void http_router_fini(struct http_router *r)
{
    for (size_t i = 0; i < r->n_routes; i++) {
        free(r->routes[i].pattern);
    }
    free(r->routes);
    memset(r, 0, sizeof(*r));
}

static bool seg_char_ok(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')) {
        return true;
    }
    return strchr("-._~:@!$&'()*+,;=", c) != NULL && c != '\0';
}

static bool param_name_ok(struct sv name)
{
    if (name.len == 0 || name.len > 32) {
        return false;
    }
    for (size_t i = 0; i < name.len; i++) {
        char c = name.p[i];
        bool ok = (c >= 'a' && c <= 'z') || c == '_'
                  || (i > 0 && c >= '0' && c <= '9');
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Split a path into segments (views); -EINVAL on empty segments. */
static int split_segs(struct sv path, struct sv *segs, size_t cap,
                      size_t *n_out)
{
    size_t n = 0;
    if (path.len == 0 || path.p[0] != '/') {
        return -EINVAL;
    }
    if (path.len == 1) {
        *n_out = 0;
        return 0;
    }
    size_t start = 1;
    for (size_t i = 1; i <= path.len; i++) {
        if (i == path.len || path.p[i] == '/') {
            if (i == start) {
                return -EINVAL;
            }
            if (n == cap) {
                return -E2BIG;
            }
            segs[n++] = sv_make(path.p + start, i - start);
            start = i + 1;
        }
    }
    *n_out = n;
    return 0;
}

static bool same_shape(const struct http_route *a, const struct http_route *b)
{
    if (a->n_segs != b->n_segs || a->param_mask != b->param_mask) {
        return false;
    }
    for (size_t i = 0; i < a->n_segs; i++) {
        if (!(a->param_mask & (1u << i)) && !sv_eq(a->segs[i], b->segs[i])) {
            return false;
        }
    }
    return true;
}

int http_router_add(struct http_router *r, enum http_method method,
                    const char *pattern, http_handler_fn *fn, void *ctx)
{
    if (fn == NULL || pattern == NULL || (unsigned)method >= HTTP_METHOD_COUNT
        || strlen(pattern) > 512) {
        return -EINVAL;
    }
    struct http_route rt = { .method = method, .fn = fn, .ctx = ctx };
    rt.pattern = strdup(pattern);
    if (rt.pattern == NULL) {
        return -ENOMEM;
    }
    int rc = split_segs(sv_cstr(rt.pattern), rt.segs, HTTP_ROUTE_MAX_SEGS,
                        &rt.n_segs);
    if (rc != 0) {
        rc = -EINVAL;
        goto fail;
    }
    size_t n_params = 0;
    for (size_t i = 0; i < rt.n_segs; i++) {
        struct sv s = rt.segs[i];
        if (s.p[0] == '{') {
            if (s.len < 3 || s.p[s.len - 1] != '}'
                || !param_name_ok(sv_make(s.p + 1, s.len - 2))
                || ++n_params > HTTP_MAX_PARAMS) {
                rc = -EINVAL;
                goto fail;
            }
            rt.segs[i] = sv_make(s.p + 1, s.len - 2);
            rt.param_mask |= 1u << i;
            continue;
        }
        for (size_t j = 0; j < s.len; j++) {
            if (!seg_char_ok(s.p[j])) {
                rc = -EINVAL;
                goto fail;
            }
        }
    }
    for (size_t i = 0; i < r->n_routes; i++) {
        if (r->routes[i].method == method && same_shape(&r->routes[i], &rt)) {
            rc = -EEXIST;
            goto fail;
        }
    }
    if (r->n_routes == r->routes_cap) {
        size_t cap = r->routes_cap ? r->routes_cap * 2 : 16;
        struct http_route *nr = realloc(r->routes, cap * sizeof(*nr));
        if (nr == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
        r->routes = nr;
        r->routes_cap = cap;
    }
    r->routes[r->n_routes++] = rt;
    return 0;

fail:
    free(rt.pattern);
    return rc;
}

/*
 * Does 'rt' match the path segments? Returns a score where a literal
 * segment early in the path weighs more than any later ones, or -1.
 */
static long route_score(const struct http_route *rt, const struct sv *segs,
                        size_t n_segs)
{
    if (rt->n_segs != n_segs) {
        return -1;
    }
    long score = 0;
    for (size_t i = 0; i < n_segs; i++) {
        score <<= 1;
        if (rt->param_mask & (1u << i)) {
            continue;
        }
        if (!sv_eq(rt->segs[i], segs[i])) {
            return -1;
        }
        score |= 1;
    }
    return score;
}

static bool method_ok(enum http_method route_m, enum http_method req_m)
{
    return route_m == req_m || (req_m == HTTP_HEAD && route_m == HTTP_GET);
}

enum http_match_res http_router_match(const struct http_router *r,
                                      enum http_method method, struct sv path,
                                      struct http_match *out)
{
    struct sv segs[HTTP_ROUTE_MAX_SEGS];
    size_t n_segs = 0;
    memset(out, 0, sizeof(*out));
    if (split_segs(path, segs, HTTP_ROUTE_MAX_SEGS, &n_segs) != 0) {
        return HTTP_MATCH_NO_PATH;
    }
    long best = -1;
    bool best_exact = false;
    for (size_t i = 0; i < r->n_routes; i++) {
        const struct http_route *rt = &r->routes[i];
        long score = route_score(rt, segs, n_segs);
        if (score < 0) {
            continue;
        }
        out->allow_mask |= 1u << rt->method;
        if (rt->method == HTTP_GET) {
            out->allow_mask |= 1u << HTTP_HEAD;
        }
        if (!method_ok(rt->method, method)) {
            continue;
        }
        /* An explicit HEAD route beats the GET fallback at equal score. */
        bool exact = rt->method == method;
        if (score > best || (score == best && exact && !best_exact)) {
            best = score;
            best_exact = exact;
            out->route = rt;
        }
    }
    if (out->route == NULL) {
        return out->allow_mask ? HTTP_MATCH_NO_METHOD : HTTP_MATCH_NO_PATH;
    }
    for (size_t i = 0; i < n_segs; i++) {
        if (out->route->param_mask & (1u << i)) {
            out->params[out->n_params].name = out->route->segs[i];
            out->params[out->n_params].value = segs[i];
            out->n_params++;
        }
    }
    return HTTP_MATCH_OK;
}

int http_allow_fmt(unsigned mask, char *dst, size_t cap)
{
    struct buf b;
    int rc = 0;
    buf_init(&b, cap > 0 ? cap - 1 : 0);
    for (unsigned m = 0; m < HTTP_METHOD_COUNT; m++) {
        if (mask & (1u << m)) {
            if (b.len > 0) {
                buf_append_cstr(&b, ", ");
            }
            buf_append_cstr(&b, http_method_name((enum http_method)m));
        }
    }
    if (b.err != 0) {
        rc = -ENOSPC;
    } else {
        rc = sv_copy_cstr(buf_sv(&b), dst, cap);
    }
    buf_fini(&b);
    return rc;
}
