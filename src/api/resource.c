/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic handler behind every route of the table: authenticate,
 * check the role against the route's scope, build the operation's request
 * (body + path parameters + listed query arguments), run it through the
 * daemon, audit a change, answer JSON or problem+json, and page, filter
 * and sort list answers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/audit.h"
#include "api/api_int.h"
#include "store/store.h"

#define PAGE_DEFAULT 100
#define PAGE_MAX     1000

void api_problem(struct http_resp *resp, int status, const char *title,
                 const char *detail, const char *field, const char *rule)
{
    struct http_problem p = { .status = status,
                              .title = title,
                              .detail = detail,
                              .field = field,
                              .rule = rule };
    http_resp_problem(resp, &p);
}

static json_t *sv_json(struct sv v)
{
    return json_stringn(v.p ? v.p : "", v.len);
}

/* Members whose text is a number in the operations' requests. */
static bool is_int_member(struct sv name)
{
    static const char *const ints[] = { "id",   "limit", "offset",
                                        "from", "to",    NULL };
    for (const char *const *n = ints; *n; n++) {
        if (sv_eq_cstr(name, *n)) {
            return true;
        }
    }
    return false;
}

static json_t *member_value(struct sv name, struct sv v)
{
    if (is_int_member(name) && v.len > 0 && v.len < 19) {
        json_int_t n = 0;
        size_t i = 0;
        for (; i < v.len && v.p[i] >= '0' && v.p[i] <= '9'; i++) {
            n = n * 10 + (v.p[i] - '0');
        }
        if (i == v.len) {
            return json_integer(n);
        }
    }
    if (sv_eq_cstr(name, "all")) {
        return json_boolean(sv_eq_cstr(v, "true") || sv_eq_cstr(v, "1"));
    }
    return sv_json(v);
}

/* The operation's request: the body's members, then path parameters and
 * the route's query arguments (which win: the URL names the object). */
static json_t *build_request(const struct api_route *r,
                             const struct http_req *req, const char **err)
{
    json_t *o;
    if (req->json) {
        if (!json_is_object(req->json)) {
            *err = "the body must be a JSON object";
            return NULL;
        }
        o = json_deep_copy(req->json);
    } else if (req->body.len > 0) {
        *err = "the body must be JSON (Content-Type: application/json)";
        return NULL;
    } else {
        o = json_object();
    }
    if (o == NULL) {
        *err = "out of memory";
        return NULL;
    }
    json_object_del(o, "op");
    for (size_t i = 0; i < req->n_params; i++) {
        char name[64];
        if (sv_copy_cstr(req->params[i].name, name, sizeof(name)) == 0) {
            json_object_set_new(
                o, name,
                member_value(req->params[i].name, req->params[i].value));
        }
    }
    for (size_t q = 0; q < API_MAX_QUERY && r->query[q]; q++) {
        struct sv v = http_req_arg(req, r->query[q]);
        if (v.p) {
            json_object_set_new(o, r->query[q],
                                member_value(sv_cstr(r->query[q]), v));
        }
    }
    if (r->user_member) {
        const char *ext = json_string_value(json_object_get(o, "ext"));
        const char *dom = json_string_value(json_object_get(o, "domain"));
        if (ext && dom) {
            char user[300];
            snprintf(user, sizeof(user), "%s@%s", ext, dom);
            json_object_set_new(o, "user", json_string(user));
            json_object_del(o, "ext");
            json_object_del(o, "domain");
        }
    }
    json_object_set_new(o, "op", json_string(r->op));
    return o;
}

/* May the caller use route 'r' on the request's {domain}? */
static bool allowed(struct api *a, const struct api_route *r,
                    const struct api_caller *c, const struct http_req *req,
                    int64_t *tenant_id)
{
    *tenant_id = 0;
    struct sv dom = http_req_param(req, "domain");
    char domain[STORE_DOMAIN_MAX + 1] = "";
    struct store_tenant t;
    if (dom.p && sv_copy_cstr(dom, domain, sizeof(domain)) == 0
        && store_tenant_find(a->cfg.st, domain, &t) == 0) {
        *tenant_id = t.id;
    }
    switch (c->p.role) {
    case STORE_ADMIN_SYSTEM:
        return true;
    case STORE_ADMIN_TENANT:
        return r->scope != API_SYSTEM && *tenant_id != 0
               && *tenant_id == c->p.tenant_id;
    case STORE_ADMIN_USER:
        return r->scope == API_OWN && r->method == HTTP_GET && *tenant_id != 0
               && *tenant_id == c->p.tenant_id && c->user[0] != '\0';
    }
    return false;
}

static int status_of(const json_t *resp)
{
    const char *code = json_string_value(json_object_get(resp, "code"));
    if (code == NULL) {
        return 500;
    }
    if (strcmp(code, "bad_request") == 0 || strcmp(code, "policy") == 0) {
        return 422;
    }
    if (strcmp(code, "not_found") == 0) {
        return 404;
    }
    if (strcmp(code, "exists") == 0 || strcmp(code, "busy") == 0) {
        return 409;
    }
    return 500;
}

/* ---- lists: filter, sort, page ------------------------------------------ */

static const char *const reserved_args[] = { "limit", "offset", "sort", NULL };

static bool is_reserved(const struct api_route *r, struct sv name)
{
    for (const char *const *n = reserved_args; *n; n++) {
        if (sv_eq_cstr(name, *n)) {
            return true;
        }
    }
    for (size_t q = 0; q < API_MAX_QUERY && r->query[q]; q++) {
        if (sv_eq_cstr(name, r->query[q])) {
            return true;
        }
    }
    return false;
}

/* Does item 'it' have member 'name' equal to 'v' (as text)? */
static bool item_matches(const json_t *it, struct sv name, struct sv v)
{
    char key[64];
    char buf[64];
    if (sv_copy_cstr(name, key, sizeof(key)) != 0) {
        return false;
    }
    const json_t *m = json_object_get(it, key);
    const char *text = NULL;
    if (json_is_string(m)) {
        text = json_string_value(m);
    } else if (json_is_integer(m)) {
        snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(m));
        text = buf;
    } else if (json_is_boolean(m)) {
        text = json_is_true(m) ? "true" : "false";
    }
    return text && sv_eq_cstr(v, text);
}

struct sort_by {
    const char *key;
    int dir; /* 1 ascending, -1 descending */
};

static int cmp_items(const void *pa, const void *pb, void *ud)
{
    const struct sort_by *sb = ud;
    const json_t *a = json_object_get(*(json_t *const *)pa, sb->key);
    const json_t *b = json_object_get(*(json_t *const *)pb, sb->key);
    int c;
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        c = (x > y) - (x < y);
    } else if (json_is_string(a) && json_is_string(b)) {
        c = strcmp(json_string_value(a), json_string_value(b));
    } else {
        c = (a != NULL) - (b != NULL);
    }
    return c * sb->dir;
}

static long arg_long(const struct http_req *req, const char *name, long def,
                     long max)
{
    struct sv v = http_req_arg(req, name);
    if (v.p == NULL || v.len == 0 || v.len > 9) {
        return def;
    }
    long n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') {
            return -1;
        }
        n = n * 10 + (v.p[i] - '0');
    }
    return n > max ? max : n;
}

/* Shape the list member of 'out' per ?<member>=value filters, ?sort=
 * [-]member, ?limit= and ?offset=; adds total, limit and offset. Returns
 * false with a problem in 'resp' for a bad argument. */
static bool shape_list(const struct api_route *r, const struct http_req *req,
                       json_t *out, struct http_resp *resp)
{
    json_t *arr = json_object_get(out, r->list);
    if (!json_is_array(arr)) {
        return true;
    }
    long limit = arg_long(req, "limit", PAGE_DEFAULT, PAGE_MAX);
    long offset = arg_long(req, "offset", 0, 1000000000L);
    if (limit < 0 || offset < 0) {
        api_problem(resp, 400, "Bad paging",
                    "limit and offset are whole numbers",
                    limit < 0 ? "limit" : "offset", "integer");
        return false;
    }
    size_t n = json_array_size(arr);
    json_t **items = calloc(n ? n : 1, sizeof(*items));
    if (items == NULL) {
        api_problem(resp, 500, NULL, "out of memory", NULL, NULL);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *it = json_array_get(arr, i);
        bool keep = true;
        for (size_t a = 0; a < req->n_args && keep; a++) {
            if (!is_reserved(r, req->args[a].name)) {
                keep = item_matches(it, req->args[a].name, req->args[a].value);
            }
        }
        if (keep) {
            items[k++] = it;
        }
    }
    struct sv sort = http_req_arg(req, "sort");
    char key[64];
    if (sort.len > 0 && sort.len < sizeof(key)) {
        struct sort_by sb = { key, sort.p[0] == '-' ? -1 : 1 };
        struct sv name = sb.dir < 0 ? sv_make(sort.p + 1, sort.len - 1) : sort;
        sv_copy_cstr(name, key, sizeof(key));
        qsort_r(items, k, sizeof(*items), cmp_items, &sb);
    }
    json_t *page = json_array();
    for (size_t i = (size_t)offset; i < k && i < (size_t)offset + (size_t)limit;
         i++) {
        json_array_append(page, items[i]);
    }
    free(items);
    json_object_set_new(out, r->list, page);
    json_object_set_new(out, "total", json_integer((json_int_t)k));
    json_object_set_new(out, "limit", json_integer(limit));
    json_object_set_new(out, "offset", json_integer(offset));
    return true;
}

/* A user sees only their own records. */
static void own_only(const struct api_caller *c, json_t *req, json_t *out,
                     const struct api_route *r)
{
    if (c->p.role != STORE_ADMIN_USER) {
        return;
    }
    if (strcmp(r->op, "cdr.list") == 0) {
        const char *at = strchr(c->user, '@');
        json_object_set_new(req, "user",
                            json_stringn(c->user, at ? (size_t)(at - c->user)
                                                     : strlen(c->user)));
        return;
    }
    json_t *arr = out ? json_object_get(out, "registrations") : NULL;
    if (json_is_array(arr)) {
        for (size_t i = json_array_size(arr); i-- > 0;) {
            const char *u = json_string_value(
                json_object_get(json_array_get(arr, i), "user"));
            if (u == NULL || strcmp(u, c->user) != 0) {
                json_array_remove(arr, i);
            }
        }
    }
}

static void audit(struct api *a, const struct api_caller *c,
                  const struct http_req *req, const struct api_route *r,
                  int64_t tenant_id, const json_t *op_req, const json_t *out)
{
    struct admin_actor who;
    api_actor(c, req, &who);
    char target[256];
    snprintf(target, sizeof(target), "%.*s", SV_FMT(req->path));
    char result[64] = "ok";
    if (!json_is_true(json_object_get(out, "ok"))) {
        const char *code = json_string_value(json_object_get(out, "code"));
        snprintf(result, sizeof(result), "error:%s", code ? code : "internal");
    }
    char *text = json_dumps(op_req, JSON_COMPACT | JSON_SORT_KEYS);
    admin_audit_write(a->cfg.admin, &who, r->op, target, tenant_id, result,
                      NULL, text);
    free(text);
}

void api_resource(void *ctx, const struct http_req *req, struct http_resp *resp)
{
    const struct api_route_ctx *rc = ctx;
    struct api *a = rc->a;
    const struct api_route *r = rc->r;
    struct api_caller c;
    int64_t tenant_id = 0;

    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.must_change) {
        api_problem(resp, 403, "Password change required",
                    "change the password first (POST /api/v1/auth/login with "
                    "new_password)",
                    "new_password", "must_change");
        return;
    }
    if (!allowed(a, r, &c, req, &tenant_id)) {
        api_problem(resp, 403, "Forbidden",
                    "your role may not use this resource", NULL, "role");
        return;
    }
    const char *err = NULL;
    json_t *op_req = build_request(r, req, &err);
    if (op_req == NULL) {
        api_problem(resp, 400, "Bad request body", err, NULL, "json");
        return;
    }
    own_only(&c, op_req, NULL, r);
    json_t *out = NULL;
    a->cfg.exec(a->cfg.ud, op_req, req->client_ip, &out);
    if (out == NULL) {
        json_decref(op_req);
        api_problem(resp, 500, NULL, "the operation did not answer", NULL,
                    NULL);
        return;
    }
    if (r->method != HTTP_GET) {
        audit(a, &c, req, r, tenant_id, op_req, out);
    }
    json_decref(op_req);
    if (!json_is_true(json_object_get(out, "ok"))) {
        const char *msg = json_string_value(json_object_get(out, "error"));
        api_problem(resp, status_of(out),
                    json_string_value(json_object_get(out, "code")), msg,
                    json_string_value(json_object_get(out, "field")),
                    json_string_value(json_object_get(
                        out, json_object_get(out, "rule") ? "rule" : "code")));
        json_decref(out);
        return;
    }
    json_object_del(out, "ok");
    own_only(&c, NULL, out, r);
    if (r->list && !shape_list(r, req, out, resp)) {
        json_decref(out);
        return;
    }
    http_resp_json(resp, r->created ? 201 : 200, out);
    json_decref(out);
}
