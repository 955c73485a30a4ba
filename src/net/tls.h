/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS server contexts (certificate and key from PEM files, TLS 1.2
 * minimum, AEAD ciphers, no compression, no renegotiation) and the
 * self-signed certificate a fresh install starts with. Per-tenant SNI and
 * client certificates are not done yet. Nothing here prints or logs: the
 * caller reports errors.
 */
#ifndef SW_NET_TLS_H
#define SW_NET_TLS_H

#include <stddef.h>

struct net_tls_ctx;

/*
 * Load a server context: 'cert_path' is a PEM chain (leaf first),
 * 'key_path' its PEM private key. On failure a one-line reason goes to
 * 'err' (err_cap bytes, may be 0) and nothing is allocated. Returns 0,
 * -EINVAL (unreadable/bad file, key mismatch) or -ENOMEM. The context is
 * shared, read-only, by every worker; free it after the net ctx.
 */
int net_tls_ctx_new(struct net_tls_ctx **out, const char *cert_path,
                    const char *key_path, char *err, size_t err_cap);

/* NULL is a no-op. Connections keep what they need alive on their own. */
void net_tls_ctx_free(struct net_tls_ctx *ctx);

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
