/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net/net_int.h"
#include "net/transport.h"
#include "net_test.h"

enum {
    KEY_MSG = 0,
    KEY_NEED_MORE = 1,
    KEY_KEPT = 2,
    KEY_CLOSE = 10, /* + enum net_close_reason */
};

enum mode { MODE_ECHO, MODE_KEEP, MODE_FLOOD };

struct stream_rec {
    struct waiter wt;
    _Atomic int mode;
    _Atomic int reply_err;
    _Atomic int refuse_all;
    _Atomic bool close_peer_bad; /* a refused conn had no usable peer */
    pthread_mutex_t mu;
    struct net_conn *kept[4]; /* MODE_KEEP: referenced conns */
    unsigned n_kept;
};

static struct stream_rec rec;

/* "\n\n"-terminated frames; lone leading "\n"s are keepalives; NUL = bad. */
static int frame_nn(const char *data, size_t len, size_t *skip,
                    size_t *frame_len)
{
    size_t i = 0;
    while (i < len && data[i] == '\n') {
        i++;
    }
    *skip = i;
    for (size_t j = i; j < len; j++) {
        if (data[j] == '\0') {
            return -1;
        }
        if (j + 1 < len && data[j] == '\n' && data[j + 1] == '\n') {
            *frame_len = j + 2 - i;
            return 0;
        }
    }
    waiter_post(&rec.wt, KEY_NEED_MORE);
    return 1;
}

static void on_msg(void *ud, const struct net_pkt *pkt)
{
    struct stream_rec *r = ud;
    int rc = 0;
    switch (atomic_load(&r->mode)) {
    case MODE_ECHO:
        rc = net_reply(pkt, pkt->data, pkt->len);
        break;
    case MODE_KEEP:
        pthread_mutex_lock(&r->mu);
        if (r->n_kept < 4) {
            net_conn_ref(pkt->conn);
            r->kept[r->n_kept++] = pkt->conn;
        }
        pthread_mutex_unlock(&r->mu);
        waiter_post(&r->wt, KEY_KEPT);
        break;
    case MODE_FLOOD: {
        static char chunk[256 * 1024];
        for (int i = 0; i < 256 && rc == 0; i++) {
            rc = net_reply(pkt, chunk, sizeof(chunk));
        }
        if (rc == -ENOBUFS) {
            rc = 0; /* expected: the queue cap closed the connection */
        }
        break;
    }
    default:
        break;
    }
    if (rc != 0) {
        atomic_store(&r->reply_err, rc);
    }
    waiter_post(&r->wt, KEY_MSG);
}

static void on_close(void *ud, struct net_conn *conn, enum net_close_reason why)
{
    struct stream_rec *r = ud;
    const struct net_addr *peer = net_conn_peer(conn);
    if (net_addr_family(peer) != AF_INET && net_addr_family(peer) != AF_INET6) {
        atomic_store(&r->close_peer_bad, true);
    }
    if (net_conn_send(conn, "x", 1) != -ENOTCONN) {
        atomic_store(&r->close_peer_bad, true);
    }
    waiter_post(&r->wt, KEY_CLOSE + (unsigned)why);
}

static int on_accept(void *ud, const struct net_addr *peer,
                     enum net_proto proto)
{
    struct stream_rec *r = ud;
    (void)peer;
    (void)proto;
    return atomic_load(&r->refuse_all);
}

static int setup(void **state)
{
    (void)state;
    memset(&rec, 0, sizeof(rec));
    waiter_init(&rec.wt);
    pthread_mutex_init(&rec.mu, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < rec.n_kept; i++) {
        net_conn_unref(rec.kept[i]);
    }
    waiter_fini(&rec.wt);
    pthread_mutex_destroy(&rec.mu);
    return 0;
}

static unsigned closes(enum net_close_reason why)
{
    return waiter_count(&rec.wt, KEY_CLOSE + (unsigned)why);
}

static bool wait_close(enum net_close_reason why, unsigned n)
{
    return waiter_wait(&rec.wt, KEY_CLOSE + (unsigned)why, n);
}

/* Start 'n_workers' with one TCP listener on 'bind'; *to = its address. */
static void start_tcp(struct fixture *fx, unsigned n_workers,
                      const struct net_cfg *cfg, const char *bind,
                      struct net_addr *to)
{
    assert_int_equal(fixture_init(fx, n_workers, cfg), 0);
    struct net_listen_spec spec = { 0 };
    spec.proto = NET_PROTO_TCP;
    assert_int_equal(net_addr_parse_bind(bind, 0, &spec.addr, &spec.dual_stack),
                     0);
    spec.frame = frame_nn;
    spec.on_msg = on_msg;
    spec.on_close = on_close;
    spec.on_accept = on_accept;
    spec.ud = &rec;
    unsigned id = 0;
    assert_int_equal(net_ctx_listen(fx->ctx, &spec, &id), 0);
    assert_int_equal(fixture_start(fx), 0);
    assert_int_equal(net_ctx_bound_addr(fx->ctx, id, to), 0);
}

static void expect_echo(int fd, const char *frame)
{
    size_t len = strlen(frame);
    char *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(recv_exact(fd, buf, len), 1);
    assert_memory_equal(buf, frame, len);
    free(buf);
}

/* ---- framing ------------------------------------------------------------- */

static void split_writes(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 2, NULL, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);

    /* Each piece is read and framed ("need more") before the next goes. */
    assert_int_equal(send_all(fd, "\n\nhel", 5), 0);
    assert_true(waiter_wait(&rec.wt, KEY_NEED_MORE, 1));
    assert_int_equal(send_all(fd, "lo\n", 3), 0);
    assert_true(waiter_wait(&rec.wt, KEY_NEED_MORE, 2));
    assert_int_equal(waiter_count(&rec.wt, KEY_MSG), 0);
    assert_int_equal(send_all(fd, "\n", 1), 0);
    expect_echo(fd, "hello\n\n"); /* keepalive newlines skipped */

    /* A frame split right inside its terminator, then two more. */
    assert_int_equal(send_all(fd, "ab\n", 3), 0);
    assert_true(waiter_wait(&rec.wt, KEY_NEED_MORE, 3));
    assert_int_equal(send_all(fd, "\ncd\n\nef", 7), 0);
    expect_echo(fd, "ab\n\ncd\n\n");
    assert_true(waiter_wait(&rec.wt, KEY_NEED_MORE, 4));
    assert_int_equal(send_all(fd, "\n\n", 2), 0);
    expect_echo(fd, "ef\n\n");

    assert_int_equal(atomic_load(&rec.reply_err), 0);
    close(fd);
    assert_true(wait_close(NET_CLOSE_PEER, 1));
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.rx_pkts, 4);
    assert_int_equal(st.tx_pkts, 4);
    assert_int_equal(st.conns_accepted, 1);
    assert_int_equal(st.conns_open, 0);
    fixture_fini(&fx);
}

static void coalesced_writes(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 1, NULL, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    const char *three = "a\n\nbb\n\nccc\n\n";
    assert_int_equal(send_all(fd, three, strlen(three)), 0);
    expect_echo(fd, three);
    assert_true(waiter_wait(&rec.wt, KEY_MSG, 3));
    assert_int_equal(waiter_count(&rec.wt, KEY_MSG), 3);
    close(fd);
    fixture_fini(&fx);
}

static void large_frame_fits(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 1, NULL, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    /* Just under the 65535-byte frame cap: buffered across many reads. */
    size_t len = 65533;
    char *big = malloc(len + 3);
    memset(big, 'y', len);
    memcpy(big + len, "\n\n", 3);
    assert_int_equal(send_all(fd, big, len + 2), 0);
    expect_echo(fd, big);
    free(big);
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.rx_bytes, len + 2);
    close(fd);
    fixture_fini(&fx);
}

static void oversize_closes(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 1, NULL, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    size_t len = 80 * 1024; /* no terminator, over 64 KiB + slack */
    char *junk = malloc(len);
    memset(junk, 'z', len);
    (void)send_all(fd, junk, len); /* may fail once the server closed */
    free(junk);
    assert_true(wait_close(NET_CLOSE_OVERSIZE, 1));
    assert_true(peer_closed(fd));
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.drops_oversize, 1);
    assert_int_equal(st.rx_pkts, 0);
    close(fd);
    fixture_fini(&fx);
}

static void bad_frame_closes(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 1, NULL, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    assert_int_equal(send_all(fd, "ok\n\n", 4), 0);
    expect_echo(fd, "ok\n\n");
    assert_int_equal(send_all(fd, "b\0d\n\n", 5), 0);
    assert_true(wait_close(NET_CLOSE_BAD_FRAME, 1));
    assert_true(peer_closed(fd));
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.conns_bad_frame, 1);
    close(fd);
    fixture_fini(&fx);
}

static void ipv6_echo(void **state)
{
    (void)state;
    if (!ipv6_loopback_ok()) {
        skip();
    }
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 2, NULL, "[::1]:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    assert_int_equal(send_all(fd, "six\n\n", 5), 0);
    expect_echo(fd, "six\n\n");
    close(fd);
    fixture_fini(&fx);
}

/* ---- caps ---------------------------------------------------------------- */

static void per_ip_cap(void **state)
{
    (void)state;
    enum { CAP = 32 };
    struct fixture fx;
    struct net_addr to;
    start_tcp(&fx, 2, NULL, "127.0.0.1:0", &to); /* default cap: 32 */
    int fds[CAP + 1];
    for (unsigned i = 0; i <= CAP; i++) {
        fds[i] = tcp_connect(&to);
        assert_true(fds[i] >= 0);
    }
    /* Whichever the workers accepted last is refused. */
    assert_true(wait_close(NET_CLOSE_REFUSED_IP_CAP, 1));
    unsigned ok = 0;
    int refused = -1;
    for (unsigned i = 0; i <= CAP; i++) {
        char msg[16];
        snprintf(msg, sizeof(msg), "c%u\n\n", i);
        if (send_all(fds[i], msg, strlen(msg)) == 0) {
            char buf[16];
            int rc = recv_exact(fds[i], buf, strlen(msg));
            if (rc == 1 && memcmp(buf, msg, strlen(msg)) == 0) {
                ok++;
                continue;
            }
        }
        refused = (int)i;
    }
    assert_int_equal(ok, CAP);
    assert_true(refused >= 0);
    assert_false(atomic_load(&rec.close_peer_bad));
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.conns_refused_cap, 1);
    assert_int_equal(st.conns_open, CAP);

    /* Closing one frees its slot for a newcomer. */
    unsigned victim = refused == 0 ? 1 : 0;
    close(fds[victim]);
    assert_true(wait_close(NET_CLOSE_PEER, 1));
    fds[victim] = tcp_connect(&to);
    assert_true(fds[victim] >= 0);
    assert_int_equal(send_all(fds[victim], "again\n\n", 7), 0);
    expect_echo(fds[victim], "again\n\n");
    assert_int_equal(closes(NET_CLOSE_REFUSED_IP_CAP), 1);

    /* Stopping with 32 open connections closes them all, cleanly. */
    loop_pool_stop(&fx.pool);
    assert_int_equal(closes(NET_CLOSE_SHUTDOWN), CAP);
    for (unsigned i = 0; i <= CAP; i++) {
        close(fds[i]);
    }
    fixture_fini(&fx);
}

static void total_cap(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct net_cfg cfg;
    net_cfg_default(&cfg);
    cfg.max_conns = 3;
    start_tcp(&fx, 2, &cfg, "127.0.0.1:0", &to);
    int fds[4];
    for (unsigned i = 0; i < 4; i++) {
        fds[i] = tcp_connect(&to);
        assert_true(fds[i] >= 0);
    }
    assert_true(wait_close(NET_CLOSE_REFUSED_MAX, 1));
    unsigned ok = 0;
    for (unsigned i = 0; i < 4; i++) {
        char buf[7];
        if (send_all(fds[i], "total\n\n", 7) == 0
            && recv_exact(fds[i], buf, 7) == 1) {
            ok++;
        }
    }
    assert_int_equal(ok, 3);
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.conns_refused_max, 1);
    assert_int_equal(st.conns_open, 3);
    for (unsigned i = 0; i < 4; i++) {
        close(fds[i]);
    }
    fixture_fini(&fx);
}

static void accept_filter(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    atomic_store(&rec.refuse_all, 1);
    start_tcp(&fx, 1, NULL, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    assert_true(wait_close(NET_CLOSE_REFUSED_FILTER, 1));
    assert_true(peer_closed(fd));
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.conns_refused_filter, 1);
    assert_int_equal(st.conns_open, 0);
    close(fd);
    fixture_fini(&fx);
}

/* ---- timers and queues --------------------------------------------------- */

static void idle_timeout(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct net_cfg cfg;
    net_cfg_default(&cfg);
    cfg.idle_timeout_ms = 200;
    start_tcp(&fx, 1, &cfg, "127.0.0.1:0", &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    assert_int_equal(send_all(fd, "hi\n\n", 4), 0);
    expect_echo(fd, "hi\n\n");
    uint64_t t0 = now_ms(); /* the frame re-armed the timer before this */
    assert_true(wait_close(NET_CLOSE_IDLE, 1));
    uint64_t elapsed = now_ms() - t0;
    assert_true(peer_closed(fd));
    assert_true(elapsed >= 150);
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.conns_idle_closed, 1);
    close(fd);
    fixture_fini(&fx);
}

static void write_queue_cap(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct net_cfg cfg;
    net_cfg_default(&cfg);
    cfg.wq_max_bytes = 256 * 1024;
    atomic_store(&rec.mode, MODE_FLOOD);
    start_tcp(&fx, 1, &cfg, "127.0.0.1:0", &to);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int small = 4096;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    set_timeouts(fd);
    assert_int_equal(connect(fd, &to.sa, to.len), 0);
    /* We never read: 64 MiB of replies can't all fit. */
    assert_int_equal(send_all(fd, "flood\n\n", 7), 0);
    assert_true(wait_close(NET_CLOSE_WQ_FULL, 1));
    assert_int_equal(atomic_load(&rec.reply_err), 0);
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.conns_wq_overflow, 1);
    close(fd);
    fixture_fini(&fx);
}

/* ---- references and sends from other threads ----------------------------- */

static void kept_conn_send_and_close(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    atomic_store(&rec.mode, MODE_KEEP);
    start_tcp(&fx, 2, NULL, "127.0.0.1:0", &to);
    int a = tcp_connect(&to);
    int b = tcp_connect(&to);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(send_all(a, "keep a\n\n", 8), 0);
    assert_true(waiter_wait(&rec.wt, KEY_KEPT, 1));
    assert_int_equal(send_all(b, "keep b\n\n", 8), 0);
    assert_true(waiter_wait(&rec.wt, KEY_KEPT, 2));
    struct net_conn *ca = rec.kept[0];
    struct net_conn *cb = rec.kept[1];

    /* Send from the test thread: handed to the owning worker. */
    assert_int_equal(net_conn_send(ca, "push\n\n", 6), 0);
    expect_echo(a, "push\n\n");
    assert_int_equal(net_conn_proto(ca), NET_PROTO_TCP);
    char txt[NET_ADDR_FMT_CAP];
    assert_true(strncmp(net_addr_fmt(net_conn_peer(ca), txt, sizeof(txt)),
                        "127.0.0.1:", 10)
                == 0);
    assert_true(net_addr_eq(net_conn_local(ca), &to));
    assert_int_equal(net_conn_send(ca, "", 0), -EINVAL);

    /* Peer goes away: the kept conn stays valid but refuses sends. */
    close(a);
    assert_true(wait_close(NET_CLOSE_PEER, 1));
    assert_true(net_conn_is_closed(ca));
    assert_int_equal(net_conn_send(ca, "late\n\n", 6), -ENOTCONN);

    /* Close from the test thread. */
    assert_false(net_conn_is_closed(cb));
    net_conn_close(cb);
    assert_true(wait_close(NET_CLOSE_LOCAL, 1));
    assert_true(peer_closed(b));
    net_conn_close(cb); /* idempotent */
    close(b);

    /* References outlive the pool; teardown drops them. */
    fixture_fini(&fx);
    assert_int_equal(net_conn_send(ca, "gone\n\n", 6), -ENOTCONN);
}

/* ---- the per-IP table itself --------------------------------------------- */

static void ipcap_churn(void **state)
{
    (void)state;
    enum { N_IPS = 40, LIMIT = 3, ROUNDS = 20000 };
    struct net_ipcap cap;
    assert_int_equal(net_ipcap_init(&cap, 64), 0);
    struct net_addr ips[N_IPS];
    unsigned held[N_IPS];
    memset(held, 0, sizeof(held));
    for (unsigned i = 0; i < N_IPS; i++) {
        char txt[64];
        if (i % 2) {
            snprintf(txt, sizeof(txt), "10.0.%u.%u:1", i / 7, i);
        } else {
            snprintf(txt, sizeof(txt), "[2001:db8::%x]:1", i);
        }
        assert_int_equal(net_addr_parse(txt, 0, &ips[i]), 0);
    }
    uint32_t x = 12345;
    for (unsigned r = 0; r < ROUNDS; r++) {
        x = x * 1103515245u + 12345u;
        unsigned i = (x >> 8) % N_IPS;
        bool take = (x >> 20) & 1;
        if (take) {
            bool ok = net_ipcap_acquire(&cap, &ips[i], LIMIT);
            assert_int_equal(ok, held[i] < LIMIT);
            held[i] += ok;
        } else if (held[i] > 0) {
            net_ipcap_release(&cap, &ips[i]);
            held[i]--;
        }
    }
    /* IPv4 and its mapped form are one source. */
    struct net_addr mapped = ips[1];
    net_addr_map_v6(&mapped);
    while (held[1] < LIMIT) {
        assert_true(net_ipcap_acquire(&cap, &ips[1], LIMIT));
        held[1]++;
    }
    assert_false(net_ipcap_acquire(&cap, &mapped, LIMIT));
    for (unsigned i = 0; i < N_IPS; i++) {
        while (held[i] > 0) {
            net_ipcap_release(&cap, &ips[i]);
            held[i]--;
        }
    }
    for (size_t s = 0; s <= cap.mask; s++) {
        assert_int_equal(cap.tab[s].count, 0);
    }
    net_ipcap_fini(&cap);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(split_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(coalesced_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(large_frame_fits, setup, teardown),
        cmocka_unit_test_setup_teardown(oversize_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_frame_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(ipv6_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(per_ip_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(total_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(accept_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(write_queue_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(kept_conn_send_and_close, setup,
                                        teardown),
        cmocka_unit_test(ipcap_churn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
