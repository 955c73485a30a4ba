/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Building responses: status, headers, bodies, RFC 9457 problem documents
 * and the security headers every response carries. Pure functions over
 * struct http_resp; writing them to a connection is server.c's job.
 */
#include "http/http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *http_method_name(enum http_method m)
{
    static const char *const names[HTTP_METHOD_COUNT] = {
        [HTTP_GET] = "GET",         [HTTP_HEAD] = "HEAD",
        [HTTP_POST] = "POST",       [HTTP_PUT] = "PUT",
        [HTTP_PATCH] = "PATCH",     [HTTP_DELETE] = "DELETE",
        [HTTP_OPTIONS] = "OPTIONS",
    };
    if ((unsigned)m >= HTTP_METHOD_COUNT) {
        return "?";
    }
    return names[m];
}

const char *http_status_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Unknown";
    }
}

/* ---- Requests ----------------------------------------------------------- */

static struct sv pair_find(const struct http_param *v, size_t n,
                           const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (sv_eq_cstr(v[i].name, name)) {
            return v[i].value;
        }
    }
    return SV_NULL;
}

struct sv http_req_param(const struct http_req *req, const char *name)
{
    return pair_find(req->params, req->n_params, name);
}

struct sv http_req_arg(const struct http_req *req, const char *name)
{
    return pair_find(req->args, req->n_args, name);
}

/* ---- Security headers --------------------------------------------------- */

size_t http_std_headers(bool is_tls, bool is_api, struct http_hdr *out,
                        size_t cap)
{
    const struct http_hdr all[] = {
        { "Content-Security-Policy",
          "default-src 'self'; frame-ancestors 'none'; object-src 'none'; "
          "base-uri 'none'" },
        { "X-Content-Type-Options", "nosniff" },
        { "Referrer-Policy", "no-referrer" },
        { "X-Frame-Options", "DENY" },
        { "Strict-Transport-Security", "max-age=31536000; includeSubDomains" },
        { "Cache-Control", "no-store" },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]) && n < cap; i++) {
        if (!is_tls && strcmp(all[i].name, "Strict-Transport-Security") == 0) {
            continue;
        }
        if (!is_api && strcmp(all[i].name, "Cache-Control") == 0) {
            continue;
        }
        out[n++] = all[i];
    }
    return n;
}

/* ---- Responses ---------------------------------------------------------- */

void http_resp_init(struct http_resp *resp)
{
    memset(resp, 0, sizeof(*resp));
    buf_init(&resp->hdr_store, 8192);
    buf_init(&resp->body, HTTP_RESP_BODY_MAX);
    resp->file_fd = -1;
}

void http_resp_fini(struct http_resp *resp)
{
    buf_fini(&resp->hdr_store);
    buf_fini(&resp->body);
    if (resp->file_fd >= 0) {
        close(resp->file_fd);
        resp->file_fd = -1;
    }
}

static int resp_fail(struct http_resp *resp, int rc)
{
    if (resp->err == 0) {
        resp->err = rc;
    }
    return rc;
}

static bool token_ok(const char *s)
{
    if (*s == '\0' || strlen(s) > HTTP_HDR_NAME_MAX) {
        return false;
    }
    for (; *s != '\0'; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9')
                  || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool value_ok(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

static bool header_reserved(const char *name)
{
    static const char *const reserved[] = {
        "Content-Type",      "Content-Length", "Connection",
        "Transfer-Encoding", "Server",         "Keep-Alive",
    };
    struct sv n = sv_cstr(name);
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++) {
        if (sv_eq_cstr_nocase(n, reserved[i])) {
            return true;
        }
    }
    struct http_hdr std[8];
    size_t n_std = http_std_headers(true, true, std, 8);
    for (size_t i = 0; i < n_std; i++) {
        if (sv_eq_cstr_nocase(n, std[i].name)) {
            return true;
        }
    }
    return false;
}

int http_resp_header_add(struct http_resp *resp, const char *name,
                         const char *value)
{
    if (name == NULL || value == NULL || !token_ok(name) || !value_ok(value)
        || header_reserved(name)) {
        return resp_fail(resp, -EINVAL);
    }
    if (resp->n_hdrs == HTTP_RESP_MAX_HDRS) {
        return resp_fail(resp, -ENOSPC);
    }
    size_t name_off = resp->hdr_store.len;
    buf_append(&resp->hdr_store, name, strlen(name) + 1);
    size_t value_off = resp->hdr_store.len;
    buf_append(&resp->hdr_store, value, strlen(value) + 1);
    if (resp->hdr_store.err != 0) {
        return resp_fail(resp, resp->hdr_store.err);
    }
    resp->hdr_off[resp->n_hdrs][0] = name_off;
    resp->hdr_off[resp->n_hdrs][1] = value_off;
    resp->n_hdrs++;
    return 0;
}

int http_resp_set(struct http_resp *resp, int status, const char *content_type,
                  const void *body, size_t len)
{
    if (status < 100 || status > 599 || (body == NULL && len > 0)) {
        return resp_fail(resp, -EINVAL);
    }
    if (content_type == NULL) {
        content_type = "";
    }
    if (!value_ok(content_type)
        || sv_copy_cstr(sv_cstr(content_type), resp->content_type,
                        sizeof(resp->content_type))
               != 0) {
        return resp_fail(resp, -EINVAL);
    }
    if (len > HTTP_RESP_BODY_MAX) {
        return resp_fail(resp, -ENOSPC);
    }
    buf_reset(&resp->body);
    if (buf_append(&resp->body, body, len) != 0) {
        return resp_fail(resp, resp->body.err);
    }
    if (resp->file_fd >= 0) {
        close(resp->file_fd);
        resp->file_fd = -1;
        resp->file_len = 0;
    }
    resp->status = status;
    return 0;
}

int http_resp_json(struct http_resp *resp, int status, const json_t *json)
{
    if (json == NULL) {
        return resp_fail(resp, -EINVAL);
    }
    char *txt = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY);
    if (txt == NULL) {
        return resp_fail(resp, -ENOMEM);
    }
    int rc = http_resp_set(resp, status, HTTP_CT_JSON, txt, strlen(txt));
    free(txt);
    return rc;
}

int http_problem_build(const struct http_problem *p, struct buf *out)
{
    if (p == NULL || p->status < 400 || p->status > 599) {
        return -EINVAL;
    }
    json_t *o = json_object();
    if (o == NULL) {
        return -ENOMEM;
    }
    int bad = 0;
    bad |= json_object_set_new(o, "type",
                               json_string(p->type ? p->type : "about:blank"));
    bad |= json_object_set_new(
        o, "title",
        json_string(p->title ? p->title : http_status_reason(p->status)));
    bad |= json_object_set_new(o, "status", json_integer(p->status));
    if (p->detail != NULL) {
        bad |= json_object_set_new(o, "detail", json_string(p->detail));
    }
    if (p->field != NULL) {
        bad |= json_object_set_new(o, "field", json_string(p->field));
    }
    if (p->rule != NULL) {
        bad |= json_object_set_new(o, "rule", json_string(p->rule));
    }
    /* json_string() refuses invalid UTF-8; that is a caller bug. */
    char *txt = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (txt == NULL) {
        return bad ? -EINVAL : -ENOMEM;
    }
    int rc = buf_append_cstr(out, txt);
    free(txt);
    return rc;
}

int http_resp_problem(struct http_resp *resp, const struct http_problem *p)
{
    struct buf b;
    buf_init(&b, HTTP_RESP_BODY_MAX);
    int rc = http_problem_build(p, &b);
    if (rc == 0) {
        rc = http_resp_set(resp, p->status, HTTP_CT_PROBLEM, b.p, b.len);
    } else {
        resp_fail(resp, rc);
    }
    buf_fini(&b);
    return rc;
}
