/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/tls.h"
#include "net/transport.h"
#include "net_test.h"

enum { KEY_MSG = 0, KEY_ACCEPT = 1, KEY_CLOSE = 10 };

static const char hostname[] = "sipwarden.test";

struct tls_rec {
    struct waiter wt;
    char dir[64];
    char *cert;
    char *key;
    struct net_tls_ctx *tls;
};

static struct tls_rec rec;

static int frame_nn(const char *data, size_t len, size_t *skip,
                    size_t *frame_len)
{
    *skip = 0;
    for (size_t j = 0; j + 1 < len; j++) {
        if (data[j] == '\n' && data[j + 1] == '\n') {
            *frame_len = j + 2;
            return 0;
        }
    }
    return 1;
}

static void on_msg(void *ud, const struct net_pkt *pkt)
{
    struct tls_rec *r = ud;
    (void)net_reply(pkt, pkt->data, pkt->len);
    waiter_post(&r->wt, KEY_MSG);
}

static void on_close(void *ud, struct net_conn *conn, enum net_close_reason why)
{
    struct tls_rec *r = ud;
    (void)conn;
    waiter_post(&r->wt, KEY_CLOSE + (unsigned)why);
}

static int on_accept(void *ud, const struct net_addr *peer,
                     enum net_proto proto)
{
    struct tls_rec *r = ud;
    (void)peer;
    (void)proto;
    waiter_post(&r->wt, KEY_ACCEPT);
    return 0;
}

static bool wait_close(enum net_close_reason why, unsigned n)
{
    return waiter_wait(&rec.wt, KEY_CLOSE + (unsigned)why, n);
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
    snprintf(rec.dir, sizeof(rec.dir), "/tmp/sw-tls-XXXXXX");
    if (!mkdtemp(rec.dir)) {
        return -1;
    }
    if (net_tls_selfsigned_ensure(rec.dir, hostname, &rec.cert, &rec.key)
        != 0) {
        return -1;
    }
    char err[256];
    if (net_tls_ctx_new(&rec.tls, rec.cert, rec.key, err, sizeof(err)) != 0) {
        print_error("tls ctx: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    net_tls_ctx_free(rec.tls);
    free(rec.cert);
    free(rec.key);
    nftw(rec.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
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

/* ---- certificates -------------------------------------------------------- */

static X509 *load_cert(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    return x;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 16384);
    assert_non_null(buf);
    assert_true(fread(buf, 1, 16383, f) > 0);
    fclose(f);
    return buf;
}

static void selfsigned_cert_contents(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(rec.key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char tls_dir[128];
    snprintf(tls_dir, sizeof(tls_dir), "%s/tls", rec.dir);
    assert_int_equal(stat(tls_dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    X509 *x = load_cert(rec.cert);
    assert_int_equal(X509_get_version(x), X509_VERSION_3);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    assert_non_null(pk);
    char group[64];
    size_t glen = 0;
    assert_int_equal(EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen),
                     1);
    assert_string_equal(group, "prime256v1");
    assert_int_equal(X509_verify(x, pk), 1); /* self-signed */
    assert_int_equal(X509_check_host(x, hostname, 0, 0, NULL), 1);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
    assert_int_equal(X509_check_host(x, "other.test", 0, 0, NULL), 0);

    int days = 0;
    int secs = 0;
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
                                    X509_get0_notAfter(x)),
                     1);
    assert_int_equal(days, 825);
    const ASN1_INTEGER *serial = X509_get0_serialNumber(x);
    BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
    assert_false(BN_is_negative(bn));
    assert_true(BN_num_bits(bn) > 64);
    BN_free(bn);
    X509_free(x);

    /* Present files are kept as they are. */
    char *before = slurp(rec.cert);
    char *c2 = NULL;
    char *k2 = NULL;
    assert_int_equal(net_tls_selfsigned_ensure(rec.dir, hostname, &c2, &k2), 0);
    assert_string_equal(c2, rec.cert);
    assert_string_equal(k2, rec.key);
    char *after = slurp(rec.cert);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(c2);
    free(k2);
}

static void selfsigned_regenerates_and_refuses(void **state)
{
    (void)state;
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/sw-tls2-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char *cert = NULL;
    char *key = NULL;
    /* An IP literal as the name. */
    assert_int_equal(net_tls_selfsigned_ensure(dir, "192.0.2.5", &cert, &key),
                     0);
    X509 *x = load_cert(cert);
    assert_int_equal(X509_check_ip_asc(x, "192.0.2.5", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    X509_free(x);
    char *first = slurp(cert);
    /* A missing key means a new pair. */
    assert_int_equal(unlink(key), 0);
    free(cert);
    free(key);
    assert_int_equal(net_tls_selfsigned_ensure(dir, "192.0.2.5", &cert, &key),
                     0);
    char *second = slurp(cert);
    assert_string_not_equal(first, second);
    free(first);
    free(second);

    /* This key with the group's certificate: mismatch refused. */
    struct net_tls_ctx *t = NULL;
    char err[256] = "";
    assert_int_equal(net_tls_ctx_new(&t, rec.cert, key, err, sizeof(err)),
                     -EINVAL);
    assert_null(t);
    assert_true(strlen(err) > 0);
    assert_int_equal(
        net_tls_ctx_new(&t, "/nonexistent/cert.pem", key, err, sizeof(err)),
        -EINVAL);
    assert_non_null(strstr(err, "/nonexistent/cert.pem"));
    free(cert);
    free(key);
    nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);

    /* Bad names and places. */
    assert_int_equal(net_tls_selfsigned_ensure(rec.dir, "", &cert, &key),
                     -EINVAL);
    assert_int_equal(
        net_tls_selfsigned_ensure(rec.dir, "bad host", &cert, &key), -EINVAL);
    assert_int_equal(
        net_tls_selfsigned_ensure(rec.dir, "a,DNS:evil.test", &cert, &key),
        -EINVAL);
    assert_int_equal(
        net_tls_selfsigned_ensure("/nonexistent/sw", hostname, &cert, &key),
        -ENOENT);
}

/* ---- server -------------------------------------------------------------- */

static void start_tls(struct fixture *fx, const struct net_cfg *cfg,
                      struct net_addr *to)
{
    assert_int_equal(fixture_init(fx, 2, cfg), 0);
    struct net_listen_spec spec = { 0 };
    spec.proto = NET_PROTO_TLS;
    assert_int_equal(net_addr_parse("127.0.0.1:0", 0, &spec.addr), 0);
    spec.tls = rec.tls;
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

struct client {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

/* TLS client pinned to our certificate; returns SSL_connect's result. */
static int client_connect(struct client *c, const struct net_addr *to,
                          int min_version, int max_version)
{
    memset(c, 0, sizeof(*c));
    c->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(c->ctx);
    if (min_version) {
        /* Old protocols need the lowest security level in OpenSSL 3. */
        SSL_CTX_set_security_level(c->ctx, 0);
        assert_int_equal(SSL_CTX_set_cipher_list(c->ctx, "DEFAULT:@SECLEVEL=0"),
                         1);
        assert_int_equal(SSL_CTX_set_min_proto_version(c->ctx, min_version), 1);
    }
    if (max_version) {
        assert_int_equal(SSL_CTX_set_max_proto_version(c->ctx, max_version), 1);
    }
    assert_int_equal(SSL_CTX_load_verify_locations(c->ctx, rec.cert, NULL), 1);
    SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
    c->fd = tcp_connect(to);
    assert_true(c->fd >= 0);
    c->ssl = SSL_new(c->ctx);
    assert_non_null(c->ssl);
    assert_int_equal(SSL_set1_host(c->ssl, hostname), 1);
    SSL_set_tlsext_host_name(c->ssl, hostname);
    SSL_set_fd(c->ssl, c->fd);
    int rc = SSL_connect(c->ssl);
    ERR_clear_error();
    return rc;
}

static void client_close(struct client *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
    ERR_clear_error();
}

static void ssl_write_all(SSL *ssl, const char *p, size_t len)
{
    assert_int_equal(SSL_write(ssl, p, (int)len), (int)len);
}

static void ssl_expect(SSL *ssl, const char *want, size_t len)
{
    char *buf = malloc(len);
    assert_non_null(buf);
    size_t got = 0;
    while (got < len) {
        int n = SSL_read(ssl, buf + got, (int)(len - got));
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(buf, want, len);
    free(buf);
}

static void tls_echo(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tls(&fx, NULL, &to);

    struct client c;
    assert_int_equal(client_connect(&c, &to, 0, 0), 1);
    assert_int_equal(SSL_get_verify_result(c.ssl), X509_V_OK);
    assert_true(SSL_version(c.ssl) >= TLS1_2_VERSION);
    ssl_write_all(c.ssl, "hello\n\n", 7);
    ssl_expect(c.ssl, "hello\n\n", 7);

    /* A frame split over two records, then two in one record. */
    ssl_write_all(c.ssl, "sp", 2);
    ssl_write_all(c.ssl, "lit\n\n", 5);
    ssl_expect(c.ssl, "split\n\n", 7);
    ssl_write_all(c.ssl, "a\n\nb\n\n", 6);
    ssl_expect(c.ssl, "a\n\nb\n\n", 6);

    /* A large frame spans many records both ways. */
    size_t len = 60000;
    char *big = malloc(len);
    memset(big, 'q', len);
    memcpy(big + len - 2, "\n\n", 2);
    ssl_write_all(c.ssl, big, len);
    ssl_expect(c.ssl, big, len);
    free(big);

    /* close_notify ends it as a peer close. */
    SSL_shutdown(c.ssl);
    assert_true(wait_close(NET_CLOSE_PEER, 1));
    client_close(&c);

    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.rx_pkts, 5);
    assert_int_equal(st.tls_handshake_fail, 0);
    fixture_fini(&fx);
}

static void tls12_accepted(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tls(&fx, NULL, &to);
    struct client c;
    assert_int_equal(client_connect(&c, &to, 0, TLS1_2_VERSION), 1);
    assert_int_equal(SSL_version(c.ssl), TLS1_2_VERSION);
    const char *cipher = SSL_get_cipher_name(c.ssl);
    assert_non_null(strstr(cipher, "ECDHE"));
    ssl_write_all(c.ssl, "v12\n\n", 5);
    ssl_expect(c.ssl, "v12\n\n", 5);
    client_close(&c);
    fixture_fini(&fx);
}

static void tls11_refused(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tls(&fx, NULL, &to);
    struct client c;
    /* The client really offers TLS 1.0/1.1; the server must say no. */
    assert_true(client_connect(&c, &to, TLS1_VERSION, TLS1_1_VERSION) != 1);
    assert_true(wait_close(NET_CLOSE_TLS_FAIL, 1));
    client_close(&c);
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.tls_handshake_fail, 1);
    assert_int_equal(st.conns_open, 0);
    fixture_fini(&fx);
}

static void plaintext_on_tls_port(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tls(&fx, NULL, &to);
    int fd = tcp_connect(&to);
    assert_true(fd >= 0);
    const char *sip = "OPTIONS sip:x@y SIP/2.0\r\n\r\n";
    assert_int_equal(send_all(fd, sip, strlen(sip)), 0);
    assert_true(wait_close(NET_CLOSE_TLS_FAIL, 1));
    assert_true(peer_closed(fd));
    close(fd);
    fixture_fini(&fx);
}

static void handshake_timeout(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    struct net_cfg cfg;
    net_cfg_default(&cfg);
    cfg.tls_handshake_timeout_ms = 200;
    start_tls(&fx, &cfg, &to);
    int fd = tcp_connect(&to); /* and say nothing */
    assert_true(fd >= 0);
    assert_true(wait_close(NET_CLOSE_TLS_TIMEOUT, 1));
    assert_true(peer_closed(fd));
    struct net_stats st;
    net_ctx_stats_sum(fx.ctx, &st);
    assert_int_equal(st.tls_handshake_timeout, 1);
    close(fd);
    fixture_fini(&fx);
}

static void shutdown_with_tls_conns(void **state)
{
    (void)state;
    struct fixture fx;
    struct net_addr to;
    start_tls(&fx, NULL, &to);
    struct client c1;
    struct client c2;
    assert_int_equal(client_connect(&c1, &to, 0, 0), 1);
    assert_int_equal(client_connect(&c2, &to, 0, 0), 1);
    ssl_write_all(c1.ssl, "1\n\n", 3);
    ssl_expect(c1.ssl, "1\n\n", 3);
    /* A half-done handshake too. */
    int raw = tcp_connect(&to);
    assert_int_equal(send_all(raw, "\x16\x03\x01", 3), 0);
    /* The accept filter ran for all three: each worker owns its conns. */
    assert_true(waiter_wait(&rec.wt, KEY_ACCEPT, 3));
    loop_pool_stop(&fx.pool);
    assert_int_equal(waiter_count(&rec.wt, KEY_CLOSE + NET_CLOSE_SHUTDOWN), 3);
    client_close(&c1);
    client_close(&c2);
    close(raw);
    fixture_fini(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(selfsigned_cert_contents),
        cmocka_unit_test(selfsigned_regenerates_and_refuses),
        cmocka_unit_test_setup_teardown(tls_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(tls12_accepted, setup, teardown),
        cmocka_unit_test_setup_teardown(tls11_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(plaintext_on_tls_port, setup, teardown),
        cmocka_unit_test_setup_teardown(handshake_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(shutdown_with_tls_conns, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
