/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known administrator addresses (table admin_addresses): an upsert per
 * sign-in and a trim to the newest rows, in one write scope.
 */
#include "store/admin_addr.h"

#include <errno.h>
#include <string.h>

#include "store/store_int.h"

#define ACCOUNT_MAX 95
#define ADDRESS_MAX 63

/* Step a one-row query returning one integer into *out (0 when no row). */
static int one_int(struct store *st, sqlite3_stmt *s, int64_t *out,
                   const char *what)
{
    int rc = sqlite3_step(s);
    *out = 0;
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, what);
    }
    return 0;
}

static int seen(struct store *st, const char *account, const char *address,
                int64_t at, uint32_t max_rows, bool *was_known, bool *had_any)
{
    int64_t n = 0;
    sqlite3_stmt *s =
        store_prep(st, "SELECT count(*), coalesce(sum(address = ?2), 0) "
                       "FROM admin_addresses WHERE account = ?1");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, account);
    store_bind_text(s, 2, address);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *had_any = sqlite3_column_int64(s, 0) > 0;
        *was_known = sqlite3_column_int64(s, 1) > 0;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "reading known admin addresses");
    }
    s = store_prep(st, "INSERT INTO admin_addresses (account, address, "
                       "first_seen, last_seen) VALUES (?1, ?2, ?3, ?3) "
                       "ON CONFLICT (account, address) DO UPDATE SET "
                       "last_seen = excluded.last_seen");
    if (!s) {
        return -EIO;
    }
    store_bind_text(s, 1, account);
    store_bind_text(s, 2, address);
    sqlite3_bind_int64(s, 3, at);
    rc = store_step_done(st, s, "saving admin address", NULL);
    sqlite3_finalize(s);
    if (rc != 0) {
        return rc;
    }
    s = store_prep(st, "SELECT count(*) FROM admin_addresses");
    if (!s) {
        return -EIO;
    }
    rc = one_int(st, s, &n, "counting admin addresses");
    sqlite3_finalize(s);
    if (rc != 0 || n <= (int64_t)max_rows) {
        return rc;
    }
    s = store_prep(st, "DELETE FROM admin_addresses WHERE rowid IN (SELECT "
                       "rowid FROM admin_addresses ORDER BY last_seen, "
                       "first_seen LIMIT ?1)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, n - (int64_t)max_rows);
    rc = store_step_done(st, s, "trimming admin addresses", NULL);
    sqlite3_finalize(s);
    return rc;
}

int store_admin_addr_seen(struct store *st, const char *account,
                          const char *address, int64_t at, uint32_t max_rows,
                          bool *was_known, bool *had_any)
{
    *was_known = false;
    *had_any = false;
    if (!store_text_ok(account, ACCOUNT_MAX, false, false)
        || !store_text_ok(address, ADDRESS_MAX, true, true)) {
        return store_fail(st, -EINVAL,
                          "admin address: bad account or "
                          "address text");
    }
    if (max_rows == 0) {
        max_rows = STORE_ADMIN_ADDR_ROWS_DEFAULT;
    }
    struct store_tx tx;
    int rc = store_tx_begin(st, &tx);
    if (rc != 0) {
        return rc;
    }
    rc = seen(st, account, address ? address : "", at, max_rows, was_known,
              had_any);
    int end = store_tx_end(st, &tx, rc == 0);
    return rc != 0 ? rc : end;
}

int store_admin_addr_count(struct store *st, uint64_t *n)
{
    int64_t v = 0;
    sqlite3_stmt *s = store_prep(st, "SELECT count(*) FROM admin_addresses");
    if (!s) {
        return -EIO;
    }
    int rc = one_int(st, s, &v, "counting admin addresses");
    sqlite3_finalize(s);
    *n = (uint64_t)v;
    return rc;
}
