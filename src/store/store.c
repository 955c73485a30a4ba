/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Store handle: opening the data directory and database, connection
 * settings, the prepared statement cache, error mapping and transactions.
 * The schema lives in schema.c, the secrets in crypto.c, each object in its
 * own file.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store_int.h"

enum { STORE_BUSY_TIMEOUT_MS = 5000 };

/* ------------------------------------------------------------------ */
/* Errors                                                               */
/* ------------------------------------------------------------------ */

int store_fail(struct store *st, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
    va_end(ap);
    return rc;
}

int store_fail_sql(struct store *st, int sqlrc, const char *what)
{
    int rc;
    switch (sqlrc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        rc = -EEXIST;
        break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        rc = -ENOENT;
        break;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
    case SQLITE_TOOBIG:
        rc = -EINVAL;
        break;
    default:
        switch (sqlrc & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            rc = -EBUSY;
            break;
        case SQLITE_FULL:
            rc = -ENOSPC;
            break;
        case SQLITE_READONLY:
            rc = -EROFS;
            break;
        default:
            rc = -EIO;
            break;
        }
    }
    return store_fail(st, rc, "%s: %s", what, sqlite3_errmsg(st->db));
}

void store_ok(struct store *st)
{
    st->errmsg[0] = '\0';
}

const char *store_errmsg(const struct store *st)
{
    return st->errmsg;
}

/* ------------------------------------------------------------------ */
/* Statements and columns                                               */
/* ------------------------------------------------------------------ */

sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id,
                         const char *sql)
{
    sqlite3_stmt *s = st->stmts[id];
    if (s) {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
        return s;
    }
    int rc = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s,
                                NULL);
    if (rc != SQLITE_OK) {
        store_fail_sql(st, rc, "preparing statement");
        return NULL;
    }
    st->stmts[id] = s;
    return s;
}

int store_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
    return sqlite3_bind_text(s, idx, v ? v : "", -1, SQLITE_STATIC);
}

const char *store_col_text(sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    return t ? (const char *)t : "";
}

void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
    const char *t = store_col_text(s, col);
    size_t n = strlen(t);
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, t, n);
    dst[n] = '\0';
}

int store_lower_copy(const char *src, char *dst, size_t cap)
{
    size_t n = strlen(src);
    if (n >= cap) {
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        dst[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
    }
    dst[n] = '\0';
    return 0;
}

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

static int exec_sql(struct store *st, const char *sql)
{
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        return store_fail_sql(st, rc, sql);
    }
    return 0;
}

int store_tx_begin(struct store *st, struct store_tx *tx)
{
    tx->is_savepoint = !sqlite3_get_autocommit(st->db);
    /* IMMEDIATE takes the write lock up front: a deferred transaction that
     * upgrades later can fail with BUSY without the busy handler helping. */
    return exec_sql(st,
                    tx->is_savepoint ? "SAVEPOINT sw_tx" : "BEGIN IMMEDIATE");
}

int store_tx_end(struct store *st, struct store_tx *tx, int ok)
{
    if (tx->is_savepoint) {
        if (!ok) {
            sqlite3_exec(st->db, "ROLLBACK TO sw_tx", NULL, NULL, NULL);
        }
        return exec_sql(st, "RELEASE sw_tx");
    }
    if (!ok) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return 0;
    }
    int rc = exec_sql(st, "COMMIT");
    if (rc < 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    }
    return rc;
}

int store_data_version(struct store *st, int64_t *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_DATA_VERSION, "PRAGMA data_version");
    if (!s) {
        return -EIO;
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_sql(st, rc, "data version");
}

int store_begin(struct store *st)
{
    if (st->batch_depth > 0 || !sqlite3_get_autocommit(st->db)) {
        return store_fail(st, -EINVAL, "a batch is already open");
    }
    int rc = exec_sql(st, "BEGIN IMMEDIATE");
    if (rc == 0) {
        st->batch_depth = 1;
        store_ok(st);
    }
    return rc;
}

int store_commit(struct store *st)
{
    if (st->batch_depth == 0) {
        return store_fail(st, -EINVAL, "no batch is open");
    }
    st->batch_depth = 0;
    int rc = exec_sql(st, "COMMIT");
    if (rc < 0) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    store_ok(st);
    return 0;
}

int store_rollback(struct store *st)
{
    if (st->batch_depth == 0) {
        return store_fail(st, -EINVAL, "no batch is open");
    }
    st->batch_depth = 0;
    int rc = exec_sql(st, "ROLLBACK");
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

/* ------------------------------------------------------------------ */
/* Open / close                                                         */
/* ------------------------------------------------------------------ */

/* mkdir -p with mode 0700 for every directory we create. */
static int make_dirs(const char *dir, char *err, size_t err_cap)
{
    char path[4096];
    struct stat sb;
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(path)) {
        snprintf(err, err_cap, "invalid data directory '%s'", dir);
        return -EINVAL;
    }
    memcpy(path, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0') {
            continue;
        }
        char saved = path[i];
        path[i] = '\0';
        if (mkdir(path, 0700) == -1 && errno != EEXIST) {
            int e = errno;
            snprintf(err, err_cap, "cannot create data directory %s: %s", path,
                     strerror(e));
            return -e;
        }
        path[i] = saved;
    }
    if (stat(dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, err_cap, "data directory %s is not a directory", dir);
        return -ENOTDIR;
    }
    return 0;
}

static int set_pragmas(struct store *st, char *err, size_t err_cap)
{
    static const char *const pragmas[] = {
        "PRAGMA synchronous = NORMAL",
        "PRAGMA foreign_keys = ON",
        "PRAGMA secure_delete = ON",
        "PRAGMA trusted_schema = OFF",
    };
    sqlite3_stmt *s = NULL;
    int rc =
        sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_ROW
        || strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
        snprintf(err, err_cap, "cannot switch database to WAL mode: %s",
                 sqlite3_errmsg(st->db));
        sqlite3_finalize(s);
        return -EIO;
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        char *emsg = NULL;
        if (sqlite3_exec(st->db, pragmas[i], NULL, NULL, &emsg) != SQLITE_OK) {
            snprintf(err, err_cap, "%s failed: %s", pragmas[i],
                     emsg ? emsg : "?");
            sqlite3_free(emsg);
            return -EIO;
        }
    }
    return 0;
}

/* SQLite's memory statistics take a process-wide mutex on every allocation
 * it makes, and every worker's connection allocates per statement. We never
 * read them. Only possible before SQLite initialises; later it is a no-op. */
static void configure_sqlite(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int open_db(struct store *st, const char *data_dir, char *err,
                   size_t err_cap)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, configure_sqlite);
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/sipwarden.db", data_dir);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        snprintf(err, err_cap, "data directory path too long: %s", data_dir);
        return -ENAMETOOLONG;
    }
    /* Create the file ourselves so it is 0600 from the start; SQLite gives
     * the -wal and -shm files the database file's mode. Only when it does
     * not exist yet: closing a descriptor of a file drops every POSIX lock
     * this process holds on it, SQLite's included, and another process
     * would then take our live WAL for an abandoned one and delete it. */
    int fd =
        open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd != -1) {
        close(fd);
    } else if (errno != EEXIST) {
        int e = errno;
        snprintf(err, err_cap, "cannot open database %s: %s", path,
                 strerror(e));
        return -e;
    }
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                 | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                             NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_cap, "cannot open database %s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        return -EIO;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
    /* A file that is not a database shows up on the first read. */
    rc = sqlite3_exec(st->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL,
                      NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_cap, "cannot read database %s: %s", path,
                 sqlite3_errmsg(st->db));
        return -EIO;
    }
    return set_pragmas(st, err, err_cap);
}

int store_open(const char *data_dir, struct store **out, char *err,
               size_t err_cap)
{
    char msg[STORE_ERRMSG_CAP + 4096] = "";
    struct store *st = NULL;
    int rc;

    *out = NULL;
    if (!data_dir || !data_dir[0]) {
        snprintf(msg, sizeof(msg), "no data directory given");
        rc = -EINVAL;
        goto fail;
    }
    if (sodium_init() < 0) {
        snprintf(msg, sizeof(msg), "libsodium failed to initialise");
        rc = -EIO;
        goto fail;
    }
    st = calloc(1, sizeof(*st));
    if (!st) {
        snprintf(msg, sizeof(msg), "out of memory");
        rc = -ENOMEM;
        goto fail;
    }
    rc = make_dirs(data_dir, msg, sizeof(msg));
    if (rc < 0) {
        goto fail;
    }
    rc = store_key_load(st, data_dir, msg, sizeof(msg));
    if (rc < 0) {
        goto fail;
    }
    rc = open_db(st, data_dir, msg, sizeof(msg));
    if (rc < 0) {
        goto fail;
    }
    rc = store_migrate(st, msg, sizeof(msg));
    if (rc < 0) {
        goto fail;
    }
    *out = st;
    return 0;

fail:
    if (err && err_cap > 0) {
        snprintf(err, err_cap, "%s", msg);
    }
    store_close(st);
    return rc;
}

void store_close(struct store *st)
{
    if (!st) {
        return;
    }
    for (size_t i = 0; i < STMT_COUNT_; i++) {
        sqlite3_finalize(st->stmts[i]);
        st->stmts[i] = NULL;
    }
    if (st->db) {
        if (!sqlite3_get_autocommit(st->db)) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        }
        sqlite3_exec(st->db, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close(st->db);
        st->db = NULL;
    }
    sodium_memzero(st->key, sizeof(st->key));
    free(st);
}
