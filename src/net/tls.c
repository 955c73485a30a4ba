/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS on a stream connection, driven by libuv: ciphertext read from the
 * socket goes into a memory BIO, OpenSSL runs the handshake and decrypts,
 * plaintext goes to the framer (stream.c), and whatever OpenSSL writes to
 * the outgoing memory BIO is flushed through the connection's bounded
 * write queue. The SSL object never touches the socket itself.
 */
#include "net/net_int.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "base/check.h"

enum { TLS_FLUSH_CHUNK = 16 * 1024 };

int net_tls_conn_init(struct net_conn *conn, struct net_tls_ctx *tls)
{
    conn->ssl = net_tls_ssl_new(tls);
    if (!conn->ssl) {
        ERR_clear_error();
        return -ENOMEM;
    }
    conn->rbio = BIO_new(BIO_s_mem());
    conn->wbio = BIO_new(BIO_s_mem());
    if (!conn->rbio || !conn->wbio) {
        BIO_free(conn->rbio);
        BIO_free(conn->wbio);
        conn->rbio = NULL;
        conn->wbio = NULL;
        SSL_free(conn->ssl);
        conn->ssl = NULL;
        ERR_clear_error();
        return -ENOMEM;
    }
    /* An empty read BIO means "retry later", not end of stream. */
    BIO_set_mem_eof_return(conn->rbio, -1);
    BIO_set_mem_eof_return(conn->wbio, -1);
    SSL_set_bio(conn->ssl, conn->rbio, conn->wbio); /* ssl owns both now */
    /* Client certificates are for SIP TLS trunks: a browser on WSS must
     * not be asked to pick one. The mode stays across an SNI switch. */
    if (conn->proto != NET_PROTO_TLS) {
        SSL_set_verify(conn->ssl, SSL_VERIFY_NONE, NULL);
    }
    SSL_set_accept_state(conn->ssl);
    return 0;
}

void net_tls_conn_fini(struct net_conn *conn)
{
    SSL_free(conn->ssl);
    conn->ssl = NULL;
    conn->rbio = NULL;
    conn->wbio = NULL;
}

/* Push everything OpenSSL produced to the socket. */
static int flush(struct net_conn *conn)
{
    char chunk[TLS_FLUSH_CHUNK];
    while (BIO_ctrl_pending(conn->wbio) > 0) {
        int n = BIO_read(conn->wbio, chunk, sizeof(chunk));
        if (n <= 0) {
            break;
        }
        int rc = net_conn_write_raw(conn, chunk, (size_t)n);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void fail(struct net_conn *conn, enum net_close_reason why)
{
    unsigned long e = ERR_peek_error();
    if (why == NET_CLOSE_TLS_FAIL) {
        NET_STAT_INC(conn->nw, tls_handshake_fail);
    }
    if (e != 0) {
        char peer[NET_ADDR_FMT_CAP];
        char reason[160];
        ERR_error_string_n(e, reason, sizeof(reason));
        log_debug(&net_lc, "tls from %s: %s",
                  net_addr_fmt(&conn->peer, peer, sizeof(peer)), reason);
    }
    ERR_clear_error();
    /* Send the alert OpenSSL queued, if any, before closing. */
    (void)flush(conn);
    net_conn_close_why(conn, why);
}

/* Remember the client certificate's fingerprint when it was verified
 * against the client CA bundle (tls_ctx.c asks but never requires). */
static void note_peer_cert(struct net_conn *conn)
{
    X509 *cert = SSL_get0_peer_certificate(conn->ssl);
    if (!cert || SSL_get_verify_result(conn->ssl) != X509_V_OK) {
        return;
    }
    unsigned n = 0;
    if (X509_digest(cert, EVP_sha256(), conn->peer_fp, &n) == 1
        && n == sizeof(conn->peer_fp)) {
        conn->has_peer_fp = true;
    }
    ERR_clear_error();
}

bool net_conn_peer_cert_fp(const struct net_conn *conn, uint8_t fp[32])
{
    if (!conn->has_peer_fp) {
        return false;
    }
    memcpy(fp, conn->peer_fp, sizeof(conn->peer_fp));
    return true;
}

static bool handshake(struct net_conn *conn)
{
    ERR_clear_error();
    int r = SSL_do_handshake(conn->ssl);
    if (r == 1) {
        conn->is_established = true;
        note_peer_cert(conn);
        net_conn_arm_idle(conn); /* replaces the handshake deadline */
        return flush(conn) == 0;
    }
    int e = SSL_get_error(conn->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        (void)flush(conn);
        return false;
    }
    fail(conn, NET_CLOSE_TLS_FAIL);
    return false;
}

void net_tls_conn_on_read(struct net_conn *conn, const char *data, size_t len)
{
    if (len > INT_MAX || BIO_write(conn->rbio, data, (int)len) != (int)len) {
        ERR_clear_error();
        net_conn_close_why(conn, NET_CLOSE_ERROR);
        return;
    }
    if (!conn->is_established && !handshake(conn)) {
        return;
    }
    char *pt = conn->nw->tls_pt;
    for (;;) {
        ERR_clear_error();
        int n = SSL_read(conn->ssl, pt, NET_TLS_PT_LEN);
        if (n > 0) {
            net_conn_feed(conn, pt, (size_t)n);
            if (atomic_load(&conn->is_closing)) {
                return;
            }
            continue;
        }
        int e = SSL_get_error(conn->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            break;
        }
        if (e == SSL_ERROR_ZERO_RETURN) {
            ERR_clear_error();
            net_conn_close_why(conn, NET_CLOSE_PEER);
            return;
        }
        fail(conn, NET_CLOSE_ERROR);
        return;
    }
    /* Post-handshake messages (tickets, alerts) may be waiting. */
    (void)flush(conn);
}

int net_tls_conn_send(struct net_conn *conn, const char *data, size_t len)
{
    if (!conn->is_established) {
        return -EAGAIN;
    }
    if (len > INT_MAX) {
        return -EINVAL;
    }
    ERR_clear_error();
    /* Memory BIO: the whole buffer is taken or the connection is dead. */
    int n = SSL_write(conn->ssl, data, (int)len);
    if (n <= 0 || (size_t)n != len) {
        ERR_clear_error();
        net_conn_close_why(conn, NET_CLOSE_ERROR);
        return -EIO;
    }
    return flush(conn);
}
