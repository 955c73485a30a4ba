/* SPDX-License-Identifier: Apache-2.0 */
/* Store handle: data directory, secret key, migrations, batches. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "tmpdir.h"

struct fx {
    struct tmpdir dir;
    char err[512];
};

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));
    if (!fx || tmpdir_make(&fx->dir) != 0) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    tmpdir_rm(&fx->dir);
    free(fx);
    return 0;
}

static int file_mode(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        return -1;
    }
    return (int)(sb.st_mode & 07777);
}

static int db_user_version(const char *db_path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int v = -1;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK
        && sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL)
               == SQLITE_OK
        && sqlite3_step(s) == SQLITE_ROW) {
        v = sqlite3_column_int(s, 0);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void db_exec(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void write_file(const char *path, const void *p, size_t n, int mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    assert_int_equal(chmod(path, (mode_t)mode), 0);
}

static void open_creates_everything(void **state)
{
    struct fx *fx = *state;
    char dir[512];
    char p[600];
    struct store *st = NULL;

    /* Two missing levels: both are created 0700. */
    snprintf(dir, sizeof(dir), "%s/a/data", fx->dir.path);
    assert_int_equal(store_open(dir, &st, fx->err, sizeof(fx->err)), 0);
    assert_non_null(st);
    assert_string_equal(store_errmsg(st), "");
    store_close(st);

    assert_int_equal(file_mode(dir), 0700);
    snprintf(p, sizeof(p), "%s/a", fx->dir.path);
    assert_int_equal(file_mode(p), 0700);
    snprintf(p, sizeof(p), "%s/secret.key", dir);
    assert_int_equal(file_mode(p), 0600);
    struct stat sb;
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 32);
    snprintf(p, sizeof(p), "%s/sipwarden.db", dir);
    assert_int_equal(file_mode(p), 0600);
    assert_int_equal(db_user_version(p), store_schema_version());
    assert_true(store_schema_version() >= 1);
}

static void reopen_is_idempotent(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    struct store_tenant t;
    unsigned char key1[64];
    unsigned char key2[64];
    char p[600];

    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    assert_int_equal(store_tenant_add(st, "example.com", "Example", NULL), 0);
    store_close(st);
    tmpdir_file(&fx->dir, "secret.key", p, sizeof(p));
    assert_int_equal(tmpdir_slurp(p, key1, sizeof(key1)), 32);

    for (int i = 0; i < 3; i++) {
        assert_int_equal(
            store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)), 0);
        assert_int_equal(store_tenant_find(st, "example.com", &t), 0);
        assert_string_equal(t.name, "Example");
        store_close(st);
    }
    assert_int_equal(tmpdir_slurp(p, key2, sizeof(key2)), 32);
    assert_memory_equal(key1, key2, 32);
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    assert_int_equal(db_user_version(p), store_schema_version());
}

static void two_handles_share_the_database(void **state)
{
    struct fx *fx = *state;
    struct store *a = NULL;
    struct store *b = NULL;
    struct store_tenant t;

    assert_int_equal(store_open(fx->dir.path, &a, fx->err, sizeof(fx->err)), 0);
    assert_int_equal(store_open(fx->dir.path, &b, fx->err, sizeof(fx->err)), 0);
    assert_int_equal(store_tenant_add(a, "one.example", NULL, NULL), 0);
    assert_int_equal(store_tenant_find(b, "one.example", &t), 0);
    store_close(a);
    store_close(b);
}

static void refuses_newer_schema(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];
    char sql[64];

    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    store_close(st);
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
             store_schema_version() + 1);
    db_exec(p, sql);

    st = (struct store *)1;
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     -EPROTO);
    assert_null(st);
    assert_non_null(strstr(fx->err, "newer"));
    /* Refusing did not touch the version. */
    assert_int_equal(db_user_version(p), store_schema_version() + 1);
}

static void migrates_an_empty_database_file(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];

    /* A zero-length file (e.g. touched by an installer) is a valid empty
     * database at version 0. */
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    write_file(p, "", 0, 0600);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    assert_int_equal(store_tenant_add(st, "example.com", NULL, NULL), 0);
    store_close(st);
    assert_int_equal(db_user_version(p), store_schema_version());
}

static void refuses_garbage_database(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];
    char junk[4096];

    memset(junk, 'x', sizeof(junk));
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    write_file(p, junk, sizeof(junk), 0600);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     -EIO);
    assert_null(st);
    assert_non_null(strstr(fx->err, "sipwarden.db"));
}

static void key_with_wide_permissions_is_refused(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];
    static const int modes[] = { 0644, 0640, 0604, 0660, 0700 };

    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    store_close(st);
    tmpdir_file(&fx->dir, "secret.key", p, sizeof(p));
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        assert_int_equal(chmod(p, (mode_t)modes[i]), 0);
        int rc = store_open(fx->dir.path, &st, fx->err, sizeof(fx->err));
        assert_int_equal(rc, -EPERM);
        assert_null(st);
        assert_non_null(strstr(fx->err, "secret.key"));
        assert_non_null(strstr(fx->err, "chmod 600"));
    }
    /* 0400 is stricter than 0600: accepted. */
    assert_int_equal(chmod(p, 0400), 0);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    store_close(st);
}

static void key_with_wrong_size_is_refused(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];
    unsigned char k[33] = { 0 };

    tmpdir_file(&fx->dir, "secret.key", p, sizeof(p));
    write_file(p, k, 31, 0600);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     -EINVAL);
    assert_non_null(strstr(fx->err, "31 bytes"));
    write_file(p, k, 33, 0600);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     -EINVAL);
    write_file(p, k, 0, 0600);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     -EINVAL);
    assert_null(st);
}

static void key_symlink_is_refused(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];
    char target[600];
    unsigned char k[32] = { 1 };

    tmpdir_file(&fx->dir, "elsewhere.key", target, sizeof(target));
    write_file(target, k, sizeof(k), 0600);
    tmpdir_file(&fx->dir, "secret.key", p, sizeof(p));
    assert_int_equal(symlink(target, p), 0);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     -ELOOP);
    assert_non_null(strstr(fx->err, "symbolic link"));
}

static void open_argument_errors(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];

    assert_int_equal(store_open("", &st, fx->err, sizeof(fx->err)), -EINVAL);
    assert_non_null(strstr(fx->err, "data directory"));
    /* A regular file where the directory should be. */
    tmpdir_file(&fx->dir, "file", p, sizeof(p));
    write_file(p, "x", 1, 0600);
    assert_true(store_open(p, &st, NULL, 0) < 0);
    assert_null(st);
}

static void batches(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    struct store_tenant t;
    int64_t tid = 0;

    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    assert_int_equal(store_commit(st), -EINVAL);
    assert_int_equal(store_rollback(st), -EINVAL);

    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_begin(st), -EINVAL);
    assert_int_equal(store_tenant_add(st, "gone.example", NULL, NULL), 0);
    assert_int_equal(store_rollback(st), 0);
    assert_int_equal(store_tenant_find(st, "gone.example", &t), -ENOENT);

    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_tenant_add(st, "kept.example", NULL, &tid), 0);
    assert_int_equal(store_user_add(st, tid, "100", NULL, STORE_ROLE_STANDARD,
                                    NULL, "pw-one-1A", NULL),
                     0);
    /* A failing multi-statement write inside a batch rolls back only its
     * own savepoint; the batch goes on. */
    assert_int_equal(store_user_add(st, tid, "100", NULL, STORE_ROLE_STANDARD,
                                    NULL, "pw-two-2B", NULL),
                     -EEXIST);
    assert_int_equal(store_user_add(st, tid, "101", NULL, STORE_ROLE_STANDARD,
                                    NULL, "pw-two-2B", NULL),
                     0);
    assert_int_equal(store_commit(st), 0);
    store_close(st);

    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    assert_int_equal(store_tenant_find(st, "kept.example", &t), 0);
    struct store_user u;
    assert_int_equal(store_user_find(st, t.id, "100", &u), 0);
    assert_int_equal(store_user_find(st, t.id, "101", &u), 0);
    /* Closing with a batch open rolls it back. */
    assert_int_equal(store_begin(st), 0);
    assert_int_equal(store_tenant_add(st, "dropped.example", NULL, NULL), 0);
    store_close(st);
    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    assert_int_equal(store_tenant_find(st, "dropped.example", &t), -ENOENT);
    store_close(st);
}

/*
 * Another process (sqlite3 from Debian's package, a fresh program: a fork
 * would share this process's SQLite lock bookkeeping) counts the tenants
 * named 'domain'; returns the count, or -1.
 */
static int other_process_count(const char *db, const char *domain)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s' \"SELECT count(*) FROM tenants WHERE domain = "
             "'%s'\" 2>&1",
             db, domain);
    FILE *f = popen(cmd, "r");
    if (f == NULL) {
        return -1;
    }
    char line[64] = "";
    int n = -1;
    if (fgets(line, sizeof(line), f) != NULL) {
        char *endp = NULL;
        long v = strtol(line, &endp, 10);
        n = endp != line ? (int)v : -1;
    }
    return pclose(f) == 0 ? n : -1;
}

/*
 * A second handle in this process must not drop the first one's locks:
 * otherwise another process (the CLI beside the daemon) closing the
 * database takes our WAL for abandoned, deletes it, and what we write next
 * goes to an unlinked file nobody else can read.
 */
static void other_process_keeps_our_wal(void **state)
{
    struct fx *fx = *state;
    struct store *a = NULL;
    struct store *b = NULL;
    char wal[600];
    char db[600];
    struct stat sb;

    assert_int_equal(store_open(fx->dir.path, &a, fx->err, sizeof(fx->err)), 0);
    assert_int_equal(store_tenant_add(a, "one.example", NULL, NULL), 0);
    assert_int_equal(store_open(fx->dir.path, &b, fx->err, sizeof(fx->err)), 0);
    tmpdir_file(&fx->dir, "sipwarden.db-wal", wal, sizeof(wal));
    tmpdir_file(&fx->dir, "sipwarden.db", db, sizeof(db));
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(other_process_count(db, "one.example"), 1);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(store_tenant_add(a, "two.example", NULL, NULL), 0);
    assert_int_equal(other_process_count(db, "two.example"), 1);
    store_close(b);
    store_close(a);
}

static void wal_mode_is_on(void **state)
{
    struct fx *fx = *state;
    struct store *st = NULL;
    char p[600];

    assert_int_equal(store_open(fx->dir.path, &st, fx->err, sizeof(fx->err)),
                     0);
    tmpdir_file(&fx->dir, "sipwarden.db", p, sizeof(p));
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
    store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_creates_everything, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(reopen_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(two_handles_share_the_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refuses_newer_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(migrates_an_empty_database_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(refuses_garbage_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(key_with_wide_permissions_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(key_with_wrong_size_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(key_symlink_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(open_argument_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(batches, setup, teardown),
        cmocka_unit_test_setup_teardown(wal_mode_is_on, setup, teardown),
        cmocka_unit_test_setup_teardown(other_process_keeps_our_wal, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
