/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the store's files: the handle, the prepared
 * statement cache, error reporting, transactions and the at-rest crypto.
 * Never included outside src/store/.
 */
#ifndef SW_STORE_STORE_INT_H
#define SW_STORE_STORE_INT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define STORE_KEY_LEN 32

/* Cached statements, prepared on first use, finalized by store_close. */
enum store_stmt_id {
    STMT_TENANT_ADD,
    STMT_TENANT_FIND,
    STMT_TENANT_LIST,
    STMT_TENANT_DOMAIN_BY_ID,
    STMT_USER_ADD,
    STMT_USER_FIND,
    STMT_USER_BY_ID,
    STMT_USER_LIST,
    STMT_USER_RM,
    STMT_USER_SET_INFO,
    STMT_USER_SET_PW,
    STMT_USER_CREDS,
    STMT_PWH_ADD,
    STMT_PWH_TRIM,
    STMT_PWH_LAST,
    STMT_BIND_UPSERT,
    STMT_BIND_DELETE,
    STMT_BIND_DELETE_USER,
    STMT_BIND_LIST_ALL,
    STMT_BIND_LIST_DOMAIN,
    STMT_BIND_PURGE,
    STMT_SET_PUT,
    STMT_SET_GET,
    STMT_SET_DEL,
    STMT_SET_LIST,
    STMT_IP_ADD,
    STMT_IP_FIND,
    STMT_IP_RM,
    STMT_IP_LIST,
    STMT_IP_LIST_ACTION,
    STMT_UA_ADD,
    STMT_UA_ADD_IGNORE,
    STMT_UA_RM,
    STMT_UA_LIST,
    STMT_GEO_ADD,
    STMT_GEO_RM,
    STMT_GEO_LIST,
    STMT_RATE_ADD,
    STMT_RATE_RM,
    STMT_RATE_LIST,
    STMT_BAN_PUT,
    STMT_BAN_GET,
    STMT_BAN_DEL,
    STMT_BAN_LIST,
    STMT_BAN_PURGE,
    STMT_CALL_GROUP_TENANT,
    STMT_CALL_TENANT_EXISTS,
    STMT_CALL_TRUNK_EXISTS,
    STMT_CALL_USER_TENANT,
    STMT_CDR_ADD,
    STMT_CDR_COUNT,
    STMT_CDR_LIST,
    STMT_CDR_PURGE,
    STMT_FRAUD_ID,
    STMT_FRAUD_LIST,
    STMT_FRAUD_RM,
    STMT_FRAUD_SET,
    STMT_GROUP_ADD,
    STMT_GROUP_FIND,
    STMT_GROUP_LIST,
    STMT_GROUP_MEMBER_ADD,
    STMT_GROUP_MEMBER_LIST,
    STMT_GROUP_MEMBER_RM,
    STMT_GROUP_RM,
    STMT_HOURS_ADD,
    STMT_HOURS_DEL,
    STMT_HOURS_LIST,
    STMT_INBOUND_ADD,
    STMT_INBOUND_LIST,
    STMT_INBOUND_RM,
    STMT_LIMIT_ADD,
    STMT_LIMIT_DEL_SAME,
    STMT_LIMIT_LIST,
    STMT_LIMIT_RM,
    STMT_OUT_ADD,
    STMT_OUT_COUNT,
    STMT_OUT_FIND,
    STMT_OUT_GROUPS,
    STMT_OUT_GROUP_ADD,
    STMT_OUT_LIST,
    STMT_OUT_POS,
    STMT_OUT_RM,
    STMT_OUT_SETPOS,
    STMT_OUT_SHIFT,
    STMT_OUT_TRUNKS,
    STMT_OUT_TRUNK_ADD,
    STMT_PROFILE_GET,
    STMT_PROFILE_SET,
    STMT_SUSP_ACTIVE,
    STMT_SUSP_ADD,
    STMT_SUSP_LIFT,
    STMT_SUSP_LIST,
    STMT_TRUNK_ADD,
    STMT_TRUNK_FIND,
    STMT_TRUNK_LIMIT_DEL,
    STMT_TRUNK_LIMIT_LIST,
    STMT_TRUNK_LIMIT_PUT,
    STMT_TRUNK_LIST,
    STMT_TRUNK_PW,
    STMT_TRUNK_RM,
    STMT_TRUNK_SET,
    STMT_TRUNK_USED,
    STMT_DATA_VERSION,
    STMT_LIST_FIRST, /* 3 per enum store_list_kind: add, rm, list */
    STMT_LIST_LAST_ = STMT_LIST_FIRST + 3 * STORE_LIST_KINDS - 1,
    STMT_COUNT_
};

struct store {
    sqlite3 *db;
    unsigned char key[STORE_KEY_LEN];
    sqlite3_stmt *stmts[STMT_COUNT_];
    int batch_depth; /* 1 inside store_begin .. store_commit */
    char errmsg[STORE_ERRMSG_CAP];
};

/*
 * The cached statement 'id', prepared from 'sql' on first use (the same id
 * must always come with the same SQL), reset and with bindings cleared.
 * NULL on failure with the message set.
 */
sqlite3_stmt *store_stmt(struct store *st, enum store_stmt_id id,
                         const char *sql);

/* Set the message; returns 'rc' so callers can "return store_fail(...)". */
int store_fail(struct store *st, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Map a SQLite result to -errno, setting a message that names 'what'. */
int store_fail_sql(struct store *st, int sqlrc, const char *what);
void store_ok(struct store *st);

/* Bind a C string (NULL -> empty) as text without copying. */
int store_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Copy column text into dst (truncating at cap-1, always terminated). */
void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t cap);
/* Column text or "" (never NULL). */
const char *store_col_text(sqlite3_stmt *s, int col);

/*
 * Write scopes: when no batch or transaction is open, open an immediate
 * transaction; inside one, a savepoint. store_tx_end commits (ok) or rolls
 * back. Returns 0 or -errno.
 */
struct store_tx {
    int is_savepoint;
};
int store_tx_begin(struct store *st, struct store_tx *tx);
int store_tx_end(struct store *st, struct store_tx *tx, int ok);

/* ---- crypto.c ---- */

/* Bytes of a sealed blob for 'plain_len' bytes of plaintext. */
size_t store_seal_len(size_t plain_len);
/* Encrypt with a random nonce: dst = nonce || secretbox(plain). */
int store_seal(const struct store *st, const void *plain, size_t plain_len,
               unsigned char *dst, size_t dst_cap, size_t *dst_len);
/* Decrypt a sealed blob into dst; -EBADMSG on failure. */
int store_unseal(const struct store *st, const void *blob, size_t blob_len,
                 unsigned char *dst, size_t dst_cap, size_t *plain_len);

/* HA1 hex strings of "user:realm:pw" (realm = lowercase tenant domain). */
int store_ha1_md5(const char *user, const char *realm, const char *pw,
                  char out[STORE_HA1_MD5_LEN + 1]);
int store_ha1_sha256(const char *user, const char *realm, const char *pw,
                     char out[STORE_HA1_SHA256_LEN + 1]);

/* Load or create <dir>/secret.key into st->key. */
int store_key_load(struct store *st, const char *data_dir, char *err,
                   size_t err_cap);

/* ---- schema.c ---- */

/* Migrate to the current version; refuses newer databases (-EPROTO). */
int store_migrate(struct store *st, char *err, size_t err_cap);

/* Copy of lowercase 'src' into dst; -EINVAL when it does not fit. */
int store_lower_copy(const char *src, char *dst, size_t cap);

/* ---- statement helpers (sql.c) ------------------------------------------ */

/* 1..max bytes (0..max when 'may_be_empty'), no C0 controls or DEL;
 * 'no_blank' also refuses spaces. NULL is empty. */
bool store_text_ok(const char *s, size_t max, bool may_be_empty, bool no_blank);

/* A text field terminated within its array of 'cap' bytes. */
bool store_field_ok(const char *f, size_t cap);

/* Column 'col' as uint32_t, clamped to 0..UINT32_MAX. */
uint32_t store_col_u32(sqlite3_stmt *s, int col);

/* Bind an id, or NULL for 0. */
void store_bind_id(sqlite3_stmt *s, int idx, int64_t id);

/* A statement prepared for one use (the caller finalizes it), for the
 * rare ones not worth a cached slot; NULL (error recorded) on failure. */
sqlite3_stmt *store_prep(struct store *st, const char *sql);

/* Run one-use 'sql' without rows, ?1 bound to 'v'; *changes if not NULL.
 * Returns 0, or the error naming 'what'. */
int store_exec_int(struct store *st, const char *sql, int64_t v,
                   const char *what, int *changes);

/*
 * Retention of an append-only log table with columns id and at (unix s):
 * delete the rows older than 'before' (0: none) and all but the newest
 * 'max_rows' (0: no cap). 'table' is a constant of ours, never input.
 * Adds the rows removed to *removed. Returns 0 or the error.
 */
int store_log_trim(struct store *st, const char *table, int64_t before,
                   uint32_t max_rows, int *removed);

/* Step a statement that returns no rows; *changes if not NULL. Returns 0
 * or the store_fail_sql() error naming 'what'. */
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what,
                    int *changes);

/* Step an INSERT; *id (if not NULL) gets the new row id. */
int store_step_insert(struct store *st, sqlite3_stmt *s, const char *what,
                      int64_t *id);

typedef int store_row_fn(void *ud, sqlite3_stmt *s);

/* Step a query, calling 'fn' for each row; stops at (and returns) its
 * non-zero return. */
int store_walk(struct store *st, sqlite3_stmt *s, store_row_fn *fn, void *ud,
               const char *what);

/* Does the row 'id' that 'sql' (cached as 'sid') selects exist? 0, or
 * -ENOENT naming 'what', or -EIO. */
int store_row_exists(struct store *st, enum store_stmt_id sid, const char *sql,
                     int64_t id, const char *what);

/* The referenced rows: a tenant exists; the tenant of a user, of a group.
 * 0, -ENOENT (message naming the id) or -EIO. */
int store_tenant_check(struct store *st, int64_t tenant_id);
int store_user_tenant(struct store *st, int64_t user_id, int64_t *tenant_id);
int store_group_tenant(struct store *st, int64_t group_id, int64_t *tenant_id);

#endif
