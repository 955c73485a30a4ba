/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Control socket server. Each connection sends one request line of at most
 * CONTROL_MAX_REQ bytes and gets one answer line; then it is closed. The
 * operations themselves are ops_exec()'s business; this file adds "ping"
 * (readiness), "stats", "event.flush", "dashboard.show" and "metrics.show"
 * (the daemon's live state) and the daemon's hooks.
 */
#include "daemon/control.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/log.h"
#include "checklist/checklist.h"
#include "daemon/config.h"
#include "daemon/core.h"
#include "daemon/persist.h"
#include "fw/render.h"
#include "fw/ssh.h"
#include "ops/ops.h"
#include "store/store.h"

#define CONTROL_MAX_REQ (32u << 20)

static const struct log_ctx lc = { "control", NULL };

struct client {
    uv_pipe_t pipe;
    uv_write_t wr;
    struct sw_control *ctl;
    struct buf in;
    char *reply;
    bool is_answered;
};

/* ---- hooks: the live location table ------------------------------------ */

struct list_ctx {
    json_t *arr;
    int64_t now_s;
};

static void add_binding(void *ud, const struct reg_binding_view *v)
{
    struct list_ctx *lc2 = ud;
    char aor[400];
    char contact[1024];
    char call_id[512];
    char ua[256];
    char source[96];
    struct store_binding b;

    memset(&b, 0, sizeof(b));
    snprintf(aor, sizeof(aor), "sip:%.*s", SV_FMT(v->aor));
    sv_copy_cstr(sv_slice(v->contact, 0, sizeof(contact) - 1), contact,
                 sizeof(contact));
    sv_copy_cstr(sv_slice(v->call_id, 0, sizeof(call_id) - 1), call_id,
                 sizeof(call_id));
    sv_copy_cstr(sv_slice(v->user_agent, 0, sizeof(ua) - 1), ua, sizeof(ua));
    if (sw_src_format(&v->src, source, sizeof(source)) != 0) {
        source[0] = '\0';
    }
    b.tenant_id = v->tenant_id;
    b.user_id = v->user_id;
    b.aor = aor;
    b.contact_uri = contact;
    b.expires_at = v->expires_at;
    b.call_id = call_id;
    b.cseq = v->cseq;
    b.source = source;
    b.user_agent = ua;
    b.updated_at = v->registered_at;
    char ext[STORE_EXT_MAX + 1] = "";
    char domain[STORE_DOMAIN_MAX + 1] = "";
    ptrdiff_t at = sv_find_char(v->aor, '@');
    if (at > 0) {
        sv_copy_cstr(sv_slice(v->aor, 0, (size_t)at), ext, sizeof(ext));
        sv_copy_cstr(sv_slice(v->aor, (size_t)at + 1, v->aor.len), domain,
                     sizeof(domain));
    }
    b.ext = ext;
    b.domain = domain;
    json_t *j = ops_binding_json(&b, lc2->now_s);
    if (j) {
        json_array_append_new(lc2->arr, j);
    }
}

static int hook_reg_list(void *ud, const char *domain, json_t **out)
{
    struct sw_control *c = ud;
    struct list_ctx l = { json_array(), clock_wall_s(NULL) };
    int64_t tenant_id = 0;

    if (!l.arr) {
        return -ENOMEM;
    }
    if (domain && domain[0]) {
        struct store_tenant t;
        int rc = store_tenant_find(c->st, domain, &t);
        if (rc != 0) {
            json_decref(l.arr);
            return rc;
        }
        tenant_id = t.id;
    }
    reg_loc_foreach(&c->core->loc, tenant_id, l.now_s, add_binding, &l);
    *out = l.arr;
    return 0;
}

struct rm_ctx {
    struct sv aor;
    int64_t user_id;
};

static void find_aor(void *ud, const struct reg_binding_view *v)
{
    struct rm_ctx *rc = ud;
    if (sv_eq_nocase(v->aor, rc->aor)) {
        rc->user_id = v->user_id;
    }
}

/* Cached look-ups are dropped after any change, and a removed extension
 * loses its live registrations at once. */
static void hook_after_change(void *ud, const char *op, const json_t *req)
{
    struct sw_control *c = ud;
    /* Every change can affect a cached tenant or credential. */
    sw_lookup_invalidate(&c->core->lookup);
    if (strcmp(op, "ban.lift") == 0) {
        const char *net = json_string_value(json_object_get(req, "net"));
        if (net) {
            sw_guard_lift(&c->core->guard, net);
        }
        /* "whitelist": an allow entry was added too. */
        if (json_is_true(json_object_get(req, "whitelist"))) {
            sw_guard_reload(&c->core->guard);
        }
        return;
    }
    if (strncmp(op, "security.", 9) == 0 || strncmp(op, "ip.", 3) == 0
        || strncmp(op, "ua.", 3) == 0 || strncmp(op, "geo.", 4) == 0
        || strncmp(op, "rate.", 5) == 0) {
        sw_guard_reload(&c->core->guard);
        if (strncmp(op, "security.", 9) == 0) {
            sw_evlog_reload(&c->core->evlog);
        }
        return;
    }
    /* Everything else may be call configuration (tenants, groups,
     * profiles, number lists, hours, trunks, rules, limits, fraud
     * thresholds, suspensions): the call policy reloads. */
    sw_calls_reload(c->core);
    if (strcmp(op, "user.rm") != 0) {
        return;
    }
    const char *user = json_string_value(json_object_get(req, "user"));
    if (!user) {
        return;
    }
    struct rm_ctx rc = { sv_cstr(user), 0 };
    reg_loc_foreach(&c->core->loc, 0, clock_wall_s(NULL), find_aor, &rc);
    if (rc.user_id != 0) {
        reg_loc_remove_user(&c->core->loc, rc.user_id);
    }
}

static int hook_ban_list(void *ud, json_t **out)
{
    struct sw_control *c = ud;
    return sw_guard_ban_list_json(&c->core->guard, out);
}

static const struct ops_hooks hooks = { hook_reg_list, hook_after_change,
                                        hook_ban_list };

/* ---- connections ------------------------------------------------------- */

static void on_client_closed(uv_handle_t *h)
{
    struct client *cl = h->data;
    cl->ctl->n_clients--;
    buf_fini(&cl->in);
    free(cl->reply);
    free(cl);
}

static void close_client(struct client *cl)
{
    if (!uv_is_closing((uv_handle_t *)&cl->pipe)) {
        uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
    }
}

static void on_written(uv_write_t *wr, int status)
{
    (void)status;
    close_client(wr->data);
}

static void put_u64(json_t *o, const char *key, _Atomic uint64_t *v)
{
    json_object_set_new(o, key, json_integer((json_int_t)atomic_load(v)));
}

/* `sipwarden stats`: the pipeline's, the registrar's and the shield's
 * counters. */
static json_t *stats_json(struct sw_core *core)
{
    json_t *st = json_object();
    if (!st) {
        return NULL;
    }
    put_u64(st, "requests", &core->stats.requests);
    put_u64(st, "responses_ignored", &core->stats.responses_ignored);
    put_u64(st, "bad_messages", &core->stats.bad_messages);
    put_u64(st, "keepalives", &core->stats.keepalives);
    put_u64(st, "shield_drops", &core->stats.shield_drops);
    put_u64(st, "send_errors", &core->stats.send_errors);
    put_u64(st, "auth_ok", &core->reg.stats.auth_ok);
    put_u64(st, "auth_failed", &core->reg.stats.auth_failed);
    put_u64(st, "challenges", &core->reg.stats.challenges);
    put_u64(st, "auth_blocked", &core->reg.stats.blocked);
    json_object_set_new(st, "registrations",
                        json_integer((json_int_t)reg_loc_count(
                            &core->loc, clock_wall_s(NULL))));
    sw_guard_stats_json(&core->guard, st);
    sw_calls_stats_json(core, st);
    sw_evlog_stats_json(&core->evlog, st);
    return json_pack("{s:b, s:o}", "ok", 1, "stats", st);
}

/* "event.flush": write the queued security events now, so a reader on
 * another store handle (the REST API) sees every event raised so far. */
static json_t *event_flush_json(struct sw_core *core)
{
    long n = sw_evlog_drain(&core->evlog);
    if (n < 0) {
        return json_pack("{s:b, s:s, s:s}", "ok", 0, "error",
                         "security events could not be written", "code",
                         "internal");
    }
    return json_pack("{s:b, s:I}", "ok", 1, "written", (json_int_t)n);
}

/* "dashboard.show": the live figures only the main thread's state holds
 * (the events' figures are read from the store by the caller). The queue
 * is written first, as for event.flush. */
static json_t *dashboard_json(struct sw_core *core)
{
    sw_evlog_drain(&core->evlog);
    int64_t now = clock_wall_s(NULL);
    return json_pack(
        "{s:b, s:I, s:I, s:I, s:I}", "ok", 1, "registrations",
        (json_int_t)reg_loc_count(&core->loc, now), "calls_active",
        (json_int_t)proxy_dlg_count(&core->proxy.dialogs), "bans_active",
        (json_int_t)(core->guard.sh
                         ? sec_bantable_count(sec_shield_bans(core->guard.sh))
                         : 0),
        "at", (json_int_t)now);
}

/* The audit's firewall probe: the helper keeps CAP_NET_ADMIN, the daemon
 * does not (checklist_fw_probe_fn). */
static int audit_fw_probe(void *ud, char *why, size_t cap)
{
    struct sw_control *c = ud;
    return fw_svc_probe(c->core->guard.fw, FW_SSH_TIMEOUT_MS, why, cap);
}

/* One request object, on the main thread, as the operator at 'client_ip'
 * (NULL: local). */
static json_t *run_json(struct sw_control *c, const json_t *req,
                        const char *client_ip)
{
    json_t *resp = NULL;
    const char *op = json_string_value(json_object_get(req, "op"));
    if (op && strcmp(op, "ping") == 0) {
        return json_pack("{s:b, s:s, s:s}", "ok", 1, "version", SW_VERSION,
                         "state", "serving");
    }
    if (op && strcmp(op, "stats") == 0) {
        return stats_json(c->core);
    }
    if (op && strcmp(op, "event.flush") == 0) {
        return event_flush_json(c->core);
    }
    if (op && strcmp(op, "dashboard.show") == 0) {
        return dashboard_json(c->core);
    }
    if (op && strcmp(op, "metrics.show") == 0) {
        return sw_metrics_json(c->core);
    }
    if (op && strncmp(op, "event.", 6) == 0) {
        /* Listings include every event raised before the request. */
        sw_evlog_drain(&c->core->evlog);
    }
    if (op && (strncmp(op, "cdr.", 4) == 0 || strncmp(op, "suspend.", 8) == 0)
        && c->core->calls.engine) {
        /* Records of calls that already ended are in the answer: the
         * queue the workers filled is written first. */
        calls_engine_drain(c->core->calls.engine, c->st);
    }
    struct ops_ctx ctx = {
        .st = c->st, .hooks = &hooks, .hooks_ud = c, .client_ip = client_ip
    };
    ctx.alert = c->core->evlog.alerts; /* alert.test, alert.status */
    struct fw_svc_cfg fwc;
    struct fw_ssh_ctl ssh; /* temporary SSH through the firewall helper */
    if (sw_config_fw_svc(c->core->cfg, &fwc) == 0) {
        fw_ssh_ctl_init(&ssh, &fwc, c->core->guard.fw);
        ctx.ssh = &ssh;
    }
    struct checklist_conf chk_conf; /* audit.run: the daemon's own view */
    struct checklist_ctx chk = { .conf = &chk_conf,
                                 .fw_probe = audit_fw_probe,
                                 .fw_ud = c };
    if (op && strcmp(op, "audit.run") == 0) {
        sw_config_checklist(c->core->cfg, &chk_conf);
        ctx.audit = &chk;
    }
    ops_exec(&ctx, req, &resp);
    if (!resp) {
        resp = json_pack("{s:b, s:s}", "ok", 0, "error", "internal error");
    }
    return resp;
}

static json_t *run_request(struct sw_control *c, const char *line)
{
    json_error_t jerr;
    json_t *req = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
    if (!req || !json_is_object(req)) {
        json_decref(req);
        return json_pack("{s:b, s:s}", "ok", 0, "error",
                         "request is not a JSON object");
    }
    json_t *resp = run_json(c, req, NULL);
    json_decref(req);
    return resp;
}

/* ---- requests from other threads (the HTTP server) ---------------------- */

struct remote_call {
    struct remote_call *next;
    json_t *req;
    char client_ip[64];
    json_t *resp;
    bool is_done;
    int refs; /* the caller and the queue; under the control's mutex */
};

static void remote_unref(struct sw_control *c, struct remote_call *rc)
{
    if (--rc->refs == 0) {
        json_decref(rc->req);
        json_decref(rc->resp);
        free(rc);
    }
    (void)c;
}

static void on_remote(uv_async_t *a)
{
    struct sw_control *c = a->data;
    pthread_mutex_lock(&c->r_mu);
    struct remote_call *list = c->r_head;
    c->r_head = c->r_tail = NULL;
    pthread_mutex_unlock(&c->r_mu);
    while (list) {
        struct remote_call *rc = list;
        list = rc->next;
        json_t *resp =
            run_json(c, rc->req, rc->client_ip[0] ? rc->client_ip : NULL);
        pthread_mutex_lock(&c->r_mu);
        rc->resp = resp;
        rc->is_done = true;
        remote_unref(c, rc);
        pthread_cond_broadcast(&c->r_cond);
        pthread_mutex_unlock(&c->r_mu);
    }
}

int sw_control_exec_remote(struct sw_control *c, const json_t *req,
                           const char *client_ip, uint32_t timeout_ms,
                           json_t **resp)
{
    *resp = NULL;
    struct remote_call *rc = calloc(1, sizeof(*rc));
    if (rc == NULL) {
        return -ENOMEM;
    }
    rc->req = json_deep_copy(req);
    snprintf(rc->client_ip, sizeof(rc->client_ip), "%s",
             client_ip ? client_ip : "");
    rc->refs = 2;
    pthread_mutex_lock(&c->r_mu);
    if (!c->has_remote || rc->req == NULL) {
        pthread_mutex_unlock(&c->r_mu);
        json_decref(rc->req);
        free(rc);
        return -ESHUTDOWN;
    }
    if (c->r_tail) {
        c->r_tail->next = rc;
    } else {
        c->r_head = rc;
    }
    c->r_tail = rc;
    uv_async_send(&c->remote);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += timeout_ms / 1000;
    dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl.tv_nsec >= 1000000000L) {
        dl.tv_sec++;
        dl.tv_nsec -= 1000000000L;
    }
    int err = 0;
    while (!rc->is_done && err == 0 && c->has_remote) {
        err = pthread_cond_timedwait(&c->r_cond, &c->r_mu, &dl);
    }
    int result = -ETIMEDOUT;
    if (rc->is_done) {
        *resp = json_incref(rc->resp);
        result = json_is_true(json_object_get(*resp, "ok")) ? 0 : -EINVAL;
    }
    remote_unref(c, rc);
    pthread_mutex_unlock(&c->r_mu);
    return result;
}

static void answer(struct client *cl)
{
    json_t *resp = run_request(cl->ctl, cl->in.p);
    char *text = resp ? json_dumps(resp, JSON_COMPACT) : NULL;
    json_decref(resp);
    cl->is_answered = true;
    uv_read_stop((uv_stream_t *)&cl->pipe);
    if (!text) {
        close_client(cl);
        return;
    }
    size_t n = strlen(text);
    cl->reply = malloc(n + 2);
    if (!cl->reply) {
        free(text);
        close_client(cl);
        return;
    }
    memcpy(cl->reply, text, n);
    free(text);
    cl->reply[n] = '\n';
    cl->reply[n + 1] = '\0';
    uv_buf_t b = uv_buf_init(cl->reply, (unsigned)(n + 1));
    cl->wr.data = cl;
    if (uv_write(&cl->wr, (uv_stream_t *)&cl->pipe, &b, 1, on_written) != 0) {
        close_client(cl);
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    struct client *cl = h->data;
    (void)hint;
    if (buf_reserve(&cl->in, 4096) != 0) {
        *b = uv_buf_init(NULL, 0);
        return;
    }
    *b = uv_buf_init(cl->in.p + cl->in.len, 4096);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    struct client *cl = s->data;
    (void)b;
    if (n < 0 || cl->is_answered) {
        close_client(cl);
        return;
    }
    if (n == 0) {
        if (cl->in.err) {
            log_warn(&lc, "control request over %u bytes refused",
                     CONTROL_MAX_REQ);
            close_client(cl);
        }
        return;
    }
    size_t old = cl->in.len;
    cl->in.len += (size_t)n;
    cl->in.p[cl->in.len] = '\0';
    char *nl = memchr(cl->in.p + old, '\n', (size_t)n);
    if (nl) {
        *nl = '\0';
        answer(cl);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    struct sw_control *c = server->data;
    if (status < 0) {
        return;
    }
    struct client *cl = calloc(1, sizeof(*cl));
    if (!cl) {
        return;
    }
    cl->ctl = c;
    buf_init(&cl->in, CONTROL_MAX_REQ);
    uv_pipe_init(c->loop, &cl->pipe, 0);
    cl->pipe.data = cl;
    c->n_clients++;
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0
        || uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read) != 0) {
        close_client(cl);
    }
}

/* ---- listening --------------------------------------------------------- */

/* True when a daemon already answers on 'path'. */
static bool socket_is_live(const char *path)
{
    struct sockaddr_un sun = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool live;

    if (fd == -1) {
        return false;
    }
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    live = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
    close(fd);
    return live;
}

int sw_control_open(struct sw_control *c, uv_loop_t *loop, const char *path,
                    struct store *st, struct sw_core *core)
{
    memset(c, 0, sizeof(*c));
    c->loop = loop;
    c->st = st;
    c->core = core;
    if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        log_err(&lc, "control socket path too long: %s", path);
        return -ENAMETOOLONG;
    }
    snprintf(c->path, sizeof(c->path), "%s", path);
    if (socket_is_live(path)) {
        log_err(&lc, "another sipwarden serves on %s", path);
        return -EADDRINUSE;
    }
    unlink(path);
    int rc = uv_pipe_init(loop, &c->pipe, 0);
    if (rc != 0) {
        return rc;
    }
    c->pipe.data = c;
    c->is_open = true;
    mode_t old = umask(0177);
    rc = uv_pipe_bind(&c->pipe, path);
    umask(old);
    if (rc == 0) {
        rc = uv_listen((uv_stream_t *)&c->pipe, 16, on_connection);
    }
    if (rc != 0) {
        log_err(&lc, "control socket %s: %s", path, uv_strerror(rc));
        sw_control_close(c);
        return rc;
    }
    chmod(path, 0600);
    pthread_mutex_init(&c->r_mu, NULL);
    pthread_cond_init(&c->r_cond, NULL);
    uv_async_init(loop, &c->remote, on_remote);
    c->remote.data = c;
    c->has_remote = true;
    return 0;
}

void sw_control_close(struct sw_control *c)
{
    if (!c->is_open) {
        return;
    }
    c->is_open = false;
    uv_close((uv_handle_t *)&c->pipe, NULL);
    unlink(c->path);
    if (c->has_remote) {
        /* Calls still queued get no answer: their callers time out. */
        pthread_mutex_lock(&c->r_mu);
        c->has_remote = false;
        while (c->r_head) {
            struct remote_call *rc = c->r_head;
            c->r_head = rc->next;
            remote_unref(c, rc);
        }
        c->r_tail = NULL;
        pthread_cond_broadcast(&c->r_cond);
        pthread_mutex_unlock(&c->r_mu);
        uv_close((uv_handle_t *)&c->remote, NULL);
    }
}
