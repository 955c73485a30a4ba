/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lifecycle of `sipwarden serve`. Start: the shield and the nftables
 * helper (forked before any thread, then firewall privileges are
 * dropped), store and migrations, TLS certificate, location table
 * (restored from the store), registrar, the shield's configuration and
 * bans, the security event log, worker pool with listeners, control
 * socket, persister timer.
 * Stop on SIGTERM / SIGINT: control socket and timers first, then the
 * workers, then a last flush of registrations and bans. The sections below
 * follow that order.
 */
#include "daemon/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/cli.h"
#include "daemon/adminctl.h"
#include "daemon/alertctl.h"
#include "daemon/config.h"
#include "daemon/control.h"
#include "daemon/core.h"
#include "daemon/persist.h"
#include "daemon/pipeline.h"
#include "loop/signals.h"
#include "loop/worker.h"
#include "net/net.h"
#include "net/tls.h"
#include "sec/ban.h"
#include "sec/shield.h"
#include "store/store.h"

#define PERSIST_INTERVAL_MS  200
#define PURGE_EVERY_TICKS    50 /* 10 s */
#define NONCE_KEY_FILE       "nonce.key"
#define LOOKUP_CACHE_ENTRIES (256u * 1024u)
#define LOOKUP_CACHE_TTL_MS  (15u * 60u * 1000u)

static const struct log_ctx lc = { "daemon", NULL };

struct serve {
    const struct sw_config *cfg;
    struct sw_core core;
    struct store *st; /* main thread's handle */
    struct loop_pool pool;
    uv_loop_t loop; /* main thread */
    struct loop_signals sigs;
    struct sw_control ctl;
    struct sw_admin admin; /* HTTPS portal and REST API */
    struct sw_persist persist;
    uv_timer_t persist_timer;
    bool has_persist_timer;
    unsigned ticks;
    struct net_tls_ctx *tls;
    bool is_stopping;
    bool has_guard; /* sw_guard_init() ran: sw_guard_fini() is due */
    bool has_proxy; /* proxy_core_init() ran: proxy_core_fini() is due */
    enum net_proto listener_proto[NET_MAX_LISTENERS]; /* by listener id */
};

/* ---- worker threads ---------------------------------------------------- */

static void on_timer_closed(uv_handle_t *h)
{
    struct sw_worker *w = h->data;
    sw_calls_worker_fini(w);
    sip_txn_table_fini(&w->txn);
    if (w->has_proxy) {
        w->has_proxy = false;
        proxy_worker_fini(&w->proxy);
    }
    store_close(w->st);
    w->st = NULL;
    buf_fini(&w->out);
}

static void worker_stop(struct loop_worker *lw, void *ud)
{
    struct sw_worker *w = ud;
    (void)lw;
    sec_shield_view_fini(&w->shield);
    if (w->is_ready) {
        w->is_ready = false;
        uv_close((uv_handle_t *)&w->txn_timer, on_timer_closed);
    }
}

/* The address our Via and Record-Route carry: the UDP listener's, or for
 * a wildcard listener the address the system would send from. */
static void own_address(struct net_addr *a)
{
    struct sockaddr_in probe = { .sin_family = AF_INET,
                                 .sin_port = htons(5060) };
    struct sockaddr_in me;
    socklen_t len = sizeof(me);
    uint16_t port = net_addr_port(a);

    inet_pton(AF_INET, "192.0.2.1", &probe.sin_addr); /* never reached */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd != -1 && connect(fd, (struct sockaddr *)&probe, sizeof(probe)) == 0
        && getsockname(fd, (struct sockaddr *)&me, &len) == 0
        && net_addr_from_sa(a, (struct sockaddr *)&me, len) == 0) {
        net_addr_set_port(a, port);
    } else {
        net_addr_parse("127.0.0.1", port, a);
    }
    if (fd != -1) {
        close(fd);
    }
}

/* The flow of a contact registered over TCP or TLS: its connection. */
static int stream_dest(void *ud, const struct reg_src *src,
                       struct sip_txn_dest *out)
{
    struct sw_core *core = ud;
    uint8_t ip16[16];
    memset(out, 0, sizeof(*out));
    if (src->family == AF_INET) {
        static const uint8_t mapped[12] = { 0, 0, 0, 0, 0,    0,
                                            0, 0, 0, 0, 0xff, 0xff };
        memcpy(ip16, mapped, 12);
        memcpy(ip16 + 12, src->ip, 4);
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)out->addr;
        in->sin_family = AF_INET;
        in->sin_port = htons(src->port);
        memcpy(&in->sin_addr, src->ip, 4);
    } else {
        memcpy(ip16, src->ip, 16);
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)out->addr;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(src->port);
        memcpy(&in6->sin6_addr, src->ip, 16);
    }
    uint64_t id = sw_conns_find(&core->conns, src->transport, ip16, src->port);
    if (id == 0) {
        return -ENOTCONN;
    }
    out->transport = src->transport;
    out->conn_id = id;
    return 0;
}

/* The first TCP, TLS and WSS listeners make the proxy's stream sides. */
static void stream_sides(struct serve *s)
{
    struct proxy_core *pc = &s->core.proxy;
    for (int proto = NET_PROTO_TCP; proto <= NET_PROTO_WSS; proto++) {
        struct net_addr a;
        for (unsigned id = 0; id < NET_MAX_LISTENERS
                              && net_ctx_bound_addr(s->core.net, id, &a) == 0;
             id++) {
            if ((int)s->listener_proto[id] != proto) {
                continue;
            }
            int rc =
                proxy_core_set_stream(pc, proto, &a, stream_dest, &s->core);
            if (rc != 0) {
                log_warn(&lc, "calls over %s: not on %s (%s)",
                         net_proto_name((enum net_proto)proto), pc->self_ip,
                         strerror(-rc));
            }
            break;
        }
    }
}

/* Calls are proxied: the first worker fixes our address (and the stream
 * sides), every worker sends UDP from its own socket of the first UDP
 * listener. A worker without it answers INVITEs 501 as before. */
static void proxy_setup(struct serve *s, struct sw_worker *w,
                        struct loop_worker *lw)
{
    struct proxy_core *pc = &s->core.proxy;
    struct net_addr a;
    unsigned id = 0;

    while (id < NET_MAX_LISTENERS
           && net_ctx_bound_addr(s->core.net, id, &a) == 0
           && s->listener_proto[id] != NET_PROTO_UDP) {
        id++;
    }
    if (!s->has_proxy || id == NET_MAX_LISTENERS
        || net_ctx_bound_addr(s->core.net, id, &a) != 0) {
        return;
    }
    if (lw->index == 0) {
        if (net_addr_is_any(&a)) {
            own_address(&a);
        }
        if (proxy_core_set_address(pc, &a) == 0) {
            log_info(&lc, "calls: proxy address %s",
                     pc->side[NET_PROTO_UDP].sent_by);
            stream_sides(s);
        }
    }
    struct net_udp *udp = net_ctx_udp(s->core.net, lw->index, id);
    if (!pc->side[NET_PROTO_UDP].on || udp == NULL) {
        return;
    }
    int rc = proxy_worker_init(&w->proxy, pc, &w->txn, lw->index,
                               (uint64_t)(uintptr_t)udp);
    if (rc != 0) {
        log_warn(&lc, "worker %u: no call proxy: %s", lw->index, strerror(-rc));
        return;
    }
    w->has_proxy = true;
    sw_calls_worker_start(w);
}

static int worker_init(struct loop_worker *lw, void *ud)
{
    struct serve *s = ud;
    struct sw_worker *w = &s->core.workers[lw->index];
    struct sip_txn_config tcfg;
    char err[STORE_ERRMSG_CAP];
    int rc;

    w->core = &s->core;
    w->lw = lw;
    w->txn_timer_due_ms = UINT64_MAX;
    buf_init(&w->out, SIP_MAX_MSG_LEN);
    rc = store_open(s->cfg->data_dir, &w->st, err, sizeof(err));
    if (rc != 0) {
        log_err(&lc, "worker %u: store: %s", lw->index, err);
        buf_fini(&w->out);
        return rc;
    }
    sip_txn_config_default(&tcfg);
    tcfg.max_entries = s->cfg->max_transactions;
    rc = sip_txn_table_init(&w->txn, &tcfg, sw_pipeline_txn_send, w);
    if (rc != 0) {
        store_close(w->st);
        buf_fini(&w->out);
        return rc;
    }
    uv_timer_init(&lw->loop, &w->txn_timer);
    w->txn_timer.data = w;
    w->is_ready = true;
    /* Registered before the listeners' hook, so it runs after it: no
     * packet can arrive once the transaction table is gone. */
    rc = loop_worker_on_stop(lw, worker_stop, w);
    if (rc != 0) {
        worker_stop(lw, w);
        return rc;
    }
    rc = net_worker_start(s->core.net, lw);
    if (rc == 0) {
        proxy_setup(s, w, lw);
    }
    return rc;
}

/* ---- listeners --------------------------------------------------------- */

/* The SNI directory: [sip] tls_sni_dir, or <data_dir>/tls/sni. */
static void sni_dir(const struct sw_config *cfg, char *out, size_t cap)
{
    if (cfg->tls_sni_dir[0]) {
        snprintf(out, cap, "%s", cfg->tls_sni_dir);
    } else {
        snprintf(out, cap, "%s/tls/sni", cfg->data_dir);
    }
}

/* The TLS server context shared by every TLS listener (made once). */
static int ensure_tls(struct serve *s)
{
    const struct sw_config *cfg = s->cfg;
    char *cert = NULL;
    char *key = NULL;
    char err[512] = "";
    char sni[PATH_MAX + 16];
    int rc = 0;

    if (s->tls) {
        return 0;
    }
    if (!cfg->tls_cert[0]) {
        char host[256] = "localhost";
        gethostname(host, sizeof(host) - 1);
        rc = net_tls_selfsigned_ensure(cfg->data_dir, host, &cert, &key);
        if (rc == 0) {
            log_info(&lc, "TLS certificate: %s (self-signed)", cert);
        } else {
            snprintf(err, sizeof(err),
                     "cannot create a self-signed "
                     "certificate in the data directory "
                     "(%s)",
                     strerror(rc < 0 ? -rc : rc));
        }
    }
    if (rc == 0) {
        sni_dir(cfg, sni, sizeof(sni));
        struct net_tls_opts o = {
            .cert_path = cert ? cert : cfg->tls_cert,
            .key_path = key ? key : cfg->tls_key,
            .sni_dir = sni,
            .client_ca = cfg->tls_client_ca,
        };
        rc = net_tls_ctx_new_opts(&s->tls, &o, err, sizeof(err));
        s->core.tls = s->tls;
    }
    if (rc != 0) {
        log_err(&lc, "TLS: %s", err);
    } else if (cfg->tls_client_ca[0]) {
        log_info(&lc, "TLS: client certificates checked against %s",
                 cfg->tls_client_ca);
    }
    free(cert);
    free(key);
    return rc;
}

/* SIGHUP: certificates, keys and the SNI directory read again. */
static void reload_tls(struct serve *s)
{
    if (!s->tls) {
        return;
    }
    char err[512] = "";
    size_t n_sni = 0;
    int rc = net_tls_ctx_reload(s->tls, &n_sni, err, sizeof(err));
    if (rc != 0) {
        log_err(&lc, "TLS reload failed, keeping the old certificates: %s",
                err);
        return;
    }
    log_info(&lc, "TLS certificates reloaded (%zu SNI)", n_sni);
}

/* WSS accept filter: a banned source gets no WebSocket connection (its
 * packets would be dropped by the shield anyway; this spares the TLS and
 * WebSocket handshakes). */
static int wss_accept(void *ud, const struct net_addr *peer,
                      enum net_proto proto)
{
    struct sw_core *core = ud;
    (void)proto;
    return sec_bantable_check(sec_shield_bans(core->guard.sh), peer,
                              (int64_t)time(NULL), NULL)
               ? -EACCES
               : 0;
}

static int add_listener(struct serve *s, enum net_proto proto, const char *spec,
                        uint16_t default_port)
{
    struct net_listen_spec ls;

    if (spec[0] == '\0') {
        return 0;
    }
    memset(&ls, 0, sizeof(ls));
    if (net_addr_parse_bind(spec, default_port, &ls.addr, &ls.dual_stack)
        != 0) {
        log_err(&lc, "%s listen address '%s' is not ADDRESS:PORT",
                net_proto_name(proto), spec);
        return -EINVAL;
    }
    ls.proto = proto;
    ls.on_msg = sw_pipeline_on_msg;
    ls.ud = &s->core;
    if (proto != NET_PROTO_UDP) {
        ls.frame = sw_pipeline_frame;
        ls.on_close = sw_pipeline_on_close;
    }
    if (net_proto_is_tls(proto)) {
        int rc = ensure_tls(s);
        if (rc != 0) {
            return rc;
        }
        ls.tls = s->tls;
    }
    if (proto == NET_PROTO_WSS) {
        ls.ws_origins = s->cfg->wss_origins;
        ls.on_accept = wss_accept;
    }
    unsigned id;
    int rc = net_ctx_listen(s->core.net, &ls, &id);
    if (rc == 0) {
        s->listener_proto[id] = proto;
    }
    return rc;
}

static void print_listeners(struct serve *s)
{
    for (unsigned id = 0; id < NET_MAX_LISTENERS; id++) {
        struct net_addr a;
        char txt[NET_ADDR_FMT_CAP];
        if (net_ctx_bound_addr(s->core.net, id, &a) != 0) {
            break;
        }
        printf("sipwarden: listening on %s %s\n",
               net_proto_name(s->listener_proto[id]),
               net_addr_fmt(&a, txt, sizeof(txt)));
    }
}

/* ---- main loop: signals, persister ------------------------------------- */

static void stop_main(struct serve *s)
{
    if (s->is_stopping) {
        return;
    }
    s->is_stopping = true;
    log_info(&lc, "stopping");
    sw_admin_stop(&s->admin); /* joins the HTTP thread, which uses ctl */
    sw_control_close(&s->ctl);
    sw_guard_close(&s->core.guard);
    sw_evlog_close(&s->core.evlog);
    sw_calls_close(&s->core);
    loop_signals_close(&s->sigs);
    if (s->has_persist_timer) {
        uv_close((uv_handle_t *)&s->persist_timer, NULL);
    }
}

static void on_signal(void *ud, int signum)
{
    struct serve *s = ud;
    if (signum == SIGHUP) {
        log_info(&lc, "SIGHUP: reloading the shield's configuration");
        reload_tls(s);
        sw_guard_reload(&s->core.guard);
        sw_evlog_reload(&s->core.evlog);
        sw_calls_reload(&s->core);
        return;
    }
    stop_main(s);
}

static void on_persist_timer(uv_timer_t *t)
{
    struct serve *s = t->data;
    int64_t now = clock_wall_s(NULL);
    sw_persist_flush(&s->persist, now);
    sw_calls_tick(&s->core, now);
    if (++s->ticks % PURGE_EVERY_TICKS == 0) {
        sw_persist_purge(&s->persist, now);
        /* Dialogs that never saw their BYE end here. */
        proxy_core_expire(&s->core.proxy, uv_now(&s->loop));
        /* Expired transactions and bindings free memory on every worker;
         * give the unused heap back to the system so the resident size
         * follows the real load instead of its peak. */
        malloc_trim(0);
    }
}

/* The nonce key survives restarts so phones holding a nonce from before a
 * restart are not counted as failing authentication. */
static int load_nonce_key(const char *dir, uint8_t key[32])
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/%s", dir, NONCE_KEY_FILE);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd != -1) {
        ssize_t n = read(fd, key, 32);
        close(fd);
        if (n == 32) {
            return 0;
        }
        log_warn(&lc, "%s is damaged, making a new one", path);
    }
    if (RAND_bytes(key, 32) != 1) {
        return -EIO;
    }
    fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd == -1 || write(fd, key, 32) != 32) {
        if (fd != -1) {
            close(fd);
        }
        return -errno;
    }
    close(fd);
    return 0;
}

/* ---- start and stop ---------------------------------------------------- */

/* The admin plane uses the SIP TLS certificate (configured or made at
 * first start). */
static int start_admin(struct serve *s)
{
    const struct sw_config *cfg = s->cfg;
    char *cert = NULL;
    char *key = NULL;
    int rc = 0;
    if (!cfg->tls_cert[0]) {
        char host[256] = "localhost";
        gethostname(host, sizeof(host) - 1);
        rc = net_tls_selfsigned_ensure(cfg->data_dir, host, &cert, &key);
    }
    /* HTTPS handshakes use the SIP TLS certificates too (SNI, reload). */
    if (rc == 0 && cfg->http_listen[0]) {
        rc = ensure_tls(s);
    }
    if (rc == 0) {
        rc = sw_admin_start(&s->admin, cfg, cert ? cert : cfg->tls_cert,
                            key ? key : cfg->tls_key, &s->core, &s->ctl);
    }
    free(cert);
    free(key);
    return rc;
}

static int start(struct serve *s)
{
    const struct sw_config *cfg = s->cfg;
    char err[STORE_ERRMSG_CAP];
    uint8_t nonce_key[32];
    struct net_cfg ncfg;
    int rc;

    /* First, while the process has one thread: the nftables helper is
     * forked and the daemon gives up its firewall privileges. */
    rc = sw_guard_init(&s->core.guard, cfg);
    if (rc != 0) {
        return rc;
    }
    s->has_guard = true;
    rc = store_open(cfg->data_dir, &s->st, err, sizeof(err));
    if (rc != 0) {
        log_err(&lc, "store: %s", err);
        return rc;
    }
    rc = load_nonce_key(cfg->data_dir, nonce_key);
    if (rc != 0) {
        log_err(&lc, "nonce key in %s: %s", cfg->data_dir, strerror(-rc));
        return rc;
    }
    rc = sw_lookup_init(&s->core.lookup, LOOKUP_CACHE_ENTRIES,
                        LOOKUP_CACHE_TTL_MS);
    if (rc == 0) {
        rc = reg_loc_init(&s->core.loc);
    }
    if (rc == 0) {
        rc = reg_registrar_init(&s->core.reg, &s->core.loc, NULL, nonce_key,
                                cfg->nonce_lifetime_s);
    }
    if (rc == 0) {
        rc = reg_registrar_set_algorithms(&s->core.reg, cfg->digest_algs,
                                          cfg->n_digest_algs);
    }
    if (rc != 0) {
        log_err(&lc, "registrar: %s", strerror(-rc));
        return rc;
    }
    rc = sw_calls_open(&s->core, &s->loop, s->st, nonce_key,
                       cfg->nonce_lifetime_s);
    if (rc != 0) {
        log_err(&lc, "call policy: %s", strerror(-rc));
        return rc;
    }
    struct proxy_policy policy;
    calls_engine_policy(s->core.calls.engine, &policy);
    rc = proxy_core_init(&s->core.proxy, NULL, &policy, &s->core.loc);
    if (rc != 0) {
        log_err(&lc, "call proxy: %s", strerror(-rc));
        return rc;
    }
    s->has_proxy = true;
    sw_persist_init(&s->persist, &s->core.loc, s->st);
    long n = sw_persist_restore(&s->persist, clock_wall_s(NULL));
    if (n < 0) {
        log_err(&lc, "loading registrations: %s", store_errmsg(s->st));
        return (int)n;
    }
    log_info(&lc, "restored %ld registrations", n);
    rc = sw_guard_open(&s->core.guard, &s->loop, s->st);
    if (rc != 0) {
        return rc;
    }
    /* Before any thread that can raise a security event. */
    rc = sw_evlog_open(&s->core.evlog, &s->loop, s->st);
    if (rc != 0) {
        return rc;
    }
    /* Alerts hang on the event log's drain: after it, before the workers. */
    rc = sw_alerts_open(&s->core.evlog, cfg, s->st);
    if (rc != 0) {
        return rc;
    }

    rc = loop_pool_init(&s->pool, cfg->workers);
    if (rc != 0) {
        return rc;
    }
    s->core.n_workers = s->pool.n_workers;
    s->core.workers = calloc(s->pool.n_workers, sizeof(*s->core.workers));
    if (!s->core.workers) {
        return -ENOMEM;
    }
    rc = sw_conns_init(&s->core.conns);
    if (rc != 0) {
        return rc;
    }
    net_cfg_default(&ncfg);
    ncfg.udp_rcvbuf_bytes = cfg->udp_rcvbuf_bytes;
    ncfg.idle_timeout_ms = cfg->tcp_idle_timeout_s * 1000u;
    ncfg.max_conns_per_ip = cfg->tcp_max_conns_per_ip;
    ncfg.max_conns = cfg->tcp_max_conns;
    ncfg.max_frame_bytes = SIP_MAX_MSG_LEN;
    rc = net_ctx_new(&s->core.net, &s->pool, &ncfg);
    if (rc == 0) {
        rc = add_listener(s, NET_PROTO_UDP, cfg->sip_udp, 5060);
    }
    if (rc == 0) {
        rc = add_listener(s, NET_PROTO_TCP, cfg->sip_tcp, 5063);
    }
    if (rc == 0) {
        rc = add_listener(s, NET_PROTO_TLS, cfg->sip_tls, 5061);
    }
    if (rc == 0) {
        rc = add_listener(s, NET_PROTO_WSS, cfg->sip_wss, 5065);
    }
    if (rc != 0) {
        return rc;
    }
    rc = loop_pool_start(&s->pool, worker_init, s);
    if (rc != 0) {
        log_err(&lc, "starting workers: %s", rc < 0 ? strerror(-rc) : "error");
        return rc;
    }
    print_listeners(s);

    uv_timer_init(&s->loop, &s->persist_timer);
    s->persist_timer.data = s;
    s->has_persist_timer = true;
    uv_timer_start(&s->persist_timer, on_persist_timer, PERSIST_INTERVAL_MS,
                   PERSIST_INTERVAL_MS);
    rc = loop_signals_init(&s->sigs, &s->loop, on_signal, s);
    if (rc != 0) {
        return rc;
    }
    char sock[PATH_MAX + 16];
    snprintf(sock, sizeof(sock), "%s/control.sock", cfg->data_dir);
    rc = sw_control_open(&s->ctl, &s->loop, sock, s->st, &s->core);
    if (rc != 0) {
        return rc;
    }
    if (cfg->http_listen[0]) {
        rc = start_admin(s);
        if (rc != 0) {
            return rc;
        }
    }
    printf("sipwarden: %u workers, data in %s, control socket %s\n",
           s->pool.n_workers, cfg->data_dir, sock);
    fflush(stdout);
    log_info(&lc, "serving");
    return 0;
}

static void finish(struct serve *s)
{
    sw_admin_stop(&s->admin);
    loop_pool_stop(&s->pool);
    if (s->st) {
        if (sw_persist_flush(&s->persist, clock_wall_s(NULL)) != 0) {
            log_err(&lc, "last write of registrations failed");
        }
    }
    if (s->has_guard) {
        sw_guard_fini(&s->core.guard);
    }
    /* Every producer is gone: the last events are written. */
    sw_evlog_fini(&s->core.evlog);
    sw_alerts_close(&s->core.evlog); /* after the last drain's alerts */
    sw_conns_fini(&s->core.conns);
    net_ctx_free(s->core.net);
    s->core.net = NULL;
    loop_pool_fini(&s->pool);
    net_tls_ctx_free(s->tls);
    free(s->core.workers);
    if (s->has_proxy) {
        proxy_core_fini(&s->core.proxy);
    }
    sw_calls_fini(&s->core);
    reg_registrar_fini(&s->core.reg);
    reg_loc_fini(&s->core.loc);
    sw_lookup_fini(&s->core.lookup);
    store_close(s->st);
    uv_loop_close(&s->loop);
}

int sw_serve(const struct sw_config *cfg)
{
    struct serve *s = calloc(1, sizeof(*s));
    int rc;

    if (!s) {
        return -ENOMEM;
    }
    log_set_level((enum log_level)cfg->log_level);
    /* A peer that goes away mid-write (a CLI client, a TCP phone) must
     * cost an EPIPE, never the process. */
    signal(SIGPIPE, SIG_IGN);
    s->cfg = cfg;
    s->core.cfg = cfg;
    uv_loop_init(&s->loop);
    rc = start(s);
    if (rc != 0) {
        fprintf(stderr, "sipwarden: could not start (see the log above)\n");
        stop_main(s);
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    finish(s);
    log_info(&lc, "stopped");
    free(s);
    return rc;
}

/* ---- wait-ready -------------------------------------------------------- */

int sw_wait_ready(const struct sw_config *cfg, int argc, char **argv)
{
    uint64_t timeout_s = 10;
    char sock[PATH_MAX + 16];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc
            && sv_to_u64(sv_cstr(argv[i + 1]), 86400, &timeout_s) == 0) {
            i++;
        } else {
            fprintf(stderr, "usage: sipwarden wait-ready [--timeout "
                            "SECONDS]\n");
            return 2;
        }
    }
    snprintf(sock, sizeof(sock), "%s/control.sock", cfg->data_dir);
    uint64_t deadline = clock_mono_ms(NULL) + timeout_s * 1000u;
    json_t *ping = json_pack("{s:s}", "op", "ping");
    int status = 1;
    do {
        json_t *resp = NULL;
        if (cli_control_request(sock, ping, &resp, 1000) == 0
            && json_is_true(json_object_get(resp, "ok"))) {
            status = 0;
        }
        json_decref(resp);
        if (status == 0) {
            break;
        }
        /* A bounded poll: the daemon creates its socket when it serves. */
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    } while (clock_mono_ms(NULL) < deadline);
    json_decref(ping);
    if (status != 0) {
        fprintf(stderr, "sipwarden: no daemon ready on %s after %llu s\n", sock,
                (unsigned long long)timeout_s);
    }
    return status;
}
