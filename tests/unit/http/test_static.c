/* SPDX-License-Identifier: Apache-2.0 */
/* Static files: path traversal refusal, content types, opening beneath. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/static.h"

static void traversal_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "index.html",
        "/..",
        "/../etc/passwd",
        "/a/../../etc/passwd",
        "/a/..",
        "/./a",
        "/a/./b",
        "/.",
        "/.git/config",
        "/.env",
        "/a/.hidden",
        "//etc/passwd",
        "/a//b",
        "/a\\..\\b",
        "/%2e%2e/etc/passwd", /* left encoded: encoded twice */
        "/..%2fetc",
        "/%252e%252e/x",
        "/a%00b",
        "/a\tb",
        "/a\x7f",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (http_static_path_check(sv_cstr(bad[i])) != -EINVAL) {
            fail_msg("path '%s' accepted", bad[i]);
        }
    }
    /* An embedded NUL is refused too (views are not C strings). */
    assert_int_equal(http_static_path_check(sv_make("/a\0b", 4)), -EINVAL);
    static const char *const good[] = {
        "/",     "/index.html", "/assets/app.3f2a.js", "/a/b/",
        "/a..b", "/a.",         "/x/y..z/w",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (http_static_path_check(sv_cstr(good[i])) != 0) {
            fail_msg("path '%s' refused", good[i]);
        }
    }
    char longp[1100];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(http_static_path_check(sv_cstr(longp)), -EINVAL);
}

static void content_types(void **state)
{
    (void)state;
    static const struct {
        const char *path;
        const char *type;
    } tab[] = {
        { "/index.html", "text/html; charset=utf-8" },
        { "/INDEX.HTM", "text/html; charset=utf-8" },
        { "/a/app.js", "text/javascript; charset=utf-8" },
        { "/a/app.mjs", "text/javascript; charset=utf-8" },
        { "/s.css", "text/css; charset=utf-8" },
        { "/d.json", "application/json" },
        { "/i.svg", "image/svg+xml" },
        { "/i.png", "image/png" },
        { "/favicon.ico", "image/vnd.microsoft.icon" },
        { "/f.woff2", "font/woff2" },
        { "/x.wasm", "application/wasm" },
        { "/noext", "application/octet-stream" },
        { "/dir.js/noext", "application/octet-stream" },
        { "/x.exe", "application/octet-stream" },
        { "/x.", "application/octet-stream" },
    };
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        assert_string_equal(http_static_mime(sv_cstr(tab[i].path)),
                            tab[i].type);
    }
}

static char root[64];

static void write_file(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", root, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int rm_cb(const char *p, const struct stat *st, int flag,
                 struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int setup_tree(void **state)
{
    (void)state;
    char p[256];
    snprintf(root, sizeof(root), "/tmp/sw_http_static_XXXXXX");
    if (mkdtemp(root) == NULL) {
        return -1;
    }
    /* root/www is served; root/secret.txt must stay out of reach. */
    snprintf(p, sizeof(p), "%s/www", root);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/www/assets", root);
    mkdir(p, 0700);
    snprintf(p, sizeof(p), "%s/www/empty", root);
    mkdir(p, 0700);
    write_file("secret.txt", "TOP SECRET");
    write_file("www/index.html", "<h1>portal</h1>");
    write_file("www/assets/app.js", "console.log(1);");
    write_file("www/assets/index.html", "assets index");
    char target[256];
    snprintf(target, sizeof(target), "%s/secret.txt", root);
    snprintf(p, sizeof(p), "%s/www/escape.txt", root);
    if (symlink(target, p) != 0) {
        return -1;
    }
    snprintf(p, sizeof(p), "%s/www/up", root);
    if (symlink("..", p) != 0) {
        return -1;
    }
    return 0;
}

static int teardown_tree(void **state)
{
    (void)state;
    return nftw(root, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static int open_www(void)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/www", root);
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    return fd;
}

static void read_all(int fd, char *dst, size_t cap)
{
    ssize_t n = pread(fd, dst, cap - 1, 0);
    assert_true(n >= 0);
    dst[n] = '\0';
}

static void open_beneath(void **state)
{
    (void)state;
    int dir = open_www();
    int fd = -1;
    uint64_t size = 0;
    const char *mime = NULL;
    char text[128];

    assert_int_equal(
        http_static_open(dir, SV_LIT("/assets/app.js"), &fd, &size, &mime), 0);
    assert_int_equal(size, strlen("console.log(1);"));
    assert_string_equal(mime, "text/javascript; charset=utf-8");
    read_all(fd, text, sizeof(text));
    assert_string_equal(text, "console.log(1);");
    close(fd);

    /* Directories answer with their index.html, never a listing. */
    assert_int_equal(http_static_open(dir, SV_LIT("/"), &fd, &size, &mime), 0);
    assert_string_equal(mime, "text/html; charset=utf-8");
    read_all(fd, text, sizeof(text));
    assert_string_equal(text, "<h1>portal</h1>");
    close(fd);
    assert_int_equal(
        http_static_open(dir, SV_LIT("/assets/"), &fd, &size, &mime), 0);
    read_all(fd, text, sizeof(text));
    assert_string_equal(text, "assets index");
    close(fd);
    assert_int_equal(
        http_static_open(dir, SV_LIT("/empty/"), &fd, &size, &mime), -ENOENT);
    assert_int_equal(
        http_static_open(dir, SV_LIT("/missing.js"), &fd, &size, &mime),
        -ENOENT);

    /* Lexical refusals and symlinks leading out are both refused. */
    assert_int_equal(
        http_static_open(dir, SV_LIT("/../secret.txt"), &fd, &size, &mime),
        -EINVAL);
    assert_int_equal(
        http_static_open(dir, SV_LIT("/escape.txt"), &fd, &size, &mime),
        -EINVAL);
    assert_int_equal(
        http_static_open(dir, SV_LIT("/up/secret.txt"), &fd, &size, &mime),
        -EINVAL);
    close(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(traversal_refused),
        cmocka_unit_test(content_types),
        cmocka_unit_test_setup_teardown(open_beneath, setup_tree,
                                        teardown_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
