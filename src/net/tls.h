/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS server contexts: a default certificate plus per-domain certificates
 * picked by SNI, all with the same hardening (TLS 1.2 minimum, ECDHE+AEAD
 * suites for TLS 1.2, TLS 1.3 defaults, no compression, no renegotiation,
 * server cipher preference), optional client certificates checked against
 * a CA bundle, and reload by pointer swap. Also the self-signed
 * certificate a fresh install starts with, and the pure helpers behind
 * SNI choice and certificate fingerprints. Skipped SNI pairs are logged
 * (net subsystem); other errors go to the caller.
 */
#ifndef SW_NET_TLS_H
#define SW_NET_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct net_tls_ctx;

enum {
    NET_TLS_FP_LEN = 32,     /* SHA-256 certificate fingerprint, bytes */
    NET_TLS_FP_HEX_CAP = 65, /* 64 lowercase hex digits + NUL */
    NET_TLS_SNI_NAME_MAX = 253,
};

/* What a server context is built from; the strings are copied. */
struct net_tls_opts {
    const char *cert_path; /* PEM chain, leaf first; required */
    const char *key_path;  /* its PEM private key; required */
    const char *sni_dir;   /* <domain>.crt + <domain>.key pairs; NULL or ""
                              = none; a missing directory is empty */
    const char *client_ca; /* PEM bundle for client certificates; NULL or
                              "" = never ask for one */
};

/*
 * Load a server context: 'cert_path' is a PEM chain (leaf first),
 * 'key_path' its PEM private key. On failure a one-line reason goes to
 * 'err' (err_cap bytes, may be 0) and nothing is allocated. Returns 0,
 * -EINVAL (unreadable/bad file, key mismatch) or -ENOMEM. The context is
 * shared by every worker (and may be reloaded); free it after the net ctx.
 * Same as net_tls_ctx_new_opts() with no SNI directory and no client CA.
 */
int net_tls_ctx_new(struct net_tls_ctx **out, const char *cert_path,
                    const char *key_path, char *err, size_t err_cap);

/*
 * Load a server context from 'opts': the default pair (must load), then
 * each <domain>.crt/<domain>.key pair in opts->sni_dir into its own
 * context (a bad pair is logged with its file and skipped), then the
 * client CA bundle (must load when set). Returns 0, -EINVAL (default pair
 * or CA bundle unusable, reason in 'err') or -ENOMEM.
 */
int net_tls_ctx_new_opts(struct net_tls_ctx **out,
                         const struct net_tls_opts *opts, char *err,
                         size_t err_cap);

/*
 * Build a new context set from the same files and publish it; new
 * handshakes use it, established connections keep the contexts they
 * have (OpenSSL refcounts), the old set goes when its last user does.
 * On failure the old set stays and the reason goes to 'err'. Any thread.
 * *n_sni (may be NULL) receives the number of SNI certificates loaded.
 * Returns 0, -EINVAL or -ENOMEM.
 */
int net_tls_ctx_reload(struct net_tls_ctx *ctx, size_t *n_sni, char *err,
                       size_t err_cap);

/* True when client certificates are asked for (a client CA is set). */
bool net_tls_ctx_wants_client_cert(const struct net_tls_ctx *ctx);

/*
 * Make an OpenSSL SSL_CTX owned by someone else (e.g. libwebsockets'
 * HTTPS vhost; passed as void * so this header needs no OpenSSL) hand
 * every handshake to 'ctx': SNI picks a domain certificate, anything else
 * gets the default one, both from the current (possibly reloaded) set.
 * Client certificates are not asked for there. 'ctx' must outlive
 * 'ssl_ctx'. Returns 0 or -EINVAL.
 */
int net_tls_ctx_attach(struct net_tls_ctx *ctx, void *ssl_ctx);

/* NULL is a no-op. Connections keep what they need alive on their own. */
void net_tls_ctx_free(struct net_tls_ctx *ctx);

/*
 * Pick the certificate for SNI 'servername' among 'names' (n entries,
 * lowercase domains, or "*.parent" wildcards): the exact name
 * (case-insensitive, one trailing dot ignored) first, then "*." + the
 * name without its first label. Returns the index, or -1 (use the
 * default) for no match, a NULL/empty/overlong name or a name with a
 * character outside [A-Za-z0-9.-]. Pure.
 */
int net_tls_sni_pick(const char *const *names, size_t n,
                     const char *servername);

/*
 * Whether 'name' may be an SNI file stem: a lowercase domain of
 * [a-z0-9-] labels separated by dots (up to 253 bytes, no empty label),
 * optionally prefixed by "*." . Pure.
 */
bool net_tls_sni_name_ok(const char *name);

/*
 * Parse a SHA-256 fingerprint: 64 hex digits (either case), optionally
 * with a ':' between every byte (as openssl x509 -fingerprint prints it,
 * with or without a "SHA256 Fingerprint=" prefix stripped by the caller).
 * Returns 0 (out filled), -EINVAL otherwise. 'out' may be NULL (check
 * only). Pure.
 */
int net_tls_fp_parse(const char *txt, size_t len, uint8_t out[NET_TLS_FP_LEN]);

/* 64 lowercase hex digits + NUL into 'out'. Pure. */
void net_tls_fp_format(const uint8_t fp[NET_TLS_FP_LEN],
                       char out[NET_TLS_FP_HEX_CAP]);

/*
 * Make sure <dir>/tls/cert.pem and <dir>/tls/key.pem exist; if either is
 * missing, create <dir>/tls (0700) and generate an EC P-256 key (file
 * 0600) and a self-signed X.509 v3 certificate for 'hostname' (CN and
 * subjectAltName, plus IP 127.0.0.1 and ::1; 825 days; random serial).
 * 'hostname' is a DNS name ([A-Za-z0-9.-], up to 253 bytes) or an IP
 * literal. On success *cert_path and *key_path are heap strings the caller
 * frees. Returns 0, -EINVAL (bad hostname), -ENOENT ('dir' missing), -EIO
 * (OpenSSL failure), -ENOMEM or another negative errno from the files.
 */
int net_tls_selfsigned_ensure(const char *dir, const char *hostname,
                              char **cert_path, char **key_path);

#endif
