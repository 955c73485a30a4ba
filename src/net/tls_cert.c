/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The self-signed certificate a fresh install uses until the operator
 * installs a real one (server contexts live in tls_ctx.c). Generation
 * uses the OpenSSL 3 API (EVP_EC_gen, X509 v3 extensions built as
 * structures, never from strings that could carry the hostname).
 */
#include "net/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "net/net_int.h"

enum { CERT_DAYS = 825, HOSTNAME_MAX = 253 };

/* ---- self-signed certificate --------------------------------------------- */

static bool hostname_ok(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > HOSTNAME_MAX || h[0] == '.' || h[0] == '-') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = h[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '.' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Length of the binary IP in 'out' (4 or 16), or 0 if 'txt' is not one. */
static int ip_literal(const char *txt, unsigned char out[16])
{
    if (inet_pton(AF_INET, txt, out) == 1) {
        return 4;
    }
    if (inet_pton(AF_INET6, txt, out) == 1) {
        return 16;
    }
    return 0;
}

static int add_ip(GENERAL_NAMES *gens, const unsigned char *ip, int len)
{
    ASN1_OCTET_STRING *oct = ASN1_OCTET_STRING_new();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    if (!oct || !gen || !ASN1_OCTET_STRING_set(oct, ip, len)) {
        ASN1_OCTET_STRING_free(oct);
        GENERAL_NAME_free(gen);
        return -1;
    }
    GENERAL_NAME_set0_value(gen, GEN_IPADD, oct);
    if (!sk_GENERAL_NAME_push(gens, gen)) {
        GENERAL_NAME_free(gen);
        return -1;
    }
    return 0;
}

static int add_dns(GENERAL_NAMES *gens, const char *name)
{
    ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
    GENERAL_NAME *gen = GENERAL_NAME_new();
    if (!ia5 || !gen || !ASN1_STRING_set(ia5, name, (int)strlen(name))) {
        ASN1_IA5STRING_free(ia5);
        GENERAL_NAME_free(gen);
        return -1;
    }
    GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
    if (!sk_GENERAL_NAME_push(gens, gen)) {
        GENERAL_NAME_free(gen);
        return -1;
    }
    return 0;
}

static int add_san(X509 *x, const char *hostname)
{
    static const unsigned char lo4[4] = { 127, 0, 0, 1 };
    static const unsigned char lo6[16] = { [15] = 1 };
    unsigned char ip[16];
    int rc = -1;
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    if (!gens) {
        return -1;
    }
    int ip_len = ip_literal(hostname, ip);
    if (ip_len > 0) {
        if (add_ip(gens, ip, ip_len) != 0) {
            goto out;
        }
    } else if (add_dns(gens, hostname) != 0) {
        goto out;
    }
    if ((ip_len != 4 || memcmp(ip, lo4, 4) != 0) && add_ip(gens, lo4, 4)) {
        goto out;
    }
    if ((ip_len != 16 || memcmp(ip, lo6, 16) != 0) && add_ip(gens, lo6, 16)) {
        goto out;
    }
    if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, 0) == 1) {
        rc = 0;
    }
out:
    GENERAL_NAMES_free(gens);
    return rc;
}

static int add_conf_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
    if (!ext) {
        return -1;
    }
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? 0 : -1;
}

static int set_serial(X509 *x)
{
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof(raw)) != 1) {
        return -1;
    }
    raw[0] &= 0x7f; /* positive */
    raw[0] |= 0x40; /* and never zero or short */
    BIGNUM *bn = BN_bin2bn(raw, sizeof(raw), NULL);
    if (!bn) {
        return -1;
    }
    ASN1_INTEGER *serial = X509_get_serialNumber(x);
    int rc = BN_to_ASN1_INTEGER(bn, serial) ? 0 : -1;
    BN_free(bn);
    return rc;
}

static X509 *make_cert(EVP_PKEY *pkey, const char *hostname)
{
    X509 *x = X509_new();
    if (!x) {
        return NULL;
    }
    X509_NAME *name = X509_get_subject_name(x);
    bool ok =
        X509_set_version(x, X509_VERSION_3) == 1 && set_serial(x) == 0
        && X509_gmtime_adj(X509_getm_notBefore(x), 0)
        && X509_gmtime_adj(X509_getm_notAfter(x), (long)CERT_DAYS * 24 * 3600)
        && X509_set_pubkey(x, pkey) == 1
        && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                      (const unsigned char *)hostname, -1, -1,
                                      0)
               == 1
        && X509_NAME_add_entry_by_txt(
               name, "O", MBSTRING_ASC,
               (const unsigned char *)"sipwarden self-signed", -1, -1, 0)
               == 1
        && X509_set_issuer_name(x, name) == 1
        && add_conf_ext(x, NID_basic_constraints, "critical,CA:FALSE") == 0
        && add_conf_ext(x, NID_key_usage,
                        "critical,digitalSignature,keyAgreement")
               == 0
        && add_conf_ext(x, NID_ext_key_usage, "serverAuth,clientAuth") == 0
        && add_conf_ext(x, NID_subject_key_identifier, "hash") == 0
        && add_san(x, hostname) == 0 && X509_sign(x, pkey, EVP_sha256()) > 0;
    if (!ok) {
        X509_free(x);
        return NULL;
    }
    return x;
}

/* Write through a temporary file and rename, so a crash leaves no stub. */
static int write_pem(const char *path, mode_t mode, EVP_PKEY *pkey, X509 *x)
{
    size_t n = strlen(path) + 5;
    char *tmp = malloc(n);
    if (!tmp) {
        return -ENOMEM;
    }
    snprintf(tmp, n, "%s.tmp", path);
    int fd =
        open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd == -1) {
        int rc = -errno;
        free(tmp);
        return rc;
    }
    int rc = 0;
    if (fchmod(fd, mode) == -1) {
        rc = -errno;
    }
    BIO *bio = rc == 0 ? BIO_new_fd(fd, BIO_NOCLOSE) : NULL;
    if (rc == 0 && !bio) {
        rc = -ENOMEM;
    }
    if (rc == 0) {
        int ok = pkey ? PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
                                                 NULL)
                      : PEM_write_bio_X509(bio, x);
        if (ok != 1 || BIO_flush(bio) != 1) {
            rc = -EIO;
        }
    }
    BIO_free(bio);
    if (rc == 0 && fsync(fd) == -1) {
        rc = -errno;
    }
    if (close(fd) == -1 && rc == 0) {
        rc = -errno;
    }
    if (rc == 0 && rename(tmp, path) == -1) {
        rc = -errno;
    }
    if (rc != 0) {
        unlink(tmp);
    }
    free(tmp);
    ERR_clear_error();
    return rc;
}

static char *path_join(const char *dir, const char *leaf)
{
    size_t n = strlen(dir) + strlen(leaf) + 2;
    char *p = malloc(n);
    if (p) {
        snprintf(p, n, "%s/%s", dir, leaf);
    }
    return p;
}

static bool is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int generate(const char *cert_path, const char *key_path,
                    const char *hostname)
{
    ERR_clear_error();
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (!pkey) {
        ERR_clear_error();
        return -EIO;
    }
    X509 *x = make_cert(pkey, hostname);
    if (!x) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return -EIO;
    }
    /* Key first: a certificate without its key would be useless. */
    int rc = write_pem(key_path, 0600, pkey, NULL);
    if (rc == 0) {
        rc = write_pem(cert_path, 0644, NULL, x);
    }
    X509_free(x);
    EVP_PKEY_free(pkey);
    return rc;
}

int net_tls_selfsigned_ensure(const char *dir, const char *hostname,
                              char **cert_path, char **key_path)
{
    unsigned char ip[16];
    if (!dir || !hostname
        || (!hostname_ok(hostname) && ip_literal(hostname, ip) == 0)) {
        return -EINVAL;
    }
    struct stat st;
    if (stat(dir, &st) == -1) {
        return -errno;
    }
    if (!S_ISDIR(st.st_mode)) {
        return -ENOTDIR;
    }
    int rc = -ENOMEM;
    char *tls_dir = path_join(dir, "tls");
    char *cert = tls_dir ? path_join(tls_dir, "cert.pem") : NULL;
    char *key = tls_dir ? path_join(tls_dir, "key.pem") : NULL;
    if (!tls_dir || !cert || !key) {
        goto fail;
    }
    if (mkdir(tls_dir, 0700) == -1 && errno != EEXIST) {
        rc = -errno;
        goto fail;
    }
    if (!is_regular(cert) || !is_regular(key)) {
        rc = generate(cert, key, hostname);
        if (rc != 0) {
            goto fail;
        }
    }
    free(tls_dir);
    *cert_path = cert;
    *key_path = key;
    return 0;

fail:
    free(tls_dir);
    free(cert);
    free(key);
    return rc;
}
