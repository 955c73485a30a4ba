/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Static file lookup for the portal. The path is checked twice: lexically
 * here (no dot segments, no hidden files, no leftover encodings) and by the
 * kernel, which resolves it with openat2(RESOLVE_BENEATH) so a symlink
 * cannot lead outside the portal directory either.
 */
#include "http/static.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define STATIC_PATH_MAX 1024

int http_static_path_check(struct sv path)
{
    if (path.len == 0 || path.len > STATIC_PATH_MAX || path.p[0] != '/') {
        return -EINVAL;
    }
    size_t seg_start = 1;
    for (size_t i = 1; i <= path.len; i++) {
        if (i < path.len) {
            unsigned char c = (unsigned char)path.p[i];
            if (c < 0x20 || c == 0x7f || c == '\\' || c == '%') {
                return -EINVAL;
            }
            if (c != '/') {
                continue;
            }
        }
        /* A segment ends at i. */
        size_t len = i - seg_start;
        if (len == 0 && i < path.len) {
            return -EINVAL; /* "//" */
        }
        if (len > 0 && path.p[seg_start] == '.') {
            return -EINVAL; /* ".", "..", ".git", ".env" */
        }
        seg_start = i + 1;
    }
    return 0;
}

struct mime_ent {
    const char *ext;
    const char *type;
};

static const struct mime_ent mime_tab[] = {
    { "html", "text/html; charset=utf-8" },
    { "htm", "text/html; charset=utf-8" },
    { "css", "text/css; charset=utf-8" },
    { "js", "text/javascript; charset=utf-8" },
    { "mjs", "text/javascript; charset=utf-8" },
    { "json", "application/json" },
    { "map", "application/json" },
    { "webmanifest", "application/manifest+json" },
    { "txt", "text/plain; charset=utf-8" },
    { "svg", "image/svg+xml" },
    { "png", "image/png" },
    { "jpg", "image/jpeg" },
    { "jpeg", "image/jpeg" },
    { "gif", "image/gif" },
    { "webp", "image/webp" },
    { "ico", "image/vnd.microsoft.icon" },
    { "woff", "font/woff" },
    { "woff2", "font/woff2" },
    { "ttf", "font/ttf" },
    { "wasm", "application/wasm" },
    { "xml", "application/xml" },
    { "pdf", "application/pdf" },
};

const char *http_static_mime(struct sv path)
{
    size_t dot = path.len;
    for (size_t i = path.len; i > 0; i--) {
        char c = path.p[i - 1];
        if (c == '/') {
            break;
        }
        if (c == '.') {
            dot = i - 1;
            break;
        }
    }
    if (dot < path.len) {
        struct sv ext = sv_make(path.p + dot + 1, path.len - dot - 1);
        for (size_t i = 0; i < sizeof(mime_tab) / sizeof(mime_tab[0]); i++) {
            if (sv_eq_cstr_nocase(ext, mime_tab[i].ext)) {
                return mime_tab[i].type;
            }
        }
    }
    return "application/octet-stream";
}

static int open_beneath(int dir_fd, const char *rel)
{
    struct open_how how = {
        .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, dir_fd, rel, &how, sizeof(how));
    if (fd == -1 && errno == ENOSYS) {
        /* Kernels before 5.6: the lexical check above is what protects. */
        fd = openat(dir_fd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    }
    if (fd == -1) {
        return -errno;
    }
    return (int)fd;
}

int http_static_open(int dir_fd, struct sv path, int *fd_out,
                     uint64_t *size_out, const char **mime_out)
{
    char rel[STATIC_PATH_MAX + sizeof("/index.html") + 2];
    if (http_static_path_check(path) != 0) {
        return -EINVAL;
    }
    /* Relative to dir_fd: "." for "/", "a/b" for "/a/b". */
    size_t n = path.len - 1;
    if (n == 0) {
        rel[0] = '.';
        n = 1;
    } else {
        memcpy(rel, path.p + 1, n);
    }
    rel[n] = '\0';
    int fd = open_beneath(dir_fd, rel);
    if (fd < 0) {
        return fd == -EXDEV || fd == -ELOOP ? -EINVAL : fd;
    }
    struct stat st;
    if (fstat(fd, &st) == -1) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    const char *name = rel;
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        size_t base = rel[n - 1] == '/' ? n - 1 : n;
        memcpy(rel + base, "/index.html", sizeof("/index.html"));
        fd = open_beneath(dir_fd, rel);
        if (fd < 0) {
            return fd == -EXDEV || fd == -ELOOP ? -EINVAL : -ENOENT;
        }
        if (fstat(fd, &st) == -1) {
            int rc = -errno;
            close(fd);
            return rc;
        }
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return -ENOENT;
    }
    *fd_out = fd;
    *size_out = (uint64_t)st.st_size;
    *mime_out = http_static_mime(sv_cstr(name));
    return 0;
}
