/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/transport.h"
#include "net_test.h"

enum { KEY_MSG = 0 };

/* What the echo callback saw; worker threads write, the test reads. */
struct echo_rec {
    struct waiter wt;
    struct fixture *fx;
    _Atomic unsigned per_worker[2];
    _Atomic int reply_err;
    _Atomic bool via_other_worker; /* answer from the other worker's socket */
    _Atomic unsigned listener_id;
    pthread_mutex_t mu;
    char last_src[NET_ADDR_FMT_CAP];
    int last_src_family;
};

static struct echo_rec rec;

static void on_echo(void *ud, const struct net_pkt *pkt)
{
    struct echo_rec *r = ud;
    int rc;
    if (atomic_load(&r->via_other_worker)) {
        unsigned other = (pkt->w->index + 1) % 2;
        struct net_udp *u =
            net_ctx_udp(r->fx->ctx, other, atomic_load(&r->listener_id));
        rc = u ? net_udp_sendto(u, &pkt->src, pkt->data, pkt->len) : -ENOENT;
    } else {
        rc = net_reply(pkt, pkt->data, pkt->len);
    }
    if (rc != 0) {
        atomic_store(&r->reply_err, rc);
    }
    atomic_fetch_add(&r->per_worker[pkt->w->index % 2], 1);
    pthread_mutex_lock(&r->mu);
    net_addr_fmt(&pkt->src, r->last_src, sizeof(r->last_src));
    r->last_src_family = net_addr_family(&pkt->src);
    pthread_mutex_unlock(&r->mu);
    waiter_post(&r->wt, KEY_MSG);
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
    waiter_fini(&rec.wt);
    pthread_mutex_destroy(&rec.mu);
    return 0;
}

static unsigned add_udp(struct fixture *fx, const char *bind)
{
    struct net_listen_spec spec = { 0 };
    spec.proto = NET_PROTO_UDP;
    assert_int_equal(net_addr_parse_bind(bind, 0, &spec.addr, &spec.dual_stack),
                     0);
    spec.on_msg = on_echo;
    spec.ud = &rec;
    unsigned id = 99;
    assert_int_equal(net_ctx_listen(fx->ctx, &spec, &id), 0);
    return id;
}

/* Send 'msg' from fd to 'to' and expect the same bytes back. */
static void echo_once(int fd, const struct net_addr *to, const char *msg)
{
    char buf[256];
    size_t len = strlen(msg);
    assert_int_equal(sendto(fd, msg, len, 0, &to->sa, to->len), (ssize_t)len);
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    assert_int_equal(n, (ssize_t)len);
    assert_memory_equal(buf, msg, len);
}

static void local_of(int fd, struct net_addr *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    assert_int_equal(net_addr_from_sa(out, (struct sockaddr *)&ss, len), 0);
}

static void echo_many(const struct net_addr *to, int family, unsigned n_socks)
{
    for (unsigned i = 0; i < n_socks; i++) {
        int fd = udp_client(family);
        assert_true(fd >= 0);
        char msg[64];
        snprintf(msg, sizeof(msg), "ping %u from %d", i, family);
        echo_once(fd, to, msg);
        close(fd);
    }
}

static void echo_two_workers_v4_v6(void **state)
{
    (void)state;
    bool has_v6 = ipv6_loopback_ok();
    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 2, NULL), 0);
    rec.fx = &fx;
    unsigned id4 = add_udp(&fx, "127.0.0.1:0");
    unsigned id6 = has_v6 ? add_udp(&fx, "[::1]:0") : 0;
    assert_int_equal(fixture_start(&fx), 0);

    struct net_addr a4;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id4, &a4), 0);
    assert_true(net_addr_port(&a4) != 0);
    /* Both workers hold a socket on the very same address (SO_REUSEPORT). */
    struct net_udp *u0 = net_ctx_udp(fx.ctx, 0, id4);
    struct net_udp *u1 = net_ctx_udp(fx.ctx, 1, id4);
    assert_non_null(u0);
    assert_non_null(u1);
    assert_ptr_not_equal(u0, u1);
    assert_true(net_addr_eq(net_udp_local(u0), &a4));
    assert_true(net_addr_eq(net_udp_local(u1), &a4));

    /* Many source ports: the kernel spreads them over both sockets. */
    echo_many(&a4, AF_INET, 32);
    unsigned expect = 32;
    if (has_v6) {
        struct net_addr a6;
        assert_int_equal(net_ctx_bound_addr(fx.ctx, id6, &a6), 0);
        assert_int_equal(net_addr_family(&a6), AF_INET6);
        assert_true(
            net_addr_eq(net_udp_local(net_ctx_udp(fx.ctx, 1, id6)), &a6));
        echo_many(&a6, AF_INET6, 32);
        expect += 32;
    }
    assert_true(waiter_wait(&rec.wt, KEY_MSG, expect));
    assert_int_equal(atomic_load(&rec.reply_err), 0);
    assert_int_equal(atomic_load(&rec.per_worker[0])
                         + atomic_load(&rec.per_worker[1]),
                     expect);
    /* 32+ flows all hashed to one socket: odds of 2^-31, i.e. broken. */
    assert_true(atomic_load(&rec.per_worker[0]) > 0);
    assert_true(atomic_load(&rec.per_worker[1]) > 0);

    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.rx_pkts, expect);
    assert_int_equal(st.tx_pkts, expect);
    assert_int_equal(st.drops_empty + st.drops_oversize + st.tx_drops, 0);
    struct net_stats s0;
    struct net_stats s1;
    net_ctx_stats(fx.ctx, 0, &s0);
    net_ctx_stats(fx.ctx, 1, &s1);
    assert_int_equal(s0.rx_pkts + s1.rx_pkts, expect);
    fixture_fini(&fx);
    if (!has_v6) {
        print_message("IPv6 loopback unavailable: v6 half skipped\n");
    }
}

static void source_is_reported(void **state)
{
    (void)state;
    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 1, NULL), 0);
    rec.fx = &fx;
    unsigned id = add_udp(&fx, "127.0.0.1:0");
    assert_int_equal(fixture_start(&fx), 0);
    struct net_addr to;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id, &to), 0);

    int fd = udp_client(AF_INET);
    echo_once(fd, &to, "who am i");
    struct net_addr me;
    local_of(fd, &me);
    char want[NET_ADDR_FMT_CAP];
    snprintf(want, sizeof(want), "127.0.0.1:%u", net_addr_port(&me));
    assert_true(waiter_wait(&rec.wt, KEY_MSG, 1));
    pthread_mutex_lock(&rec.mu);
    assert_string_equal(rec.last_src, want);
    pthread_mutex_unlock(&rec.mu);
    close(fd);
    fixture_fini(&fx);
}

static void dual_stack_normalises_v4(void **state)
{
    (void)state;
    if (!ipv6_loopback_ok()) {
        skip();
    }
    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 2, NULL), 0);
    rec.fx = &fx;
    unsigned id = add_udp(&fx, "*:0");
    assert_int_equal(fixture_start(&fx), 0);
    struct net_addr bound;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id, &bound), 0);
    assert_int_equal(net_addr_family(&bound), AF_INET6);
    assert_true(net_addr_is_any(&bound));

    /* An IPv4 client reaches the IPv6 wildcard socket... */
    struct net_addr to;
    assert_int_equal(net_addr_parse("127.0.0.1:1", 0, &to), 0);
    net_addr_set_port(&to, net_addr_port(&bound));
    int fd = udp_client(AF_INET);
    echo_once(fd, &to, "mapped?"); /* ...and the reply is mapped back */
    assert_true(waiter_wait(&rec.wt, KEY_MSG, 1));
    pthread_mutex_lock(&rec.mu);
    /* The shield sees plain IPv4, not ::ffff:127.0.0.1. */
    assert_int_equal(rec.last_src_family, AF_INET);
    assert_true(strncmp(rec.last_src, "127.0.0.1:", 10) == 0);
    pthread_mutex_unlock(&rec.mu);
    close(fd);

    /* And IPv6 still works on the same socket. */
    assert_int_equal(net_addr_parse("[::1]:1", 0, &to), 0);
    net_addr_set_port(&to, net_addr_port(&bound));
    fd = udp_client(AF_INET6);
    echo_once(fd, &to, "v6 too");
    close(fd);
    fixture_fini(&fx);
}

static void empty_datagram_dropped(void **state)
{
    (void)state;
    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 1, NULL), 0);
    rec.fx = &fx;
    unsigned id = add_udp(&fx, "127.0.0.1:0");
    assert_int_equal(fixture_start(&fx), 0);
    struct net_addr to;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id, &to), 0);

    int fd = udp_client(AF_INET);
    assert_int_equal(sendto(fd, "", 0, 0, &to.sa, to.len), 0);
    /* Same flow, same socket, in order: once "x" is echoed, "" was seen. */
    echo_once(fd, &to, "x");
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.drops_empty, 1);
    assert_int_equal(st.rx_pkts, 1);
    close(fd);
    fixture_fini(&fx);
}

static void batch_of_datagrams(void **state)
{
    (void)state;
    enum { N = 200 };
    struct fixture fx;
    struct net_cfg cfg;
    net_cfg_default(&cfg);
    assert_int_equal(fixture_init(&fx, 1, &cfg), 0);
    rec.fx = &fx;
    unsigned id = add_udp(&fx, "127.0.0.1:0");
    assert_int_equal(fixture_start(&fx), 0);
    struct net_addr to;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id, &to), 0);

    /* A burst lands in the socket buffer and is read in recvmmsg batches. */
    int fd = udp_client(AF_INET);
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
    char big_msg[9000];
    memset(big_msg, 'b', sizeof(big_msg));
    for (unsigned i = 0; i < N; i++) {
        size_t len = (i % 10 == 0) ? sizeof(big_msg) : 8;
        snprintf(big_msg, 9, "%07u", i);
        big_msg[8] = 'b';
        assert_int_equal(sendto(fd, big_msg, len, 0, &to.sa, to.len),
                         (ssize_t)len);
    }
    unsigned got = 0;
    unsigned next = 0;
    char buf[65536];
    while (got < N) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        assert_true(n > 0);
        unsigned seq = 0;
        assert_int_equal(sscanf(buf, "%7u", &seq), 1);
        assert_int_equal(seq, next); /* one flow, one socket: in order */
        assert_int_equal((size_t)n, seq % 10 == 0 ? sizeof(big_msg) : 8);
        next++;
        got++;
    }
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.rx_pkts, N);
    close(fd);
    fixture_fini(&fx);
}

static void sendto_from_any_thread(void **state)
{
    (void)state;
    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 2, NULL), 0);
    rec.fx = &fx;
    unsigned id = add_udp(&fx, "127.0.0.1:0");
    atomic_store(&rec.listener_id, id);
    assert_int_equal(fixture_start(&fx), 0);
    struct net_addr to;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id, &to), 0);

    int fd = udp_client(AF_INET);
    /* Give the client a port: send one datagram and read its echo. */
    echo_once(fd, &to, "hello");
    struct net_addr me;
    local_of(fd, &me);

    /* From the test thread (not a worker): handed over, then sent. */
    struct net_udp *u = net_ctx_udp(fx.ctx, 1, id);
    assert_int_equal(net_udp_sendto(u, &me, "unsolicited", 11), 0);
    char buf[64];
    assert_int_equal(recv(fd, buf, sizeof(buf), 0), 11);
    assert_memory_equal(buf, "unsolicited", 11);

    /* From a worker thread through the other worker's socket. */
    atomic_store(&rec.via_other_worker, true);
    echo_once(fd, &to, "via the other one");
    atomic_store(&rec.via_other_worker, false);

    /* Refused up front. */
    assert_int_equal(net_udp_sendto(u, &me, "", 0), -EINVAL);
    struct net_addr v6;
    assert_int_equal(net_addr_parse("[2001:db8::1]:5060", 0, &v6), 0);
    assert_int_equal(net_udp_sendto(u, &v6, "x", 1), -EAFNOSUPPORT);
    static char huge[NET_UDP_MAX_DGRAM + 1];
    assert_int_equal(net_udp_sendto(u, &me, huge, sizeof(huge)), -EINVAL);

    /* After stop the socket is closed but the handle stays valid. */
    loop_pool_stop(&fx.pool);
    assert_int_equal(net_udp_sendto(u, &me, "late", 4), -ENOTCONN);
    assert_int_equal(atomic_load(&rec.reply_err), 0);
    close(fd);
    fixture_fini(&fx);
}

static void bind_conflict_fails_start(void **state)
{
    (void)state;
    /* A port held without SO_REUSEPORT can't be shared: start fails. */
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct net_addr held;
    assert_int_equal(net_addr_parse("127.0.0.1:0", 0, &held), 0);
    assert_int_equal(bind(fd, &held.sa, held.len), 0);
    local_of(fd, &held);

    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 2, NULL), 0);
    char spec_txt[NET_ADDR_FMT_CAP];
    net_addr_fmt(&held, spec_txt, sizeof(spec_txt));
    add_udp(&fx, spec_txt);
    assert_int_equal(fixture_start(&fx), -EADDRINUSE);
    fixture_fini(&fx);
    close(fd);
}

static void ctx_listen_checks(void **state)
{
    (void)state;
    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 1, NULL), 0);
    struct net_listen_spec spec = { 0 };
    spec.proto = NET_PROTO_UDP;
    assert_int_equal(net_ctx_listen(fx.ctx, &spec, NULL), -EINVAL);
    assert_int_equal(net_addr_parse("127.0.0.1:0", 0, &spec.addr), 0);
    assert_int_equal(net_ctx_listen(fx.ctx, &spec, NULL), -EINVAL);
    spec.on_msg = on_echo;
    spec.proto = NET_PROTO_TCP; /* no framer */
    assert_int_equal(net_ctx_listen(fx.ctx, &spec, NULL), -EINVAL);
    spec.proto = NET_PROTO_UDP;
    for (unsigned i = 0; i < NET_MAX_LISTENERS; i++) {
        assert_int_equal(net_ctx_listen(fx.ctx, &spec, NULL), 0);
    }
    assert_int_equal(net_ctx_listen(fx.ctx, &spec, NULL), -ENOSPC);
    struct net_addr a;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, 0, &a), -ENOENT);
    fixture_fini(&fx); /* never started */

    struct net_cfg cfg;
    net_cfg_default(&cfg);
    cfg.max_conns = 0;
    struct loop_pool pool;
    assert_int_equal(loop_pool_init(&pool, 1), 0);
    struct net_ctx *ctx = NULL;
    assert_int_equal(net_ctx_new(&ctx, &pool, &cfg), -EINVAL);
    loop_pool_fini(&pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(echo_two_workers_v4_v6, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(source_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(dual_stack_normalises_v4, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(empty_datagram_dropped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(batch_of_datagrams, setup, teardown),
        cmocka_unit_test_setup_teardown(sendto_from_any_thread, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bind_conflict_fails_start, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ctx_listen_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
