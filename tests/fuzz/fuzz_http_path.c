// fuzz-link: sw_http
/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the request-path code we own in src/http: the
 * router (match against a fixed table; params must be views into the
 * input), the static-file path check and content-type lookup. A path the
 * check accepts must hold no dot segment, backslash or control byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/router.h"
#include "http/static.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void h_noop(void *ctx, const struct http_req *req,
                   struct http_resp *resp)
{
    (void)ctx;
    (void)req;
    (void)resp;
}

static struct http_router g_router;
static int g_ready;

static void router_setup(void)
{
    static const char *const pats[] = {
        "/",
        "/api/v1/users",
        "/api/v1/users/{id}",
        "/api/v1/users/me",
        "/api/v1/tenants/{tenant}/users/{user}",
        "/api/v1/{kind}/me",
        "/api/v1/bans/{addr}/why",
    };
    http_router_init(&g_router);
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
        if (http_router_add(&g_router, HTTP_GET, pats[i], h_noop, NULL) != 0
            || http_router_add(&g_router, HTTP_DELETE, pats[i], h_noop, NULL)
                   != 0) {
            abort();
        }
    }
    g_ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!g_ready) {
        router_setup();
    }
    struct sv in = sv_make((const char *)data, size);
    const char *lo = in.p;
    const char *hi = in.p + size;

    struct http_match m;
    enum http_match_res res =
        http_router_match(&g_router, (enum http_method)(size % 7), in, &m);
    if (res == HTTP_MATCH_OK) {
        if (m.route == NULL || m.n_params > HTTP_MAX_PARAMS) {
            abort();
        }
        for (size_t i = 0; i < m.n_params; i++) {
            struct sv v = m.params[i].value;
            if (v.len == 0 || v.p < lo || v.p + v.len > hi
                || memchr(v.p, '/', v.len) != NULL) {
                abort();
            }
        }
    } else if (m.route != NULL) {
        abort();
    }

    if (http_static_path_check(in) == 0) {
        if (size == 0 || in.p[0] != '/') {
            abort();
        }
        for (size_t i = 0; i < size; i++) {
            unsigned char c = (unsigned char)in.p[i];
            if (c < 0x20 || c == '\\' || c == 0x7f
                || (c == '.' && in.p[i - 1] == '/')) {
                abort();
            }
        }
    }
    if (http_static_mime(in) == NULL) {
        abort();
    }
    return 0;
}
