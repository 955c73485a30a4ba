/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-domain certificates, reload and client certificates: the pure
 * helpers (SNI choice, file stems, fingerprints) by table, then a live
 * TLS listener checked from an OpenSSL client (which certificate each
 * server name gets, what a reload changes and keeps, which client
 * certificates the connection reports).
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
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/tls.h"
#include "net/transport.h"
#include "net_test.h"

/* ---- pure helpers -------------------------------------------------------- */

static void sni_pick_table(void **state)
{
    (void)state;
    static const char *const names[] = { "a.example", "*.wild.example",
                                         "wild.example", "*.example" };
    const size_t n = sizeof(names) / sizeof(names[0]);
    static const struct {
        const char *sni;
        int want;
    } cases[] = {
        { "a.example", 0 },
        { "A.Example", 0 },         /* case-insensitive */
        { "a.example.", 0 },        /* trailing dot */
        { "wild.example", 2 },      /* exact beats the *.example wildcard */
        { "x.wild.example", 1 },    /* one label */
        { "y.x.wild.example", -1 }, /* never two labels */
        { "b.example", 3 },
        { "example", -1 },
        { "other.test", -1 },
        { "", -1 },
        { ".", -1 },
        { ".example", -1 },
        { "a example", -1 },
        { "a.example\n", -1 },
        { "*.wild.example", -1 }, /* a client's '*' is not a wildcard */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int got = net_tls_sni_pick(names, n, cases[i].sni);
        if (got != cases[i].want) {
            fail_msg("sni '%s': got %d, want %d", cases[i].sni, got,
                     cases[i].want);
        }
    }
    assert_int_equal(net_tls_sni_pick(names, n, NULL), -1);
    assert_int_equal(net_tls_sni_pick(NULL, 0, "a.example"), -1);
    assert_int_equal(net_tls_sni_pick(names, 0, "a.example"), -1);
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(net_tls_sni_pick(names, n, longname), -1);
}

static void sni_name_table(void **state)
{
    (void)state;
    static const char *const good[] = { "a.example", "*.example", "x-1.b2.c",
                                        "localhost" };
    static const char *const bad[] = { "",     "*",     "*.",  "A.example",
                                       "a..b", ".a",    "a.",  "a_b.c",
                                       "**.a", "a.*.b", "a/b", "x y" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!net_tls_sni_name_ok(good[i])) {
            fail_msg("'%s' refused", good[i]);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (net_tls_sni_name_ok(bad[i])) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
    assert_false(net_tls_sni_name_ok(NULL));
}

static void fp_parse_format(void **state)
{
    (void)state;
    const char hex[] =
        "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
    const char colons[] = "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                          "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
    uint8_t a[NET_TLS_FP_LEN];
    uint8_t b[NET_TLS_FP_LEN];
    assert_int_equal(net_tls_fp_parse(hex, strlen(hex), a), 0);
    assert_int_equal(net_tls_fp_parse(colons, strlen(colons), b), 0);
    assert_memory_equal(a, b, sizeof(a));
    assert_int_equal(a[0], 0x00);
    assert_int_equal(a[10], 0xaa);
    assert_int_equal(a[31], 0xff);
    char out[NET_TLS_FP_HEX_CAP];
    net_tls_fp_format(a, out);
    assert_string_equal(out, "00112233445566778899aabbccddeeff"
                             "00112233445566778899aabbccddeeff");
    /* check only */
    assert_int_equal(net_tls_fp_parse(hex, strlen(hex), NULL), 0);

    static const char *const bad[] = {
        "",
        "0011",
        /* 63 digits */
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeef",
        /* 65 digits */
        "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff0",
        /* a non-hex digit */
        "g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        /* colons in the wrong places */
        "001:122:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
        "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff",
        /* another separator */
        "00-11-22-33-44-55-66-77-88-99-AA-BB-CC-DD-EE-FF-"
        "00-11-22-33-44-55-66-77-88-99-aa-bb-cc-dd-ee-ff",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (net_tls_fp_parse(bad[i], strlen(bad[i]), a) != -EINVAL) {
            fail_msg("'%s' accepted", bad[i]);
        }
    }
    assert_int_equal(net_tls_fp_parse(NULL, 64, a), -EINVAL);
}

/* ---- live listener ------------------------------------------------------- */

enum { KEY_MSG = 0, KEY_CLOSE = 10 };

struct live {
    struct waiter wt;
    char dir[64];
    pthread_mutex_t mu;
    bool last_has_fp; /* what the last frame's connection reported */
    uint8_t last_fp[NET_TLS_FP_LEN];
};

static struct live lv;

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
    struct live *l = ud;
    uint8_t fp[NET_TLS_FP_LEN];
    bool has = net_conn_peer_cert_fp(pkt->conn, fp);
    pthread_mutex_lock(&l->mu);
    l->last_has_fp = has;
    if (has) {
        memcpy(l->last_fp, fp, sizeof(fp));
    }
    pthread_mutex_unlock(&l->mu);
    (void)net_reply(pkt, pkt->data, pkt->len);
    waiter_post(&l->wt, KEY_MSG);
}

static void on_close(void *ud, struct net_conn *conn, enum net_close_reason why)
{
    struct live *l = ud;
    (void)conn;
    waiter_post(&l->wt, KEY_CLOSE + (unsigned)why);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
                    struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void path_of(char *out, size_t cap, const char *leaf)
{
    snprintf(out, cap, "%s/%s", lv.dir, leaf);
}

/* A self-signed pair for 'host' made in <dir>/<sub>, then copied to
 * <dir>/<crt> and <dir>/<key>. */
static void make_pair(const char *sub, const char *host, const char *crt,
                      const char *key)
{
    char d[128];
    path_of(d, sizeof(d), sub);
    assert_int_equal(mkdir(d, 0700), 0);
    char *c = NULL;
    char *k = NULL;
    assert_int_equal(net_tls_selfsigned_ensure(d, host, &c, &k), 0);
    char to[160];
    path_of(to, sizeof(to), crt);
    assert_int_equal(rename(c, to), 0);
    path_of(to, sizeof(to), key);
    assert_int_equal(rename(k, to), 0);
    free(c);
    free(k);
}

static void file_fp(const char *leaf, uint8_t fp[NET_TLS_FP_LEN])
{
    char p[160];
    path_of(p, sizeof(p), leaf);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(x);
    unsigned n = 0;
    assert_int_equal(X509_digest(x, EVP_sha256(), fp, &n), 1);
    assert_int_equal(n, NET_TLS_FP_LEN);
    X509_free(x);
}

struct client {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

/* Connect with SNI 'sni' (NULL: none) and, if 'crt', a client pair. */
static void client_open(struct client *c, const struct net_addr *to,
                        const char *sni, const char *crt, const char *key)
{
    memset(c, 0, sizeof(*c));
    c->ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(c->ctx);
    if (crt) {
        char p[160];
        path_of(p, sizeof(p), crt);
        assert_int_equal(SSL_CTX_use_certificate_chain_file(c->ctx, p), 1);
        path_of(p, sizeof(p), key);
        assert_int_equal(
            SSL_CTX_use_PrivateKey_file(c->ctx, p, SSL_FILETYPE_PEM), 1);
    }
    c->fd = tcp_connect(to);
    assert_true(c->fd >= 0);
    c->ssl = SSL_new(c->ctx);
    assert_non_null(c->ssl);
    if (sni) {
        SSL_set_tlsext_host_name(c->ssl, sni);
    }
    SSL_set_fd(c->ssl, c->fd);
    assert_int_equal(SSL_connect(c->ssl), 1);
}

static void client_close(struct client *c)
{
    SSL_free(c->ssl);
    SSL_CTX_free(c->ctx);
    close(c->fd);
    ERR_clear_error();
}

static void server_fp(struct client *c, uint8_t fp[NET_TLS_FP_LEN])
{
    X509 *x = SSL_get1_peer_certificate(c->ssl);
    assert_non_null(x);
    unsigned n = 0;
    assert_int_equal(X509_digest(x, EVP_sha256(), fp, &n), 1);
    X509_free(x);
}

/* Send a frame, read the echo; returns what the server saw of the
 * client certificate. */
static bool echo(struct client *c, unsigned n_before, uint8_t fp[32])
{
    assert_int_equal(SSL_write(c->ssl, "hi\n\n", 4), 4);
    char buf[4];
    size_t got = 0;
    while (got < sizeof(buf)) {
        int r = SSL_read(c->ssl, buf + got, (int)(sizeof(buf) - got));
        assert_true(r > 0);
        got += (size_t)r;
    }
    assert_memory_equal(buf, "hi\n\n", 4);
    assert_true(waiter_wait(&lv.wt, KEY_MSG, n_before + 1));
    pthread_mutex_lock(&lv.mu);
    bool has = lv.last_has_fp;
    memcpy(fp, lv.last_fp, NET_TLS_FP_LEN);
    pthread_mutex_unlock(&lv.mu);
    return has;
}

static int live_setup(void **state)
{
    (void)state;
    signal(SIGPIPE, SIG_IGN);
    memset(&lv, 0, sizeof(lv));
    waiter_init(&lv.wt);
    pthread_mutex_init(&lv.mu, NULL);
    snprintf(lv.dir, sizeof(lv.dir), "/tmp/sw-sni-XXXXXX");
    return mkdtemp(lv.dir) ? 0 : -1;
}

static int live_teardown(void **state)
{
    (void)state;
    nftw(lv.dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    pthread_mutex_destroy(&lv.mu);
    waiter_fini(&lv.wt);
    return 0;
}

static void live_sni_reload_mtls(void **state)
{
    (void)state;
    char p[160];
    path_of(p, sizeof(p), "sni");
    assert_int_equal(mkdir(p, 0700), 0);
    make_pair("g1", "default.test", "def.crt", "def.key");
    make_pair("g2", "a.example", "sni/a.example.crt", "sni/a.example.key");
    make_pair("g3", "x.wild.example", "sni/*.wild.example.crt",
              "sni/*.wild.example.key");
    make_pair("g4", "client.test", "cli.crt", "cli.key");
    make_pair("g5", "stranger.test", "str.crt", "str.key");
    make_pair("g6", "default.test", "def2.crt", "def2.key");
    /* A bad pair is skipped, not fatal; so is a badly named file. */
    path_of(p, sizeof(p), "sni/bad.example.crt");
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    path_of(p, sizeof(p), "sni/Upper.Example.crt");
    f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);

    char crt[160], key[160], sni[160], ca[160];
    path_of(crt, sizeof(crt), "def.crt");
    path_of(key, sizeof(key), "def.key");
    path_of(sni, sizeof(sni), "sni");
    path_of(ca, sizeof(ca), "cli.crt"); /* self-signed: its own anchor */
    struct net_tls_opts o = { crt, key, sni, ca };
    struct net_tls_ctx *tls = NULL;
    char err[512] = "";
    assert_int_equal(net_tls_ctx_new_opts(&tls, &o, err, sizeof(err)), 0);
    assert_true(net_tls_ctx_wants_client_cert(tls));

    struct fixture fx;
    assert_int_equal(fixture_init(&fx, 2, NULL), 0);
    struct net_listen_spec spec = { 0 };
    spec.proto = NET_PROTO_TLS;
    assert_int_equal(net_addr_parse("127.0.0.1:0", 0, &spec.addr), 0);
    spec.tls = tls;
    spec.frame = frame_nn;
    spec.on_msg = on_msg;
    spec.on_close = on_close;
    spec.ud = &lv;
    unsigned id = 0;
    assert_int_equal(net_ctx_listen(fx.ctx, &spec, &id), 0);
    assert_int_equal(fixture_start(&fx), 0);
    struct net_addr to;
    assert_int_equal(net_ctx_bound_addr(fx.ctx, id, &to), 0);

    uint8_t want_def[32], want_a[32], want_w[32], want_cli[32], want_def2[32];
    file_fp("def.crt", want_def);
    file_fp("sni/a.example.crt", want_a);
    file_fp("sni/*.wild.example.crt", want_w);
    file_fp("cli.crt", want_cli);
    file_fp("def2.crt", want_def2);

    /* Which certificate each name gets. */
    static const struct {
        const char *sni;
        int which; /* 0 default, 1 a.example, 2 wildcard */
    } names[] = { { NULL, 0 },           { "a.example", 1 },
                  { "A.EXAMPLE", 1 },    { "b.wild.example", 2 },
                  { "unknown.test", 0 }, { "bad.example", 0 } };
    const uint8_t *by[] = { want_def, want_a, want_w };
    unsigned n_msg = 0;
    uint8_t fp[32];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct client c;
        client_open(&c, &to, names[i].sni, NULL, NULL);
        server_fp(&c, fp);
        if (memcmp(fp, by[names[i].which], 32) != 0) {
            fail_msg("sni %s: wrong certificate",
                     names[i].sni ? names[i].sni : "(none)");
        }
        assert_false(echo(&c, n_msg++, fp)); /* no client certificate */
        client_close(&c);
    }

    /* Client certificates: the verified one is reported, a stranger's
     * connects but is not. */
    struct client m;
    client_open(&m, &to, "a.example", "cli.crt", "cli.key");
    assert_true(echo(&m, n_msg++, fp));
    assert_memory_equal(fp, want_cli, 32);
    struct client s;
    client_open(&s, &to, NULL, "str.crt", "str.key");
    assert_false(echo(&s, n_msg++, fp));
    client_close(&s);

    /* Renewed default certificate: a reload serves it to new handshakes,
     * the open connection carries on. */
    struct client old;
    client_open(&old, &to, NULL, NULL, NULL);
    assert_false(echo(&old, n_msg++, fp));
    path_of(p, sizeof(p), "def2.crt");
    assert_int_equal(rename(p, crt), 0);
    path_of(p, sizeof(p), "def2.key");
    assert_int_equal(rename(p, key), 0);
    size_t n_sni = 99;
    assert_int_equal(net_tls_ctx_reload(tls, &n_sni, err, sizeof(err)), 0);
    assert_int_equal(n_sni, 2);
    struct client fresh;
    client_open(&fresh, &to, NULL, NULL, NULL);
    server_fp(&fresh, fp);
    assert_memory_equal(fp, want_def2, 32);
    client_close(&fresh);
    assert_false(echo(&old, n_msg++, fp));
    assert_true(echo(&m, n_msg++, fp)); /* mTLS connection too */
    assert_memory_equal(fp, want_cli, 32);

    /* A failed reload (key of another certificate) keeps the set. */
    char key_backup[160];
    path_of(key_backup, sizeof(key_backup), "def.key.good");
    assert_int_equal(rename(key, key_backup), 0);
    f = fopen(key, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(net_tls_ctx_reload(tls, NULL, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, key));
    client_open(&fresh, &to, "a.example", NULL, NULL);
    server_fp(&fresh, fp);
    assert_memory_equal(fp, want_a, 32);
    client_close(&fresh);
    client_open(&fresh, &to, NULL, NULL, NULL);
    server_fp(&fresh, fp);
    assert_memory_equal(fp, want_def2, 32);
    client_close(&fresh);

    client_close(&old);
    client_close(&m);
    fixture_fini(&fx);
    net_tls_ctx_free(tls);
}

static void opts_refused(void **state)
{
    (void)state;
    make_pair("h1", "default.test", "d.crt", "d.key");
    char crt[160], key[160];
    path_of(crt, sizeof(crt), "d.crt");
    path_of(key, sizeof(key), "d.key");
    struct net_tls_ctx *tls = NULL;
    char err[512] = "";
    /* A missing SNI directory is an empty one. */
    struct net_tls_opts o = { crt, key, "/nonexistent/sni", NULL };
    assert_int_equal(net_tls_ctx_new_opts(&tls, &o, err, sizeof(err)), 0);
    assert_false(net_tls_ctx_wants_client_cert(tls));
    net_tls_ctx_free(tls);
    tls = NULL;
    /* A client CA that can't be read is an error. */
    o.client_ca = "/nonexistent/ca.pem";
    assert_int_equal(net_tls_ctx_new_opts(&tls, &o, err, sizeof(err)), -EINVAL);
    assert_null(tls);
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    struct net_tls_opts none = { NULL, key, NULL, NULL };
    assert_int_equal(net_tls_ctx_new_opts(&tls, &none, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(net_tls_ctx_new_opts(&tls, NULL, err, sizeof(err)),
                     -EINVAL);
    assert_int_equal(net_tls_ctx_attach(NULL, NULL), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sni_pick_table),
        cmocka_unit_test(sni_name_table),
        cmocka_unit_test(fp_parse_format),
        cmocka_unit_test_setup_teardown(live_sni_reload_mtls, live_setup,
                                        live_teardown),
        cmocka_unit_test_setup_teardown(opts_refused, live_setup,
                                        live_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
