/* SPDX-License-Identifier: Apache-2.0 */
/*
 * WSS listeners end to end on loopback: a blocking OpenSSL client does the
 * WebSocket opening handshake and sends masked frames; the listener hands
 * one message per WebSocket message to on_msg, which echoes it through
 * net_reply (an unmasked text frame back). Pings, fragments, a close, a
 * protocol error, refused handshakes (no "sip", a foreign Origin) and
 * their counters and close reasons.
 */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "net/tls.h"
#include "net/transport.h"
#include "net_test.h"

enum { KEY_MSG = 0, KEY_CLOSE = 10 };

struct wss_rec {
    struct waiter wt;
    char dir[64];
    char *cert;
    char *key;
    struct net_tls_ctx *tls;
    pthread_mutex_t mu;
    char last[256]; /* last message on_msg saw */
    size_t last_len;
};

static struct wss_rec rec;

static int frame_unused(const char *data, size_t len, size_t *skip,
                        size_t *frame_len)
{
    (void)data;
    (void)skip;
    *frame_len = len;
    return 0;
}

static void on_msg(void *ud, const struct net_pkt *pkt)
{
    struct wss_rec *r = ud;
    pthread_mutex_lock(&r->mu);
    r->last_len = pkt->len < sizeof(r->last) ? pkt->len : sizeof(r->last);
    memcpy(r->last, pkt->data, r->last_len);
    pthread_mutex_unlock(&r->mu);
    (void)net_reply(pkt, pkt->data, pkt->len);
    waiter_post(&r->wt, KEY_MSG);
}

static void on_close(void *ud, struct net_conn *conn, enum net_close_reason why)
{
    struct wss_rec *r = ud;
    (void)conn;
    waiter_post(&r->wt, KEY_CLOSE + (unsigned)why);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_init(&rec.mu, NULL);
    snprintf(rec.dir, sizeof(rec.dir), "/tmp/sw-wss-XXXXXX");
    if (!mkdtemp(rec.dir)
        || net_tls_selfsigned_ensure(rec.dir, "wss.test", &rec.cert, &rec.key)
               != 0) {
        return -1;
    }
    char err[256];
    return net_tls_ctx_new(&rec.tls, rec.cert, rec.key, err, sizeof(err));
}

static int group_teardown(void **state)
{
    (void)state;
    net_tls_ctx_free(rec.tls);
    free(rec.cert);
    free(rec.key);
    nftw(rec.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    pthread_mutex_destroy(&rec.mu);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    waiter_init(&rec.wt);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    waiter_fini(&rec.wt);
    return 0;
}

static void start_wss_cfg(struct fixture *fx, const char *origins,
                          const struct net_cfg *cfg, struct net_addr *to)
{
    assert_int_equal(fixture_init(fx, 2, cfg), 0);
    struct net_listen_spec spec = { 0 };
    spec.proto = NET_PROTO_WSS;
    assert_int_equal(net_addr_parse("127.0.0.1:0", 0, &spec.addr), 0);
    spec.tls = rec.tls;
    spec.ws_origins = origins;
    spec.frame = frame_unused;
    spec.on_msg = on_msg;
    spec.on_close = on_close;
    spec.ud = &rec;
    unsigned id = 0;
    assert_int_equal(net_ctx_listen(fx->ctx, &spec, &id), 0);
    assert_int_equal(fixture_start(fx), 0);
    assert_int_equal(net_ctx_bound_addr(fx->ctx, id, to), 0);
}

static void start_wss(struct fixture *fx, const char *origins,
                      struct net_addr *to)
{
    start_wss_cfg(fx, origins, NULL, to);
}

struct client {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

static void client_connect(struct client *c, const struct net_addr *to)
{
    memset(c, 0, sizeof(*c));
    c->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(c->ctx);
    assert_int_equal(SSL_CTX_load_verify_locations(c->ctx, rec.cert, NULL), 1);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    c->fd = tcp_connect(to);
    assert_true(c->fd >= 0);
    c->ssl = SSL_new(c->ctx);
    assert_non_null(c->ssl);
    SSL_set_fd(c->ssl, c->fd);
    assert_int_equal(SSL_connect(c->ssl), 1);
}

static void client_close(struct client *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
}

static void c_send(struct client *c, const void *p, size_t n)
{
    assert_int_equal(SSL_write(c->ssl, p, (int)n), (int)n);
}

/* Read exactly n bytes; false at EOF or error. */
static bool c_read(struct client *c, void *p, size_t n)
{
    char *q = p;
    while (n > 0) {
        int r = SSL_read(c->ssl, q, (int)n);
        if (r <= 0) {
            ERR_clear_error();
            return false;
        }
        q += r;
        n -= (size_t)r;
    }
    return true;
}

/* The HTTP answer to the handshake, up to the blank line. */
static void c_read_head(struct client *c, char *out, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        assert_true(c_read(c, out + n, 1));
        n++;
        if (n >= 4 && memcmp(out + n - 4, "\r\n\r\n", 4) == 0) {
            break;
        }
    }
    out[n] = '\0';
}

#define HS_HEAD                     \
    "GET / HTTP/1.1\r\n"            \
    "Host: 127.0.0.1\r\n"           \
    "Upgrade: websocket\r\n"        \
    "Connection: Upgrade\r\n"       \
    "Sec-WebSocket-Version: 13\r\n" \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"

static void c_upgrade(struct client *c)
{
    static const char req[] = HS_HEAD "Sec-WebSocket-Protocol: sip\r\n\r\n";
    char head[512];
    c_send(c, req, sizeof(req) - 1);
    c_read_head(c, head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 101 "));
    assert_non_null(
        strstr(head, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    assert_non_null(strstr(head, "Sec-WebSocket-Protocol: sip"));
}

/* A masked client frame. */
static void c_frame(struct client *c, uint8_t b0, const char *p, size_t n)
{
    static const uint8_t mask[4] = { 0xa1, 0x02, 0x5c, 0xe7 };
    uint8_t buf[512];
    size_t k = 0;
    assert_true(n < 400);
    buf[k++] = b0;
    if (n < 126) {
        buf[k++] = (uint8_t)(0x80 | n);
    } else {
        buf[k++] = 0x80 | 126;
        buf[k++] = (uint8_t)(n >> 8);
        buf[k++] = (uint8_t)n;
    }
    memcpy(buf + k, mask, 4);
    k += 4;
    for (size_t i = 0; i < n; i++) {
        buf[k + i] = (uint8_t)((uint8_t)p[i] ^ mask[i & 3]);
    }
    c_send(c, buf, k + n);
}

/* A server frame: must be unmasked and final; returns its opcode. */
static unsigned c_read_frame(struct client *c, char *out, size_t cap,
                             size_t *len)
{
    uint8_t h[2];
    assert_true(c_read(c, h, 2));
    assert_true(h[0] & 0x80);
    assert_false(h[1] & 0x80);
    size_t n = h[1] & 0x7f;
    if (n == 126) {
        uint8_t e[2];
        assert_true(c_read(c, e, 2));
        n = ((size_t)e[0] << 8) | e[1];
    }
    assert_true(n <= cap);
    assert_true(c_read(c, out, n));
    *len = n;
    return h[0] & 0x0f;
}

static const char reg[] = "REGISTER sip:example.com SIP/2.0\r\n"
                          "Via: SIP/2.0/WSS x.invalid;branch=z9hG4bK1\r\n"
                          "Content-Length: 0\r\n\r\n";

static void message_ping_fragments_close(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct client c;
    char buf[512];
    size_t n = 0;
    start_wss(&fx, NULL, &to);
    client_connect(&c, &to);
    c_upgrade(&c);

    /* One text message: delivered whole, echoed as a text frame. */
    c_frame(&c, 0x81, reg, sizeof(reg) - 1);
    assert_true(waiter_wait(&rec.wt, KEY_MSG, 1));
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0x1);
    assert_int_equal(n, sizeof(reg) - 1);
    assert_memory_equal(buf, reg, n);

    /* Fragments with a ping in between: pong first, then one message. */
    c_frame(&c, 0x01, reg, 10);
    c_frame(&c, 0x89, "hi", 2);
    c_frame(&c, 0x80, reg + 10, sizeof(reg) - 1 - 10);
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0xA);
    assert_int_equal(n, 2);
    assert_memory_equal(buf, "hi", 2);
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0x1);
    assert_int_equal(n, sizeof(reg) - 1);
    assert_memory_equal(buf, reg, n);
    assert_true(waiter_wait(&rec.wt, KEY_MSG, 2));

    /* Close: answered with a close, the connection ends (peer). */
    c_frame(&c, 0x88, "\x03\xe8", 2);
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0x8);
    assert_int_equal(n, 2);
    assert_true(waiter_wait(&rec.wt, KEY_CLOSE + NET_CLOSE_PEER, 1));
    client_close(&c);

    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.rx_pkts, 2);
    assert_int_equal(st.tx_pkts, 2);
    assert_int_equal(st.ws_refused, 0);
    fixture_fini(&fx);
}

static void protocol_error_closes_1002(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct client c;
    char buf[16];
    size_t n = 0;
    start_wss(&fx, NULL, &to);
    client_connect(&c, &to);
    c_upgrade(&c);
    /* An unmasked client frame. */
    c_send(&c, "\x81\x02hi", 4);
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0x8);
    assert_int_equal(n, 2);
    assert_int_equal(((uint8_t)buf[0] << 8) | (uint8_t)buf[1], 1002);
    assert_true(waiter_wait(&rec.wt, KEY_CLOSE + NET_CLOSE_BAD_FRAME, 1));
    client_close(&c);
    assert_int_equal(waiter_count(&rec.wt, KEY_MSG), 0);
    fixture_fini(&fx);
}

static void refused_handshakes(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct client c;
    char head[512];
    start_wss(&fx, "https://good.example", &to);

    /* No "sip" subprotocol: 400 naming it, then closed. */
    static const char nosip[] = HS_HEAD "Origin: https://good.example\r\n"
                                        "Sec-WebSocket-Protocol: chat\r\n\r\n";
    client_connect(&c, &to);
    c_send(&c, nosip, sizeof(nosip) - 1);
    c_read_head(&c, head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 400 "));
    assert_true(waiter_wait(&rec.wt, KEY_CLOSE + NET_CLOSE_WS_REFUSED, 1));
    client_close(&c);

    /* A foreign Origin: 403. */
    static const char evil[] = HS_HEAD "Origin: https://evil.example\r\n"
                                       "Sec-WebSocket-Protocol: sip\r\n\r\n";
    client_connect(&c, &to);
    c_send(&c, evil, sizeof(evil) - 1);
    c_read_head(&c, head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 403 "));
    assert_true(waiter_wait(&rec.wt, KEY_CLOSE + NET_CLOSE_WS_REFUSED, 2));
    client_close(&c);

    /* The allowed Origin gets through. */
    static const char good[] = HS_HEAD "Origin: https://good.example\r\n"
                                       "Sec-WebSocket-Protocol: sip\r\n\r\n";
    client_connect(&c, &to);
    c_send(&c, good, sizeof(good) - 1);
    c_read_head(&c, head, sizeof(head));
    assert_non_null(strstr(head, "HTTP/1.1 101 "));
    client_close(&c);

    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.ws_refused, 2);
    fixture_fini(&fx);
}

/* Idle: one ping first; a pong keeps the connection, silence ends it. */
static void idle_ping_then_close(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct client c;
    struct net_cfg cfg;
    char buf[16];
    size_t n = 0;
    net_cfg_default(&cfg);
    cfg.idle_timeout_ms = 150;
    start_wss_cfg(&fx, NULL, &cfg, &to);
    client_connect(&c, &to);
    c_upgrade(&c);
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0x9);
    assert_int_equal(n, 0);
    c_frame(&c, 0x8A, "", 0); /* pong: idle again */
    assert_int_equal(c_read_frame(&c, buf, sizeof(buf), &n), 0x9);
    /* No answer this time: closed at the next expiry. */
    assert_true(waiter_wait(&rec.wt, KEY_CLOSE + NET_CLOSE_IDLE, 1));
    client_close(&c);
    fixture_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(message_ping_fragments_close, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(protocol_error_closes_1002, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refused_handshakes, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_ping_then_close, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
