/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema and versioned migrations. PRAGMA user_version counts the entries
 * of 'migrations' applied; each entry runs in its own immediate transaction
 * together with the version bump, so a crash leaves a consistent version.
 * Entries are never edited once released: later changes append entries.
 */
#include <errno.h>
#include <stdio.h>

#include "base/check.h"
#include "store/store_int.h"

static const char *const migrations[] = {
    /* v1: tenants, users, SIP password history, bindings. */
    "CREATE TABLE tenants ("
    "  id INTEGER PRIMARY KEY,"
    "  domain TEXT NOT NULL COLLATE NOCASE UNIQUE"
    "    CHECK (length(domain) BETWEEN 1 AND 253),"
    "  name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 128),"
    "  created_at INTEGER NOT NULL,"
    "  pw_min_len INTEGER NOT NULL DEFAULT 8"
    "    CHECK (pw_min_len BETWEEN 8 AND 20),"
    "  pw_classes INTEGER NOT NULL DEFAULT 3"
    "    CHECK (pw_classes BETWEEN 1 AND 4),"
    "  pw_expiry_days INTEGER NOT NULL DEFAULT 90"
    "    CHECK (pw_expiry_days BETWEEN 30 AND 365),"
    "  pw_history INTEGER NOT NULL DEFAULT 3"
    "    CHECK (pw_history BETWEEN 0 AND 24),"
    "  max_contacts INTEGER NOT NULL DEFAULT 5"
    "    CHECK (max_contacts BETWEEN 1 AND 100),"
    "  reg_expires_min_s INTEGER NOT NULL DEFAULT 60,"
    "  reg_expires_default_s INTEGER NOT NULL DEFAULT 3600,"
    "  reg_expires_max_s INTEGER NOT NULL DEFAULT 7200,"
    "  CHECK (reg_expires_min_s >= 1"
    "    AND reg_expires_min_s <= reg_expires_default_s"
    "    AND reg_expires_default_s <= reg_expires_max_s"
    "    AND reg_expires_max_s <= 86400)"
    ");"
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  ext TEXT NOT NULL CHECK (length(ext) BETWEEN 1 AND 32),"
    "  name TEXT NOT NULL DEFAULT '' CHECK (length(name) <= 128),"
    "  role TEXT NOT NULL DEFAULT 'standard'"
    "    CHECK (role IN ('admin', 'international', 'standard')),"
    "  email TEXT NOT NULL DEFAULT '' CHECK (length(email) <= 254),"
    "  sip_ha1_md5_enc BLOB NOT NULL,"
    "  sip_ha1_sha256_enc BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  sip_pw_changed_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, ext)"
    ");"
    "CREATE TABLE user_sip_pw_history ("
    "  id INTEGER PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  ha1_sha256_enc BLOB NOT NULL,"
    "  changed_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX user_sip_pw_history_user ON user_sip_pw_history(user_id);"
    "CREATE TABLE bindings ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  aor TEXT NOT NULL,"
    "  contact_uri TEXT NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  call_id TEXT NOT NULL DEFAULT '',"
    "  cseq INTEGER NOT NULL DEFAULT 0,"
    "  source TEXT NOT NULL DEFAULT '',"
    "  user_agent TEXT NOT NULL DEFAULT '',"
    "  path TEXT NOT NULL DEFAULT '',"
    "  received TEXT NOT NULL DEFAULT '',"
    "  instance TEXT NOT NULL DEFAULT '',"
    "  reg_id INTEGER NOT NULL DEFAULT 0,"
    "  q_milli INTEGER NOT NULL DEFAULT 1000,"
    "  updated_at INTEGER NOT NULL,"
    "  UNIQUE (user_id, contact_uri)"
    ");"
    "CREATE INDEX bindings_expires ON bindings(expires_at);"
    "CREATE INDEX bindings_tenant ON bindings(tenant_id);",

    /* v2: the shield's settings, IP / User-Agent / country / rate rules
     * and its active bans. */
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL,"
    "  updated_at INTEGER"
    ");"
    "CREATE TABLE ip_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  net TEXT UNIQUE NOT NULL,"
    "  action TEXT NOT NULL CHECK (action IN ('allow', 'block')),"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER"
    ");"
    "CREATE TABLE ua_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  pattern TEXT UNIQUE NOT NULL COLLATE NOCASE,"
    "  created_at INTEGER"
    ");"
    "CREATE TABLE geo_rules ("
    "  country TEXT PRIMARY KEY,"
    "  created_at INTEGER"
    ");"
    "CREATE TABLE rate_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  net TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  rate INTEGER,"
    "  period_s INTEGER,"
    "  burst INTEGER,"
    "  UNIQUE (net, method)"
    ");"
    "CREATE TABLE bans ("
    "  net TEXT PRIMARY KEY,"
    "  reason TEXT,"
    "  source TEXT CHECK (source IN ('shield', 'operator')),"
    "  threshold INTEGER,"
    "  count INTEGER,"
    "  window_s INTEGER,"
    "  first_seen INTEGER,"
    "  last_seen INTEGER,"
    "  created_at INTEGER,"
    "  expires_at INTEGER,"
    "  method TEXT,"
    "  ruri TEXT,"
    "  from_user TEXT,"
    "  user_agent TEXT"
    ");"
    "CREATE INDEX bans_expires ON bans(expires_at);",
};

int store_schema_version(void)
{
    return (int)SW_ARRAY_LEN(migrations);
}

static int read_version(struct store *st, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return rc == SQLITE_OK ? SQLITE_ERROR : rc;
    }
    *out = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return SQLITE_OK;
}

static int apply_one(struct store *st, int idx, char *err, size_t err_cap)
{
    char *emsg = NULL;
    char bump[64];
    int cur = 0;
    int rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, &emsg);
    if (rc != SQLITE_OK) {
        goto fail;
    }
    /* Another process may have migrated while we waited for the lock. */
    rc = read_version(st, &cur);
    if (rc != SQLITE_OK) {
        goto fail_tx;
    }
    if (cur > idx) {
        return sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK
                   ? 0
                   : -EIO;
    }
    rc = sqlite3_exec(st->db, migrations[idx], NULL, NULL, &emsg);
    if (rc != SQLITE_OK) {
        goto fail_tx;
    }
    snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", idx + 1);
    rc = sqlite3_exec(st->db, bump, NULL, NULL, &emsg);
    if (rc != SQLITE_OK) {
        goto fail_tx;
    }
    rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, &emsg);
    if (rc != SQLITE_OK) {
        goto fail_tx;
    }
    return 0;

fail_tx:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
fail:
    if (err) {
        snprintf(err, err_cap, "database migration to schema v%d failed: %s",
                 idx + 1, emsg ? emsg : sqlite3_errmsg(st->db));
    }
    sqlite3_free(emsg);
    return rc == SQLITE_BUSY ? -EBUSY : -EIO;
}

int store_migrate(struct store *st, char *err, size_t err_cap)
{
    int have = 0;
    int want = store_schema_version();
    int rc = read_version(st, &have);
    if (rc != SQLITE_OK) {
        if (err) {
            snprintf(err, err_cap, "cannot read database schema version: %s",
                     sqlite3_errmsg(st->db));
        }
        return -EIO;
    }
    if (have > want) {
        if (err) {
            snprintf(err, err_cap,
                     "database schema version %d is newer than this "
                     "sipwarden supports (%d); upgrade sipwarden or restore "
                     "a matching backup",
                     have, want);
        }
        return -EPROTO;
    }
    for (int i = have; i < want; i++) {
        int r = apply_one(st, i, err, err_cap);
        if (r < 0) {
            return r;
        }
    }
    return 0;
}
