/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /metrics: who may read it, the daemon's figures fetched through
 * "metrics.show" and the Prometheus text 0.0.4 made from them (a pure
 * function of the figures, tested in tests/unit/api/test_metrics.c).
 */
#include "api/metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"

/* ---- the allowed sources ---------------------------------------------- */

int api_metrics_allow_parse(const char *text, struct sec_net *out, size_t cap,
                            size_t *n, char *err, size_t err_cap)
{
    struct sv rest = sv_cstr(text ? text : "");
    *n = 0;
    while (rest.len > 0) {
        ptrdiff_t comma = sv_find_char(rest, ',');
        size_t end = comma < 0 ? rest.len : (size_t)comma;
        struct sv item = sv_trim(sv_slice(rest, 0, end));
        rest = comma < 0 ? SV_NULL : sv_slice(rest, end + 1, rest.len);
        if (item.len == 0) {
            continue;
        }
        if (*n >= cap) {
            snprintf(err, err_cap, "more than %zu networks", cap);
            return -EINVAL;
        }
        char why[SEC_NET_ERR_CAP];
        if (sec_net_parse(item, 0, &out[*n], NULL, why, sizeof(why)) != 0) {
            snprintf(err, err_cap, "'%.*s': %s", SV_FMT(item), why);
            return -EINVAL;
        }
        (*n)++;
    }
    return 0;
}

/* ---- rendering ---------------------------------------------------------- */

int api_metrics_escape_label(struct buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\') {
            buf_append_cstr(out, "\\\\");
        } else if (*v == '"') {
            buf_append_cstr(out, "\\\"");
        } else if (*v == '\n') {
            buf_append_cstr(out, "\\n");
        } else {
            buf_append_char(out, *v);
        }
    }
    return out->err;
}

int api_metrics_seconds(struct buf *out, uint64_t ns)
{
    char frac[16];
    snprintf(frac, sizeof(frac), "%09" PRIu64, ns % 1000000000u);
    size_t len = strlen(frac);
    while (len > 0 && frac[len - 1] == '0') {
        frac[--len] = '\0';
    }
    if (len == 0) {
        return buf_printf(out, "%" PRIu64, ns / 1000000000u);
    }
    return buf_printf(out, "%" PRIu64 ".%s", ns / 1000000000u, frac);
}

/* # HELP (text escaped: \\ and \n) and # TYPE. */
static void family(struct buf *out, const char *name, const char *type,
                   const char *help)
{
    buf_printf(out, "# HELP %s ", name);
    for (const char *p = help; *p; p++) {
        if (*p == '\\') {
            buf_append_cstr(out, "\\\\");
        } else if (*p == '\n') {
            buf_append_cstr(out, "\\n");
        } else {
            buf_append_char(out, *p);
        }
    }
    buf_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* name{label="value"} n, or name n without a label. */
static void sample(struct buf *out, const char *name, const char *label,
                   const char *value, uint64_t n)
{
    buf_append_cstr(out, name);
    if (label) {
        buf_printf(out, "{%s=\"", label);
        api_metrics_escape_label(out, value);
        buf_append_cstr(out, "\"}");
    }
    buf_printf(out, " %" PRIu64 "\n", n);
}

/* A member of 'o' by a dotted path ("calls.active"), or NULL. */
static json_t *member(const json_t *o, const char *path)
{
    json_t *m = NULL;
    char part[64];
    while (o && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof(part)) {
            return NULL;
        }
        memcpy(part, path, len);
        part[len] = '\0';
        o = m = json_object_get(o, part);
        path += len + (dot ? 1 : 0);
    }
    return m;
}

static uint64_t as_u64(const json_t *v)
{
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : 0;
    return n > 0 ? (uint64_t)n : 0;
}

/* One family of the daemon's figures. */
struct fam {
    const char *name;
    const char *type;  /* "counter" or "gauge" */
    const char *path;  /* member of "metrics.show" */
    const char *label; /* the member is an object: one sample per key */
    const char *help;
};

/* clang-format off */
static const struct fam fams[] = {
    { "sipwarden_sip_packets_received_total", "counter", "packets", "transport",
      "SIP packets and stream frames received, per transport" },
    { "sipwarden_sip_messages_parsed_total", "counter", "messages.parsed", NULL,
      "SIP messages (requests and responses) parsed" },
    { "sipwarden_sip_messages_bad_total", "counter", "messages.bad", NULL,
      "SIP messages that could not be parsed" },
    { "sipwarden_sip_bad_requests_answered_total", "counter", "messages.answered_400", NULL,
      "Unparsable requests answered with 400 Bad Request" },
    { "sipwarden_sip_requests_total", "counter", "messages.requests", NULL,
      "SIP requests parsed" },
    { "sipwarden_sip_keepalives_total", "counter", "messages.keepalives", NULL,
      "CRLF keep-alives received" },
    { "sipwarden_shield_packets_total", "counter", "shield_packets", NULL,
      "Packets the shield looked at" },
    { "sipwarden_shield_drops_total", "counter", "drops", "reason",
      "Packets and requests the shield dropped, per reason" },
    { "sipwarden_bans_active", "gauge", "bans_active", "rule",
      "Sources banned now, per rule that banned them" },
    { "sipwarden_bans_total", "counter", "bans_total", "rule",
      "Bans made or lengthened, per rule" },
    { "sipwarden_registrations_active", "gauge", "registrations", NULL,
      "Registered contacts (bindings) not expired" },
    { "sipwarden_register_responses_total", "counter", "register_results", "status",
      "REGISTER requests answered, per status" },
    { "sipwarden_auth_successes_total", "counter", "auth.ok", NULL,
      "Digest credentials accepted" },
    { "sipwarden_auth_failures_total", "counter", "auth.failed", NULL,
      "Digest credentials refused" },
    { "sipwarden_auth_challenges_total", "counter", "auth.challenges", NULL,
      "Digest challenges sent" },
    { "sipwarden_auth_blocked_total", "counter", "auth.blocked", NULL,
      "Requests of blocked users refused with 403" },
    { "sipwarden_calls_active", "gauge", "calls.active", NULL,
      "Dialogs in progress" },
    { "sipwarden_calls_started_total", "counter", "calls.started", NULL,
      "Calls that reached the call policy" },
    { "sipwarden_calls_answered_total", "counter", "calls.answered", NULL,
      "Calls answered, counted when they end" },
    { "sipwarden_calls_refused_total", "counter", "calls.refused_by_rule", "rule",
      "Calls refused by a rule or a limit, per rule" },
    { "sipwarden_calls_external_total", "counter", "calls.external", NULL,
      "Calls routed to a trunk" },
    { "sipwarden_calls_inbound_total", "counter", "calls.inbound", NULL,
      "Calls from a trunk" },
    { "sipwarden_fraud_warnings_total", "counter", "calls.fraud_warnings", NULL,
      "Fraud thresholds reached (warnings)" },
    { "sipwarden_fraud_suspensions_total", "counter", "calls.suspensions", NULL,
      "Extensions suspended by the fraud rules" },
    { "sipwarden_security_events_total", "counter", "security_events", "kind",
      "Security events raised, per kind" },
};
/* clang-format on */

static void render_fam(struct buf *out, const json_t *live, const struct fam *f)
{
    json_t *v = member(live, f->path);
    if (f->label && !json_is_object(v)) {
        return; /* nothing known: no samples, no family */
    }
    family(out, f->name, f->type, f->help);
    if (!f->label) {
        sample(out, f->name, NULL, NULL, as_u64(v));
        return;
    }
    const char *key;
    json_t *n;
    json_object_foreach(v, key, n)
    {
        sample(out, f->name, f->label, key, as_u64(n));
    }
}

/* The lines of one histogram (one label value, or none). */
static void render_hist(struct buf *out, const char *name, const char *label,
                        const char *value, const struct hist_snap *s)
{
    uint64_t cum = 0;
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        cum += s->n[i];
        buf_printf(out, "%s_bucket{", name);
        if (label) {
            buf_printf(out, "%s=\"", label);
            api_metrics_escape_label(out, value);
            buf_append_cstr(out, "\",");
        }
        buf_append_cstr(out, "le=\"");
        if (i < HIST_BOUNDS) {
            api_metrics_seconds(out, hist_bounds_ns[i]);
        } else {
            buf_append_cstr(out, "+Inf");
        }
        buf_printf(out, "\"} %" PRIu64 "\n", cum);
    }
    const char *suffix[2] = { "_sum", "_count" };
    for (int k = 0; k < 2; k++) {
        buf_printf(out, "%s%s", name, suffix[k]);
        if (label) {
            buf_printf(out, "{%s=\"", label);
            api_metrics_escape_label(out, value);
            buf_append_cstr(out, "\"}");
        }
        buf_append_char(out, ' ');
        if (k == 0) {
            api_metrics_seconds(out, s->sum_ns);
        } else {
            buf_printf(out, "%" PRIu64, cum);
        }
        buf_append_char(out, '\n');
    }
}

/* {"buckets":[HIST_BUCKETS numbers], "sum_ns":N} into 's'; false when the
 * shape is wrong. */
static bool hist_from_json(const json_t *j, struct hist_snap *s)
{
    const json_t *b = json_object_get(j, "buckets");
    if (!json_is_array(b) || json_array_size(b) != HIST_BUCKETS) {
        return false;
    }
    memset(s, 0, sizeof(*s));
    for (size_t i = 0; i < HIST_BUCKETS; i++) {
        s->n[i] = as_u64(json_array_get(b, i));
    }
    s->sum_ns = as_u64(json_object_get(j, "sum_ns"));
    return true;
}

int api_metrics_render(const json_t *live, const struct http_stats *hs,
                       const struct hist_snap *http_lat, struct buf *out)
{
    for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
        render_fam(out, live, &fams[i]);
    }
    json_t *lat = member(live, "sip_latency");
    if (json_is_object(lat)) {
        const char *name = "sipwarden_sip_request_duration_seconds";
        family(out, name, "histogram",
               "SIP request handling time from receive to answer or "
               "forward, per method class");
        const char *key;
        json_t *h;
        json_object_foreach(lat, key, h)
        {
            struct hist_snap s;
            if (hist_from_json(h, &s)) {
                render_hist(out, name, "method", key, &s);
            }
        }
    }
    if (hs) {
        family(out, "sipwarden_http_requests_total", "counter",
               "HTTP requests received (headers complete)");
        sample(out, "sipwarden_http_requests_total", NULL, NULL, hs->requests);
        family(out, "sipwarden_http_responses_total", "counter",
               "HTTP responses sent, per status class");
        for (int c = 1; c <= 5; c++) {
            char cls[4] = { (char)('0' + c), 'x', 'x', '\0' };
            sample(out, "sipwarden_http_responses_total", "class", cls,
                   hs->responses[c]);
        }
    }
    if (http_lat) {
        const char *name = "sipwarden_http_handler_duration_seconds";
        family(out, name, "histogram",
               "Time HTTP route handlers took (API, sign-in, metrics)");
        render_hist(out, name, NULL, NULL, http_lat);
    }
    return out->err;
}

/* ---- the route ---------------------------------------------------------- */

static bool source_allowed(const struct api *a, const struct http_req *req)
{
    for (size_t i = 0; i < a->n_metrics_allow; i++) {
        if (sec_net_covers(&a->metrics_allow[i], &req->peer)) {
            return true;
        }
    }
    return false;
}

/* Allowed source, or a system administrator's bearer token. */
static bool may_read(struct api *a, const struct http_req *req,
                     struct http_resp *resp)
{
    if (source_allowed(a, req)) {
        return true;
    }
    bool bearer = req->authorization.len > 7
                  && strncasecmp(req->authorization.p, "Bearer ", 7) == 0;
    if (!bearer) {
        api_problem(resp, 403, "Forbidden",
                    "this address may not read the metrics without a system "
                    "administrator's API token",
                    NULL, "metrics_allow");
        return false;
    }
    struct api_caller c;
    if (!api_authenticate(a, req, resp, &c)) {
        return false;
    }
    if (c.p.role != STORE_ADMIN_SYSTEM || c.p.must_change) {
        api_problem(resp, 403, "Forbidden",
                    "only system administrators read the metrics", NULL,
                    "role");
        return false;
    }
    return true;
}

static void on_metrics(void *ctx, const struct http_req *req,
                       struct http_resp *resp)
{
    struct api *a = ctx;
    if (!may_read(a, req, resp)) {
        return;
    }
    json_t *r = json_pack("{s:s}", "op", "metrics.show");
    json_t *live = NULL;
    if (r) {
        a->cfg.exec(a->cfg.ud, r, req->client_ip, &live);
        json_decref(r);
    }
    if (!json_is_true(json_object_get(live, "ok"))) {
        json_decref(live);
        api_problem(resp, 503, "Daemon busy",
                    "the daemon did not answer with its figures; try again",
                    NULL, NULL);
        return;
    }
    struct http_stats hs;
    struct hist_snap lat;
    memset(&lat, 0, sizeof(lat));
    if (a->srv) {
        http_server_stats(a->srv, &hs);
        http_server_latency(a->srv, &lat);
    }
    struct buf text;
    buf_init(&text, HTTP_RESP_BODY_MAX);
    int rc = api_metrics_render(live, a->srv ? &hs : NULL, a->srv ? &lat : NULL,
                                &text);
    json_decref(live);
    if (rc != 0) {
        api_problem(resp, 500, NULL, "metrics could not be rendered", NULL,
                    NULL);
    } else {
        http_resp_set(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
                      text.p, text.len);
    }
    buf_fini(&text);
}

const struct api_fixed_route api_metrics_routes[] = {
    { HTTP_GET, "/metrics", on_metrics,
      "Prometheus metrics (text format 0.0.4): allowed sources, or a "
      "system administrator's API token" },
};
const size_t api_metrics_count =
    sizeof(api_metrics_routes) / sizeof(api_metrics_routes[0]);
