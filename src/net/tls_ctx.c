/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS server contexts. A context holds the file names it was built from
 * and the current set of OpenSSL contexts (the default certificate and
 * one per SNI domain), published under a mutex: a handshake takes the set
 * current when it starts, a reload builds a whole new set and swaps the
 * pointer. OpenSSL's own SSL_CTX refcounts keep an old set's contexts
 * alive for the connections still using them. Every context gets the same
 * hardening and, when a client CA is configured, asks for (but does not
 * require) a client certificate.
 */
#include "net/tls.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/net_int.h"

enum {
    SNI_MAX = 4096, /* SNI pairs loaded from the directory, at most */
    VERIFY_DEPTH = 5,
};

/* TLS 1.2 suites: ECDHE + AEAD only (TLS 1.3 suites are all fine). */
static const char cipher_list[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

static const unsigned char sid_ctx[] = "sipwarden";

/* One generation of contexts; never changed once published. */
struct tls_set {
    SSL_CTX *def;  /* default certificate */
    size_t n_sni;  /* entries in names/sni */
    char **names;  /* lowercase domain or "*.parent" */
    SSL_CTX **sni; /* one per name */
};

struct net_tls_ctx {
    uv_mutex_t mu;          /* guards 'cur' */
    struct tls_set *cur;    /* the published set */
    bool wants_client_cert; /* client_ca set */
    char *cert_path;        /* the files every (re)load reads */
    char *key_path;
    char *sni_dir;   /* NULL = none */
    char *client_ca; /* NULL = none */
};

static void set_err(char *err, size_t err_cap, const char *what,
                    const char *path)
{
    unsigned long e = ERR_peek_last_error();
    char reason[200] = "";
    if (e != 0) {
        ERR_error_string_n(e, reason, sizeof(reason));
    }
    if (err && err_cap > 0) {
        snprintf(err, err_cap, "%s%s%s%s%s", what, path ? " " : "",
                 path ? path : "", e ? ": " : "", reason);
    }
    ERR_clear_error();
}

/* ---- one hardened SSL_CTX ---------------------------------------------- */

/* Client certificates are asked for, never required: the result is read
 * after the handshake (SSL_get_verify_result), so a phone that sends an
 * unrelated certificate still connects, just unrecognised. */
static int accept_any(int ok, X509_STORE_CTX *x)
{
    (void)ok;
    (void)x;
    return 1;
}

static int harden(SSL_CTX *s, char *err, size_t err_cap)
{
    if (SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION) != 1) {
        set_err(err, err_cap, "cannot set TLS 1.2 minimum", NULL);
        return -EINVAL;
    }
    SSL_CTX_set_options(s, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION
                               | SSL_OP_CIPHER_SERVER_PREFERENCE
                               | SSL_OP_SINGLE_ECDH_USE);
    SSL_CTX_set_mode(s, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(s, cipher_list) != 1) {
        set_err(err, err_cap, "cannot set the cipher list", NULL);
        return -EINVAL;
    }
    /* Needed for session resumption once peers may be verified. */
    if (SSL_CTX_set_session_id_context(s, sid_ctx, sizeof(sid_ctx) - 1) != 1) {
        set_err(err, err_cap, "cannot set the session id context", NULL);
        return -EINVAL;
    }
    return 0;
}

static int use_client_ca(SSL_CTX *s, const char *ca, char *err, size_t err_cap)
{
    if (SSL_CTX_load_verify_locations(s, ca, NULL) != 1) {
        set_err(err, err_cap, "cannot load the client CA bundle", ca);
        return -EINVAL;
    }
    STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(ca);
    if (!names) {
        set_err(err, err_cap, "no CA certificate in", ca);
        return -EINVAL;
    }
    SSL_CTX_set_client_CA_list(s, names); /* takes 'names' */
    SSL_CTX_set_verify(s, SSL_VERIFY_PEER, accept_any);
    SSL_CTX_set_verify_depth(s, VERIFY_DEPTH);
    return 0;
}

static SSL_CTX *ssl_ctx_load(const char *cert_path, const char *key_path,
                             const char *client_ca, char *err, size_t err_cap)
{
    ERR_clear_error();
    SSL_CTX *s = SSL_CTX_new(TLS_server_method());
    if (!s) {
        set_err(err, err_cap, "SSL_CTX_new failed", NULL);
        return NULL;
    }
    if (harden(s, err, err_cap) != 0) {
        goto fail;
    }
    if (SSL_CTX_use_certificate_chain_file(s, cert_path) != 1) {
        set_err(err, err_cap, "cannot load certificate", cert_path);
        goto fail;
    }
    if (SSL_CTX_use_PrivateKey_file(s, key_path, SSL_FILETYPE_PEM) != 1) {
        set_err(err, err_cap, "cannot load private key", key_path);
        goto fail;
    }
    if (SSL_CTX_check_private_key(s) != 1) {
        set_err(err, err_cap, "private key does not match certificate",
                key_path);
        goto fail;
    }
    if (client_ca && use_client_ca(s, client_ca, err, err_cap) != 0) {
        goto fail;
    }
    return s;

fail:
    SSL_CTX_free(s);
    return NULL;
}

/* ---- sets -------------------------------------------------------------- */

static void set_free(struct tls_set *set)
{
    if (!set) {
        return;
    }
    for (size_t i = 0; i < set->n_sni; i++) {
        free(set->names[i]);
        SSL_CTX_free(set->sni[i]); /* live SSLs hold their own refs */
    }
    free(set->names);
    free(set->sni);
    SSL_CTX_free(set->def);
    free(set);
}

static int servername_own(SSL *ssl, int *alert, void *arg);

static char *path_join(const char *dir, const char *stem, const char *ext)
{
    size_t n = strlen(dir) + strlen(stem) + strlen(ext) + 2;
    char *p = malloc(n);
    if (p) {
        snprintf(p, n, "%s/%s%s", dir, stem, ext);
    }
    return p;
}

static int sni_add(struct tls_set *set, const char *name, SSL_CTX *s)
{
    char *copy = strdup(name);
    char **names = realloc(set->names, (set->n_sni + 1) * sizeof(*names));
    if (names) {
        set->names = names;
    }
    SSL_CTX **sni = realloc(set->sni, (set->n_sni + 1) * sizeof(*sni));
    if (sni) {
        set->sni = sni;
    }
    if (!copy || !names || !sni) {
        free(copy);
        return -ENOMEM;
    }
    set->names[set->n_sni] = copy;
    set->sni[set->n_sni] = s;
    set->n_sni++;
    return 0;
}

/* Every <name>.crt with a <name>.key in 'dir'; bad pairs logged, skipped. */
static int sni_load(struct tls_set *set, struct net_tls_ctx *ctx)
{
    DIR *d = opendir(ctx->sni_dir);
    if (!d) {
        if (errno != ENOENT) {
            log_warn(&net_lc, "tls: cannot read the SNI directory %s: %s",
                     ctx->sni_dir, strerror(errno));
        }
        return 0; /* no directory, no SNI certificates */
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 4 || strcmp(de->d_name + len - 4, ".crt") != 0) {
            continue;
        }
        char stem[NET_TLS_SNI_NAME_MAX + 3];
        if (len - 4 >= sizeof(stem)) {
            log_warn(&net_lc, "tls: SNI file name too long in %s, skipped",
                     ctx->sni_dir);
            continue;
        }
        memcpy(stem, de->d_name, len - 4);
        stem[len - 4] = '\0';
        if (!net_tls_sni_name_ok(stem)) {
            log_warn(&net_lc,
                     "tls: %s/%s is not named <domain>.crt (lowercase), "
                     "skipped",
                     ctx->sni_dir, de->d_name);
            continue;
        }
        if (set->n_sni >= SNI_MAX) {
            log_warn(&net_lc, "tls: more than %d SNI certificates in %s",
                     SNI_MAX, ctx->sni_dir);
            break;
        }
        char *crt = path_join(ctx->sni_dir, stem, ".crt");
        char *key = path_join(ctx->sni_dir, stem, ".key");
        if (!crt || !key) {
            rc = -ENOMEM;
        } else {
            char err[320] = "";
            SSL_CTX *s =
                ssl_ctx_load(crt, key, ctx->client_ca, err, sizeof(err));
            if (!s) {
                log_warn(&net_lc, "tls: SNI certificate %s skipped: %s", crt,
                         err);
            } else {
                SSL_CTX_set_tlsext_servername_callback(s, servername_own);
                SSL_CTX_set_tlsext_servername_arg(s, ctx);
                rc = sni_add(set, stem, s);
                if (rc != 0) {
                    SSL_CTX_free(s);
                }
            }
        }
        free(crt);
        free(key);
    }
    closedir(d);
    return rc;
}

static int set_build(struct net_tls_ctx *ctx, struct tls_set **out, char *err,
                     size_t err_cap)
{
    struct tls_set *set = calloc(1, sizeof(*set));
    if (!set) {
        return -ENOMEM;
    }
    set->def = ssl_ctx_load(ctx->cert_path, ctx->key_path, ctx->client_ca, err,
                            err_cap);
    if (!set->def) {
        free(set);
        return -EINVAL;
    }
    SSL_CTX_set_tlsext_servername_callback(set->def, servername_own);
    SSL_CTX_set_tlsext_servername_arg(set->def, ctx);
    if (ctx->sni_dir) {
        int rc = sni_load(set, ctx);
        if (rc != 0) {
            set_free(set);
            return rc;
        }
    }
    *out = set;
    return 0;
}

/* ---- SNI --------------------------------------------------------------- */

/*
 * Switch 'ssl' to the context for its server name in the current set;
 * with no match, to the set's default when 'to_default' (a foreign
 * context), else leave it as it is.
 */
static void pick(struct net_tls_ctx *ctx, SSL *ssl, bool to_default)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    uv_mutex_lock(&ctx->mu);
    struct tls_set *set = ctx->cur;
    SSL_CTX *to = NULL;
    int i = net_tls_sni_pick((const char *const *)set->names, set->n_sni, name);
    if (i >= 0) {
        to = set->sni[i];
    } else if (to_default) {
        to = set->def;
    }
    if (to && to != SSL_get_SSL_CTX(ssl)) {
        /* The SSL takes its own reference to 'to'. */
        (void)SSL_set_SSL_CTX(ssl, to);
    }
    uv_mutex_unlock(&ctx->mu);
}

static int servername_own(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    pick(arg, ssl, false);
    return SSL_TLSEXT_ERR_OK;
}

static int servername_foreign(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    pick(arg, ssl, true);
    return SSL_TLSEXT_ERR_OK;
}

/* ---- public ------------------------------------------------------------ */

static char *dup_opt(const char *s, bool *oom)
{
    if (!s || s[0] == '\0') {
        return NULL;
    }
    char *d = strdup(s);
    if (!d) {
        *oom = true;
    }
    return d;
}

void net_tls_ctx_free(struct net_tls_ctx *ctx)
{
    if (!ctx) {
        return;
    }
    set_free(ctx->cur);
    uv_mutex_destroy(&ctx->mu);
    free(ctx->cert_path);
    free(ctx->key_path);
    free(ctx->sni_dir);
    free(ctx->client_ca);
    free(ctx);
}

int net_tls_ctx_new_opts(struct net_tls_ctx **out,
                         const struct net_tls_opts *opts, char *err,
                         size_t err_cap)
{
    if (err && err_cap > 0) {
        err[0] = '\0';
    }
    if (!opts || !opts->cert_path || !opts->key_path) {
        set_err(err, err_cap, "certificate and key paths are required", NULL);
        return -EINVAL;
    }
    struct net_tls_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        return -ENOMEM;
    }
    if (uv_mutex_init(&ctx->mu) != 0) {
        free(ctx);
        return -ENOMEM;
    }
    bool oom = false;
    ctx->cert_path = dup_opt(opts->cert_path, &oom);
    ctx->key_path = dup_opt(opts->key_path, &oom);
    ctx->sni_dir = dup_opt(opts->sni_dir, &oom);
    ctx->client_ca = dup_opt(opts->client_ca, &oom);
    ctx->wants_client_cert = ctx->client_ca != NULL;
    if (oom) {
        net_tls_ctx_free(ctx);
        return -ENOMEM;
    }
    if (!ctx->cert_path || !ctx->key_path) {
        set_err(err, err_cap, "certificate and key paths are required", NULL);
        net_tls_ctx_free(ctx);
        return -EINVAL;
    }
    int rc = set_build(ctx, &ctx->cur, err, err_cap);
    if (rc != 0) {
        net_tls_ctx_free(ctx);
        return rc;
    }
    *out = ctx;
    return 0;
}

int net_tls_ctx_new(struct net_tls_ctx **out, const char *cert_path,
                    const char *key_path, char *err, size_t err_cap)
{
    struct net_tls_opts o = { .cert_path = cert_path, .key_path = key_path };
    return net_tls_ctx_new_opts(out, &o, err, err_cap);
}

int net_tls_ctx_reload(struct net_tls_ctx *ctx, size_t *n_sni, char *err,
                       size_t err_cap)
{
    if (err && err_cap > 0) {
        err[0] = '\0';
    }
    struct tls_set *set = NULL;
    int rc = set_build(ctx, &set, err, err_cap);
    if (rc != 0) {
        return rc;
    }
    if (n_sni) {
        *n_sni = set->n_sni;
    }
    uv_mutex_lock(&ctx->mu);
    struct tls_set *old = ctx->cur;
    ctx->cur = set;
    uv_mutex_unlock(&ctx->mu);
    /* Handshakes in progress and established connections hold their own
     * references to the SSL_CTXs they use. */
    set_free(old);
    return 0;
}

bool net_tls_ctx_wants_client_cert(const struct net_tls_ctx *ctx)
{
    return ctx && ctx->wants_client_cert;
}

int net_tls_ctx_attach(struct net_tls_ctx *ctx, void *ssl_ctx)
{
    if (!ctx || !ssl_ctx) {
        return -EINVAL;
    }
    SSL_CTX_set_tlsext_servername_callback((SSL_CTX *)ssl_ctx,
                                           servername_foreign);
    SSL_CTX_set_tlsext_servername_arg((SSL_CTX *)ssl_ctx, ctx);
    return 0;
}

/* ---- connections (tls.c) ----------------------------------------------- */

SSL *net_tls_ssl_new(struct net_tls_ctx *ctx)
{
    uv_mutex_lock(&ctx->mu);
    SSL *ssl = SSL_new(ctx->cur->def); /* takes a reference to def */
    uv_mutex_unlock(&ctx->mu);
    return ssl;
}
