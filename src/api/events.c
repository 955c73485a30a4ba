/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The security event log, the dashboard and the exports. Events and the
 * hourly counts are read through the HTTP thread's own store handle; the
 * daemon's main thread, which writes them, is asked first to write what
 * it has queued (event.flush, dashboard.show) so every event raised before
 * the request is seen. The live figures of the dashboard (registrations,
 * calls, bans) come from the daemon's state through dashboard.show.
 * Exports are attachments: CSV with a header row, quoting and formula
 * neutralising, or JSON; the audit export keeps a tenant administrator to
 * their tenant's entries as GET /audit does.
 */
#include "api/events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin/audit.h"
#include "sec/event.h"
#include "store/admin.h"
#include "store/events.h"
#include "store/store.h"

#define PAGE_DEFAULT  100
#define ROW_MAX       (40u * 1024u) /* one exported row, bytes */
#define TOP_N         10
#define DASH_HOURS    24
#define EXEC_FLUSH_OP "event.flush"

/* ------------------------------------------------------------------ */
/* CSV                                                                  */
/* ------------------------------------------------------------------ */

void api_csv_field(struct buf *b, const char *s)
{
    if (s == NULL) {
        s = "";
    }
    size_t n = strlen(s);
    bool formula = n > 0
                   && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@'
                       || s[0] == '\t' || s[0] == '\r');
    bool quote = strpbrk(s, ",\"\r\n") != NULL
                 || (n > 0 && (s[0] == ' ' || s[n - 1] == ' '));
    if (quote) {
        buf_append_char(b, '"');
    }
    if (formula) {
        buf_append_char(b, '\'');
    }
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            buf_append_char(b, '"');
        }
        buf_append_char(b, *p);
    }
    if (quote) {
        buf_append_char(b, '"');
    }
}

/* ------------------------------------------------------------------ */
/* Helpers                                                              */
/* ------------------------------------------------------------------ */

/* A JSON string even for bytes that are not UTF-8 (they become '?'). */
static json_t *jstr(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (j) {
        return j;
    }
    size_t n = strlen(s);
    char *c = malloc(n + 1);
    if (!c) {
        return NULL;
    }
    for (size_t i = 0; i <= n; i++) {
        c[i] = (unsigned char)s[i] >= 0x80 ? '?' : s[i];
    }
    j = json_string(c);
    free(c);
    return j;
}

static void ok_json(struct http_resp *resp, int status, json_t *o)
{
    if (o == NULL) {
        api_problem(resp, 500, NULL, "out of memory", NULL, NULL);
        return;
    }
    http_resp_json(resp, status, o);
    json_decref(o);
}

/* The caller, when a system administrator; else the problem is set. */
static bool system_admin(struct api *a, const struct http_req *req,
                         struct http_resp *resp, struct api_caller *c)
{
    if (!api_authenticate(a, req, resp, c)) {
        return false;
    }
    if (c->p.role != STORE_ADMIN_SYSTEM || c->p.must_change) {
        api_problem(resp, 403, "Forbidden",
                    "only system administrators see the security events", NULL,
                    "role");
        return false;
    }
    return true;
}

/*
 * Run a daemon request without members ("event.flush", "dashboard.show").
 * Returns its answer (ok:true, a new reference) or NULL with a 503 set.
 */
static json_t *daemon_call(struct api *a, const struct http_req *req,
                           const char *op, struct http_resp *resp)
{
    json_t *r = json_pack("{s:s}", "op", op);
    json_t *out = NULL;
    if (r) {
        a->cfg.exec(a->cfg.ud, r, req->client_ip, &out);
        json_decref(r);
    }
    if (!json_is_true(json_object_get(out, "ok"))) {
        json_decref(out);
        api_problem(resp, 503, "Daemon busy",
                    "the daemon did not write its queued events; try again",
                    NULL, NULL);
        return NULL;
    }
    return out;
}

/* Query argument 'name' copied into dst; false (problem set) when it is
 * longer than cap - 1. An absent argument leaves dst "". */
static bool arg_text(const struct http_req *req, const char *name, char *dst,
                     size_t cap, struct http_resp *resp)
{
    struct sv v = http_req_arg(req, name);
    dst[0] = '\0';
    if (v.p && sv_copy_cstr(v, dst, cap) != 0) {
        api_problem(resp, 422, "Bad argument", "the value is too long", name,
                    "too_long");
        return false;
    }
    return true;
}

/* Query argument 'name' as a number in 0..max (absent: *out untouched). */
static bool arg_num(const struct http_req *req, const char *name, uint64_t max,
                    uint64_t *out, struct http_resp *resp)
{
    struct sv v = http_req_arg(req, name);
    if (v.p && sv_to_u64(v, max, out) != 0) {
        api_problem(resp, 422, "Bad argument",
                    "a whole number is expected, within its range", name,
                    "integer");
        return false;
    }
    return true;
}

/* The events filter of the listing and the export; strings point into
 * 'kind' and 'addr'. False with the problem set. */
static bool event_filter(const struct http_req *req, struct http_resp *resp,
                         struct store_event_filter *f, char *kind,
                         size_t kind_cap, char *addr, size_t addr_cap)
{
    uint64_t since = 0;
    enum sec_ev ev;
    memset(f, 0, sizeof(*f));
    if (!arg_text(req, "kind", kind, kind_cap, resp)
        || !arg_text(req, "address", addr, addr_cap, resp)
        || !arg_num(req, "since", INT64_MAX, &since, resp)) {
        return false;
    }
    if (kind[0] && sec_ev_parse(kind, &ev) != 0) {
        api_problem(resp, 422, "Unknown event kind",
                    "kind is an event type: ban, unban, auth_failure, "
                    "challenge_failure, user_blocked, rate_limit, ua_match, "
                    "geo_drop, acl_drop, call_refused, fraud_warning, "
                    "fraud_suspend, login_failure or login_blocked",
                    "kind", "enum");
        return false;
    }
    f->kind = kind[0] ? kind : NULL;
    f->address = addr[0] ? addr : NULL;
    f->since = (int64_t)since;
    return true;
}

static json_t *event_json(const struct store_event *e)
{
    return json_pack("{s:I,s:I,s:o,s:o,s:o,s:o}", "id", (json_int_t)e->id, "at",
                     (json_int_t)e->at, "kind", jstr(e->kind), "address",
                     jstr(e->address), "country", jstr(e->country), "detail",
                     jstr(e->detail));
}

/* "2026-01-31T12:00:00Z" of unix seconds 't'. */
static void iso_time(int64_t t, char *dst, size_t cap)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, &tm)
        || strftime(dst, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        snprintf(dst, cap, "%lld", (long long)t);
    }
}

/* ------------------------------------------------------------------ */
/* GET /security-events                                                 */
/* ------------------------------------------------------------------ */

static int list_cb(void *ud, const struct store_event *e)
{
    json_t *o = event_json(e);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static void on_list(void *ctx, const struct http_req *req,
                    struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    struct store_event_filter f;
    char kind[STORE_EVENT_KIND_MAX + 1];
    char addr[STORE_EVENT_ADDR_MAX + 1];
    uint64_t limit = PAGE_DEFAULT;
    uint64_t offset = 0;
    if (!system_admin(a, req, resp, &c)
        || !event_filter(req, resp, &f, kind, sizeof(kind), addr, sizeof(addr))
        || !arg_num(req, "limit", STORE_EVENT_PAGE_MAX, &limit, resp)
        || !arg_num(req, "offset", UINT32_MAX, &offset, resp)) {
        return;
    }
    if (limit == 0) {
        api_problem(resp, 422, "Bad argument", "limit is 1 to 1000", "limit",
                    "range");
        return;
    }
    f.limit = (uint32_t)limit;
    f.offset = (uint32_t)offset;
    json_t *flushed = daemon_call(a, req, EXEC_FLUSH_OP, resp);
    if (!flushed) {
        return;
    }
    json_decref(flushed);
    json_t *arr = json_array();
    uint64_t total = 0;
    if (!arr || store_event_list(a->cfg.st, &f, list_cb, arr, &total) != 0) {
        json_decref(arr);
        api_problem(resp, 500, NULL, "security events unreadable", NULL, NULL);
        return;
    }
    ok_json(resp, 200,
            json_pack("{s:o,s:I,s:I,s:I}", "events", arr, "total",
                      (json_int_t)total, "limit", (json_int_t)f.limit, "offset",
                      (json_int_t)f.offset));
}

/* ------------------------------------------------------------------ */
/* Exports                                                              */
/* ------------------------------------------------------------------ */

/* One export being built: rows go through 'row' so a row that does not
 * fit the body cap is left out whole. */
struct export
{
    struct buf body;
    struct buf row;
    bool is_csv;
    bool truncated;
    uint64_t n;
};

static void export_init(struct export *x, bool is_csv)
{
    memset(x, 0, sizeof(*x));
    buf_init(&x->body, HTTP_RESP_BODY_MAX - 64);
    buf_init(&x->row, ROW_MAX);
    x->is_csv = is_csv;
}

static void export_fini(struct export *x)
{
    buf_fini(&x->body);
    buf_fini(&x->row);
}

/* Move the row built in x->row to the body; 1 (stop) once it is full. */
static int export_row(struct export *x)
{
    if (x->row.err == 0 && !x->truncated) {
        size_t before = x->body.len;
        if (!x->is_csv && x->n > 0) {
            buf_append_char(&x->body, ',');
        }
        if (buf_append(&x->body, x->row.p, x->row.len) == 0) {
            x->n++;
        } else {
            x->body.len = before; /* drop the separator too */
            x->truncated = true;
        }
    }
    buf_reset(&x->row);
    return x->truncated ? 1 : 0;
}

/* A CSV line of fields (NULL-terminated list) into x->row. */
static void csv_line(struct export *x, const char *const *fields)
{
    for (size_t i = 0; fields[i]; i++) {
        if (i > 0) {
            buf_append_char(&x->row, ',');
        }
        api_csv_field(&x->row, fields[i]);
    }
    buf_append_cstr(&x->row, "\r\n");
}

/* A JSON object into x->row (stolen). */
static void json_row(struct export *x, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) {
        x->row.err = -ENOMEM;
        return;
    }
    buf_append_cstr(&x->row, text);
    free(text);
}

/* Send the export: 'name' is the file name's start ("security-events"),
 * 'member' the JSON array's name. */
static void export_send(struct export *x, struct http_resp *resp,
                        const char *name, const char *member)
{
    char stamp[32];
    char disp[128];
    struct tm tm;
    time_t now = time(NULL);
    if (!gmtime_r(&now, &tm)
        || strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm) == 0) {
        snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
    }
    snprintf(disp, sizeof(disp), "attachment; filename=\"%s-%s.%s\"", name,
             stamp, x->is_csv ? "csv" : "json");
    http_resp_header_add(resp, "Content-Disposition", disp);
    if (x->truncated) {
        /* The body cap was reached: the newest rows are in, older ones not;
         * narrow the export with since= or kind=. */
        http_resp_header_add(resp, "X-Export-Truncated", "true");
    }
    if (x->is_csv) {
        http_resp_set(resp, 200, "text/csv; charset=utf-8", x->body.p,
                      x->body.len);
        return;
    }
    struct buf out;
    buf_init(&out, HTTP_RESP_BODY_MAX);
    buf_printf(&out, "{\"%s\":[", member);
    buf_append(&out, x->body.p, x->body.len);
    buf_printf(&out, "],\"count\":%llu,\"truncated\":%s}",
               (unsigned long long)x->n, x->truncated ? "true" : "false");
    if (out.err) {
        api_problem(resp, 500, NULL, "export too large", NULL, NULL);
    } else {
        http_resp_set(resp, 200, HTTP_CT_JSON, out.p, out.len);
    }
    buf_fini(&out);
}

/* format=csv (default) or json; false with the problem set. */
static bool export_format(const struct http_req *req, struct http_resp *resp,
                          bool *is_csv)
{
    struct sv v = http_req_arg(req, "format");
    *is_csv = true;
    if (v.p == NULL || sv_eq_cstr(v, "csv")) {
        return true;
    }
    if (sv_eq_cstr(v, "json")) {
        *is_csv = false;
        return true;
    }
    api_problem(resp, 422, "Unknown format", "format is csv or json", "format",
                "enum");
    return false;
}

static int export_event_cb(void *ud, const struct store_event *e)
{
    struct export *x = ud;
    if (x->is_csv) {
        char id[24], at[24], when[32];
        snprintf(id, sizeof(id), "%lld", (long long)e->id);
        snprintf(at, sizeof(at), "%lld", (long long)e->at);
        iso_time(e->at, when, sizeof(when));
        const char *const fields[] = { id,        at,         when,
                                       e->kind,   e->address, e->country,
                                       e->detail, NULL };
        csv_line(x, fields);
    } else {
        json_row(x, event_json(e));
    }
    return export_row(x);
}

static void on_events_export(void *ctx, const struct http_req *req,
                             struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    struct store_event_filter f;
    char kind[STORE_EVENT_KIND_MAX + 1];
    char addr[STORE_EVENT_ADDR_MAX + 1];
    bool is_csv = true;
    if (!system_admin(a, req, resp, &c) || !export_format(req, resp, &is_csv)
        || !event_filter(req, resp, &f, kind, sizeof(kind), addr,
                         sizeof(addr))) {
        return;
    }
    json_t *flushed = daemon_call(a, req, EXEC_FLUSH_OP, resp);
    if (!flushed) {
        return;
    }
    json_decref(flushed);
    struct export x;
    export_init(&x, is_csv);
    if (is_csv) {
        static const char *const head[] = { "id",     "at",      "time",
                                            "kind",   "address", "country",
                                            "detail", NULL };
        csv_line(&x, head);
        buf_append(&x.body, x.row.p, x.row.len);
        buf_reset(&x.row);
    }
    int rc = store_event_list(a->cfg.st, &f, export_event_cb, &x, NULL);
    if (rc < 0) {
        api_problem(resp, 500, NULL, "security events unreadable", NULL, NULL);
    } else {
        export_send(&x, resp, "security-events", "events");
    }
    export_fini(&x);
}

static json_t *audit_json(const struct store_audit *e)
{
    json_t *o =
        json_pack("{s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:I}", "id", (json_int_t)e->id,
                  "at", (json_int_t)e->at, "actor", jstr(e->actor), "client_ip",
                  jstr(e->client_ip), "action", jstr(e->action), "target",
                  jstr(e->target), "result", jstr(e->result), "tenant_id",
                  (json_int_t)e->tenant_id);
    const char *vals[2] = { e->old_json, e->new_json };
    const char *keys[2] = { "old", "new" };
    for (int i = 0; o && i < 2; i++) {
        if (vals[i] && vals[i][0]) {
            json_t *v = json_loads(vals[i], 0, NULL);
            json_object_set_new(o, keys[i], v ? v : json_null());
        }
    }
    return o;
}

static int export_audit_cb(void *ud, const struct store_audit *e)
{
    struct export *x = ud;
    if (x->is_csv) {
        char id[24], at[24], when[32], tenant[24];
        snprintf(id, sizeof(id), "%lld", (long long)e->id);
        snprintf(at, sizeof(at), "%lld", (long long)e->at);
        snprintf(tenant, sizeof(tenant), "%lld", (long long)e->tenant_id);
        iso_time(e->at, when, sizeof(when));
        const char *const fields[] = { id,
                                       at,
                                       when,
                                       e->actor,
                                       e->client_ip,
                                       e->action,
                                       e->target,
                                       e->result,
                                       tenant,
                                       e->old_json ? e->old_json : "",
                                       e->new_json ? e->new_json : "",
                                       NULL };
        csv_line(x, fields);
    } else {
        json_row(x, audit_json(e));
    }
    return export_row(x);
}

static void on_audit_export(void *ctx, const struct http_req *req,
                            struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    bool is_csv = true;
    if (!api_authenticate(a, req, resp, &c)) {
        return;
    }
    if (c.p.role == STORE_ADMIN_USER || c.p.must_change) {
        api_problem(resp, 403, "Forbidden",
                    "administrators export the audit log", NULL, "role");
        return;
    }
    char actor[64];
    char action[64];
    uint64_t since = 0;
    if (!export_format(req, resp, &is_csv)
        || !arg_text(req, "actor", actor, sizeof(actor), resp)
        || !arg_text(req, "action", action, sizeof(action), resp)
        || !arg_num(req, "since", INT64_MAX, &since, resp)) {
        return;
    }
    struct store_audit_filter f = { 0 };
    f.actor = actor[0] ? actor : NULL;
    f.action_prefix = action[0] ? action : NULL;
    f.since = (int64_t)since;
    /* A tenant administrator sees their tenant's entries only. */
    f.tenant_id = c.p.role == STORE_ADMIN_TENANT ? c.p.tenant_id : 0;
    struct export x;
    export_init(&x, is_csv);
    if (is_csv) {
        static const char *const head[] = { "id",     "at",        "time",
                                            "actor",  "client_ip", "action",
                                            "target", "result",    "tenant_id",
                                            "old",    "new",       NULL };
        csv_line(&x, head);
        buf_append(&x.body, x.row.p, x.row.len);
        buf_reset(&x.row);
    }
    int rc = admin_audit_list(a->cfg.admin, &f, export_audit_cb, &x);
    if (rc < 0) {
        api_problem(resp, 500, NULL, "audit log unreadable", NULL, NULL);
    } else {
        export_send(&x, resp, "audit", "entries");
    }
    export_fini(&x);
}

/* ------------------------------------------------------------------ */
/* GET /dashboard                                                       */
/* ------------------------------------------------------------------ */

struct hours_sum {
    int64_t first;                /* start of the oldest hour shown */
    uint64_t attacks[DASH_HOURS]; /* oldest first */
    uint64_t all;                 /* every event in those hours */
};

static int hour_cb(void *ud, int64_t hour, const char *kind, uint64_t n)
{
    struct hours_sum *h = ud;
    enum sec_ev ev;
    int64_t i = (hour - h->first) / 3600;
    if (i < 0 || i >= DASH_HOURS) {
        return 0;
    }
    h->all += n;
    if (sec_ev_parse(kind, &ev) == 0 && sec_ev_is_attack(ev)) {
        h->attacks[i] += n;
    }
    return 0;
}

static int top_cb(void *ud, const char *address, const char *country,
                  uint64_t n)
{
    json_t *o = address[0]
                    ? json_pack("{s:o,s:o,s:I}", "address", jstr(address),
                                "country", jstr(country), "n", (json_int_t)n)
                    : json_pack("{s:o,s:I}", "country", jstr(country), "n",
                                (json_int_t)n);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

/* The attack kinds' names, for the top lists. */
static size_t attack_kinds(const char **kinds, size_t cap)
{
    size_t n = 0;
    for (int ev = 0; ev < SEC_EV_COUNT && n < cap; ev++) {
        if (sec_ev_is_attack((enum sec_ev)ev)) {
            kinds[n++] = sec_ev_name((enum sec_ev)ev);
        }
    }
    return n;
}

static void on_dashboard(void *ctx, const struct http_req *req,
                         struct http_resp *resp)
{
    struct api *a = ctx;
    struct api_caller c;
    if (!system_admin(a, req, resp, &c)) {
        return;
    }
    json_t *live = daemon_call(a, req, "dashboard.show", resp);
    if (!live) {
        return;
    }
    json_t *at = json_object_get(live, "at");
    int64_t now = json_is_integer(at) ? (int64_t)json_integer_value(at)
                                      : (int64_t)time(NULL);
    struct hours_sum h;
    memset(&h, 0, sizeof(h));
    h.first = now - now % 3600 - (DASH_HOURS - 1) * 3600;
    const char *kinds[STORE_EVENT_KINDS_MAX];
    size_t n_kinds = attack_kinds(kinds, STORE_EVENT_KINDS_MAX);
    json_t *per_hour = json_array();
    json_t *top_addr = json_array();
    json_t *top_cc = json_array();
    int rc = per_hour && top_addr && top_cc ? 0 : -ENOMEM;
    if (rc == 0) {
        rc = store_event_hours(a->cfg.st, h.first, h.first + DASH_HOURS * 3600,
                               hour_cb, &h);
    }
    if (rc == 0) {
        rc = store_event_top(a->cfg.st, STORE_EVENT_BY_ADDRESS, now - 86400,
                             kinds, n_kinds, TOP_N, top_cb, top_addr);
    }
    if (rc == 0) {
        rc = store_event_top(a->cfg.st, STORE_EVENT_BY_COUNTRY, now - 86400,
                             kinds, n_kinds, TOP_N, top_cb, top_cc);
    }
    for (int i = 0; rc == 0 && i < DASH_HOURS; i++) {
        json_t *o = json_pack("{s:I,s:I}", "hour",
                              (json_int_t)(h.first + (int64_t)i * 3600), "n",
                              (json_int_t)h.attacks[i]);
        rc = o && json_array_append_new(per_hour, o) == 0 ? 0 : -ENOMEM;
    }
    if (rc != 0) {
        json_decref(live);
        json_decref(per_hour);
        json_decref(top_addr);
        json_decref(top_cc);
        api_problem(resp, 500, NULL, "dashboard figures unreadable", NULL,
                    NULL);
        return;
    }
    json_t *o = json_pack("{s:O,s:O,s:O,s:I,s:o,s:o,s:o,s:I}", "registrations",
                          json_object_get(live, "registrations"),
                          "calls_active", json_object_get(live, "calls_active"),
                          "bans_active", json_object_get(live, "bans_active"),
                          "events_24h", (json_int_t)h.all, "attacks_per_hour",
                          per_hour, "top_addresses", top_addr, "top_countries",
                          top_cc, "at", (json_int_t)now);
    json_decref(live);
    ok_json(resp, 200, o);
}

const struct api_fixed_route api_event_routes[] = {
    { HTTP_GET, "/api/v1/security-events", on_list,
      "Security events, newest first (kind, address, since, limit, "
      "offset)" },
    { HTTP_GET, "/api/v1/security-events/export", on_events_export,
      "Security events as an attachment (format csv or json; kind, "
      "address, since)" },
    { HTTP_GET, "/api/v1/audit/export", on_audit_export,
      "Audit log as an attachment (format csv or json; actor, action, "
      "since)" },
    { HTTP_GET, "/api/v1/dashboard", on_dashboard,
      "Registrations, calls, bans, attacks per hour and top offenders" },
};
const size_t api_event_count =
    sizeof(api_event_routes) / sizeof(api_event_routes[0]);
