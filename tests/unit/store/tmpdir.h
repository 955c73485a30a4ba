/* SPDX-License-Identifier: Apache-2.0 */
/* Temporary data directories for the store, ops and CLI tests: created
 * with mkdtemp, removed recursively at teardown. Header-only on purpose:
 * each test binary links only its own subsystem. */
#ifndef SW_TESTS_UNIT_STORE_TMPDIR_H
#define SW_TESTS_UNIT_STORE_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct tmpdir {
    char path[256];
};

/* Create a fresh directory under $TMPDIR (or /tmp). Returns 0 or -1. */
static inline int tmpdir_make(struct tmpdir *t)
{
    const char *base = getenv("TMPDIR");
    if (!base || !base[0]) {
        base = "/tmp";
    }
    int n = snprintf(t->path, sizeof(t->path), "%s/sw-test-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof(t->path)) {
        return -1;
    }
    return mkdtemp(t->path) ? 0 : -1;
}

static inline int tmpdir_rm_one(const char *p, const struct stat *sb, int flag,
                                struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

/* Remove the directory and everything under it. */
static inline void tmpdir_rm(struct tmpdir *t)
{
    if (t->path[0]) {
        nftw(t->path, tmpdir_rm_one, 16, FTW_DEPTH | FTW_PHYS);
        t->path[0] = '\0';
    }
}

/* "<dir>/<name>" into dst. */
static inline const char *tmpdir_file(const struct tmpdir *t, const char *name,
                                      char *dst, size_t cap)
{
    snprintf(dst, cap, "%s/%s", t->path, name);
    return dst;
}

/* Read a whole file (up to 'cap' bytes); returns its length or -1. */
static inline long tmpdir_slurp(const char *path, unsigned char *dst,
                                size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return -1;
    }
    size_t n = fread(dst, 1, cap, f);
    fclose(f);
    return (long)n;
}

#endif
