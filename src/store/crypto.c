/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secrets at rest: the data directory's secret.key and the secretbox
 * sealing of stored secrets, plus the digest HA1 computation. The key file
 * is created atomically (temp file + link) so two processes opening a fresh
 * data directory agree on one key.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

size_t store_seal_len(size_t plain_len)
{
    return crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain_len;
}

int store_seal(const struct store *st, const void *plain, size_t plain_len,
               unsigned char *dst, size_t dst_cap, size_t *dst_len)
{
    size_t need = store_seal_len(plain_len);
    if (dst_cap < need) {
        return -ENOSPC;
    }
    randombytes_buf(dst, crypto_secretbox_NONCEBYTES);
    if (crypto_secretbox_easy(dst + crypto_secretbox_NONCEBYTES, plain,
                              plain_len, dst, st->key)
        != 0) {
        return -EIO;
    }
    *dst_len = need;
    return 0;
}

int store_unseal(const struct store *st, const void *blob, size_t blob_len,
                 unsigned char *dst, size_t dst_cap, size_t *plain_len)
{
    const unsigned char *b = blob;
    if (blob_len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
        return -EBADMSG;
    }
    size_t n = blob_len - crypto_secretbox_NONCEBYTES;
    size_t plen = n - crypto_secretbox_MACBYTES;
    if (plen > dst_cap) {
        return -EBADMSG;
    }
    if (crypto_secretbox_open_easy(dst, b + crypto_secretbox_NONCEBYTES, n, b,
                                   st->key)
        != 0) {
        return -EBADMSG;
    }
    *plain_len = plen;
    return 0;
}

static int ha1(const EVP_MD *md, const char *user, const char *realm,
               const char *pw, char *out, size_t hex_len)
{
    unsigned char dig[EVP_MAX_MD_SIZE];
    unsigned int dig_len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL && EVP_DigestInit_ex(c, md, NULL) == 1
             && EVP_DigestUpdate(c, user, strlen(user)) == 1
             && EVP_DigestUpdate(c, ":", 1) == 1
             && EVP_DigestUpdate(c, realm, strlen(realm)) == 1
             && EVP_DigestUpdate(c, ":", 1) == 1
             && EVP_DigestUpdate(c, pw, strlen(pw)) == 1
             && EVP_DigestFinal_ex(c, dig, &dig_len) == 1
             && (size_t)dig_len * 2 == hex_len;
    EVP_MD_CTX_free(c);
    if (!ok) {
        return -EIO;
    }
    sodium_bin2hex(out, hex_len + 1, dig, dig_len);
    sodium_memzero(dig, sizeof(dig));
    return 0;
}

int store_ha1_md5(const char *user, const char *realm, const char *pw,
                  char out[STORE_HA1_MD5_LEN + 1])
{
    return ha1(EVP_md5(), user, realm, pw, out, STORE_HA1_MD5_LEN);
}

int store_ha1_sha256(const char *user, const char *realm, const char *pw,
                     char out[STORE_HA1_SHA256_LEN + 1])
{
    return ha1(EVP_sha256(), user, realm, pw, out, STORE_HA1_SHA256_LEN);
}

/* Write a fresh key to a temp file and link it into place atomically. */
static int key_create(const char *path, char *err, size_t err_cap)
{
    char tmp[4096];
    unsigned char key[STORE_KEY_LEN];
    int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof(tmp)) {
        snprintf(err, err_cap, "secret key path too long: %s", path);
        return -ENAMETOOLONG;
    }
    int fd =
        open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -1) {
        int e = errno;
        snprintf(err, err_cap, "cannot create secret key %s: %s", tmp,
                 strerror(e));
        return -e;
    }
    randombytes_buf(key, sizeof(key));
    ssize_t w = write(fd, key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    int e = errno;
    if (w != (ssize_t)sizeof(key) || fsync(fd) == -1) {
        e = w == -1 ? e : EIO;
        close(fd);
        unlink(tmp);
        snprintf(err, err_cap, "cannot write secret key %s: %s", tmp,
                 strerror(e));
        return -e;
    }
    close(fd);
    int rc = link(tmp, path);
    e = errno;
    unlink(tmp);
    if (rc == -1 && e != EEXIST) {
        snprintf(err, err_cap, "cannot create secret key %s: %s", path,
                 strerror(e));
        return -e;
    }
    /* EEXIST: another process won the race; use its key. */
    return 0;
}

int store_key_load(struct store *st, const char *data_dir, char *err,
                   size_t err_cap)
{
    char path[4096];
    struct stat sb;
    int n = snprintf(path, sizeof(path), "%s/secret.key", data_dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, err_cap, "data directory path too long: %s", data_dir);
        return -ENAMETOOLONG;
    }
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd == -1 && errno == ENOENT) {
        int rc = key_create(path, err, err_cap);
        if (rc < 0) {
            return rc;
        }
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd == -1) {
        int e = errno;
        snprintf(err, err_cap, "cannot open secret key %s: %s", path,
                 e == ELOOP ? "it is a symbolic link" : strerror(e));
        return -e;
    }
    if (fstat(fd, &sb) == -1) {
        int e = errno;
        close(fd);
        snprintf(err, err_cap, "cannot stat secret key %s: %s", path,
                 strerror(e));
        return -e;
    }
    if (!S_ISREG(sb.st_mode)) {
        close(fd);
        snprintf(err, err_cap, "secret key %s is not a regular file", path);
        return -EINVAL;
    }
    if ((sb.st_mode & 07777 & ~(mode_t)0600) != 0) {
        close(fd);
        snprintf(err, err_cap,
                 "secret key %s has mode %04o, wider than 0600; fix it with "
                 "chmod 600 %s",
                 path, (unsigned)(sb.st_mode & 07777), path);
        return -EPERM;
    }
    if (sb.st_uid != geteuid() && geteuid() != 0) {
        close(fd);
        snprintf(err, err_cap,
                 "secret key %s is owned by uid %u, not by this user "
                 "(uid %u)",
                 path, (unsigned)sb.st_uid, (unsigned)geteuid());
        return -EPERM;
    }
    if (sb.st_size != STORE_KEY_LEN) {
        close(fd);
        snprintf(err, err_cap,
                 "secret key %s is %lld bytes; expected %d (corrupt or not "
                 "a sipwarden key)",
                 path, (long long)sb.st_size, STORE_KEY_LEN);
        return -EINVAL;
    }
    ssize_t r = read(fd, st->key, STORE_KEY_LEN);
    int e = errno;
    close(fd);
    if (r != STORE_KEY_LEN) {
        sodium_memzero(st->key, sizeof(st->key));
        snprintf(err, err_cap, "cannot read secret key %s: %s", path,
                 r == -1 ? strerror(e) : "short read");
        return r == -1 ? -e : -EIO;
    }
    return 0;
}
