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

/*
 * Each version is one or more SQL texts run in order (no literal may pass
 * the 4095 bytes C17 guarantees), NULL-terminated.
 */
static const char *const v1[] = {
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
    NULL,
};

static const char *const v2[] = {
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
    NULL,
};

static const char *const v3[] = {
    /* v3: calls. Groups, the tenants' country profiles, number lists and
     * office hours, trunks (passwords sealed), inbound and outbound rules,
     * call limits, fraud thresholds, suspensions and CDRs. IF NOT EXISTS
     * lets a database whose version was wound back by hand (tests do) move
     * forward again. */
    "CREATE TABLE IF NOT EXISTS groups ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 64),"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, name)"
    ");"
    "CREATE TABLE IF NOT EXISTS group_members ("
    "  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (group_id, user_id)"
    ");"
    "CREATE INDEX IF NOT EXISTS group_members_user ON group_members(user_id);"
    "CREATE TABLE IF NOT EXISTS tenant_profiles ("
    "  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
    "  country_code TEXT NOT NULL,"
    "  national_prefix TEXT NOT NULL,"
    "  intl_prefix TEXT NOT NULL,"
    "  time_zone TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE IF NOT EXISTS allowed_countries ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  value TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, value)"
    ");"
    "CREATE TABLE IF NOT EXISTS disallowed_prefixes ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  value TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, value)"
    ");"
    "CREATE TABLE IF NOT EXISTS emergency_numbers ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  value TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, value)"
    ");"
    "CREATE TABLE IF NOT EXISTS holidays ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  value TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, value)"
    ");",
    "CREATE TABLE IF NOT EXISTS office_hours ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),"
    "  start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),"
    "  end_min INTEGER NOT NULL CHECK (end_min BETWEEN 1 AND 1440),"
    "  CHECK (start_min < end_min)"
    ");"
    "CREATE INDEX IF NOT EXISTS office_hours_tenant ON office_hours(tenant_id, "
    "weekday);"
    "CREATE TABLE IF NOT EXISTS trunks ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL COLLATE NOCASE UNIQUE"
    "    CHECK (length(name) BETWEEN 1 AND 64),"
    "  kind TEXT NOT NULL"
    "    CHECK (kind IN ('register', 'ip', 'accept_register')),"
    "  host TEXT NOT NULL DEFAULT '',"
    "  port INTEGER NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),"
    "  transport TEXT NOT NULL DEFAULT 'udp'"
    "    CHECK (transport IN ('udp', 'tcp', 'tls')),"
    "  username TEXT NOT NULL DEFAULT '',"
    "  password_enc BLOB,"
    "  realm TEXT NOT NULL DEFAULT '',"
    "  expires_s INTEGER NOT NULL DEFAULT 3600,"
    "  networks TEXT NOT NULL DEFAULT '',"
    "  max_calls INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE IF NOT EXISTS trunk_tenant_limits ("
    "  trunk_id INTEGER NOT NULL REFERENCES trunks(id) ON DELETE CASCADE,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  max_calls INTEGER NOT NULL CHECK (max_calls >= 1),"
    "  PRIMARY KEY (trunk_id, tenant_id)"
    ");"
    "CREATE TABLE IF NOT EXISTS inbound_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  trunk_id INTEGER REFERENCES trunks(id) ON DELETE CASCADE,"
    "  did TEXT NOT NULL,"
    "  ext TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE UNIQUE INDEX IF NOT EXISTS inbound_rules_key"
    "  ON inbound_rules(tenant_id, coalesce(trunk_id, 0), did);",
    "CREATE TABLE IF NOT EXISTS outbound_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL COLLATE NOCASE,"
    "  position INTEGER NOT NULL,"
    "  prefix TEXT NOT NULL DEFAULT '',"
    "  min_len INTEGER NOT NULL DEFAULT 0,"
    "  max_len INTEGER NOT NULL DEFAULT 0,"
    "  roles INTEGER NOT NULL DEFAULT 0,"
    "  office_hours_only INTEGER NOT NULL DEFAULT 0,"
    "  strip INTEGER NOT NULL DEFAULT 0,"
    "  prepend TEXT NOT NULL DEFAULT '',"
    "  created_at INTEGER NOT NULL,"
    "  UNIQUE (tenant_id, name)"
    ");"
    "CREATE INDEX IF NOT EXISTS outbound_rules_pos ON "
    "outbound_rules(tenant_id, position);"
    "CREATE TABLE IF NOT EXISTS outbound_rule_groups ("
    "  rule_id INTEGER NOT NULL REFERENCES outbound_rules(id)"
    "    ON DELETE CASCADE,"
    "  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (rule_id, group_id)"
    ");"
    "CREATE TABLE IF NOT EXISTS outbound_rule_trunks ("
    "  rule_id INTEGER NOT NULL REFERENCES outbound_rules(id)"
    "    ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  trunk_id INTEGER NOT NULL REFERENCES trunks(id),"
    "  PRIMARY KEY (rule_id, position),"
    "  UNIQUE (rule_id, trunk_id)"
    ");"
    "CREATE INDEX IF NOT EXISTS outbound_rule_trunks_trunk"
    "  ON outbound_rule_trunks(trunk_id);"
    "CREATE TABLE IF NOT EXISTS call_limits ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  scope TEXT NOT NULL CHECK (scope IN ('tenant', 'user', 'group')),"
    "  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
    "  group_id INTEGER REFERENCES groups(id) ON DELETE CASCADE,"
    "  calls INTEGER NOT NULL DEFAULT 0,"
    "  period_s INTEGER NOT NULL DEFAULT 0,"
    "  max_concurrent INTEGER NOT NULL DEFAULT 0,"
    "  start_min INTEGER,"
    "  end_min INTEGER"
    ");"
    "CREATE INDEX IF NOT EXISTS call_limits_tenant ON call_limits(tenant_id);",
    "CREATE TABLE IF NOT EXISTS fraud_rules ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
    "  metric TEXT NOT NULL"
    "    CHECK (metric IN ('international', 'destinations', 'after_hours')),"
    "  window_s INTEGER NOT NULL,"
    "  warning INTEGER NOT NULL,"
    "  critical INTEGER NOT NULL"
    ");"
    "CREATE UNIQUE INDEX IF NOT EXISTS fraud_rules_key"
    "  ON fraud_rules(tenant_id, coalesce(user_id, 0), metric);"
    "CREATE TABLE IF NOT EXISTS suspensions ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  since INTEGER NOT NULL,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  lifted_at INTEGER"
    ");"
    "CREATE INDEX IF NOT EXISTS suspensions_user ON suspensions(user_id);"
    "CREATE TABLE IF NOT EXISTS cdrs ("
    "  id INTEGER PRIMARY KEY,"
    "  tenant_id INTEGER,"
    "  caller TEXT NOT NULL DEFAULT '',"
    "  callee TEXT NOT NULL DEFAULT '',"
    "  dialed TEXT NOT NULL DEFAULT '',"
    "  class TEXT NOT NULL DEFAULT '',"
    "  country_code TEXT NOT NULL DEFAULT '',"
    "  rule TEXT NOT NULL DEFAULT '',"
    "  trunk TEXT NOT NULL DEFAULT '',"
    "  result TEXT NOT NULL"
    "    CHECK (result IN ('answered', 'refused', 'failed', 'cancelled')),"
    "  status INTEGER NOT NULL DEFAULT 0,"
    "  reason TEXT NOT NULL DEFAULT '',"
    "  start_ms INTEGER NOT NULL,"
    "  answer_ms INTEGER NOT NULL DEFAULT 0,"
    "  end_ms INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX IF NOT EXISTS cdrs_start ON cdrs(start_ms);"
    "CREATE INDEX IF NOT EXISTS cdrs_tenant_start ON cdrs(tenant_id, "
    "start_ms);",
    NULL,
};

static const char *const v4[] = {
    /* v4: the admin plane. Accounts with their password history, sealed
     * TOTP secrets and recovery codes; sessions kept by the SHA-256 of
     * their token; support links; the audit log (no foreign keys: entries
     * outlive what they name). IF NOT EXISTS as in v3. */
    "CREATE TABLE IF NOT EXISTS admins ("
    "  id INTEGER PRIMARY KEY,"
    "  username TEXT NOT NULL COLLATE NOCASE UNIQUE"
    "    CHECK (length(username) BETWEEN 1 AND 64),"
    "  role TEXT NOT NULL"
    "    CHECK (role IN ('system_admin', 'tenant_admin', 'user')),"
    "  tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,"
    "  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
    "  pw_hash TEXT NOT NULL CHECK (length(pw_hash) BETWEEN 1 AND 127),"
    "  must_change INTEGER NOT NULL DEFAULT 0,"
    "  pw_changed_at INTEGER NOT NULL,"
    "  last_login_at INTEGER NOT NULL DEFAULT 0,"
    "  last_login_ip TEXT NOT NULL DEFAULT '',"
    "  totp_secret_enc BLOB,"
    "  totp_pending_enc BLOB,"
    "  totp_enabled INTEGER NOT NULL DEFAULT 0,"
    "  totp_last_step INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  CHECK ((role = 'system_admin') = (tenant_id IS NULL)),"
    "  CHECK (role <> 'user' OR user_id IS NOT NULL),"
    "  CHECK (totp_enabled = 0 OR totp_secret_enc IS NOT NULL)"
    ");"
    "CREATE INDEX IF NOT EXISTS admins_tenant ON admins(tenant_id);"
    "CREATE TABLE IF NOT EXISTS admin_pw_history ("
    "  id INTEGER PRIMARY KEY,"
    "  admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,"
    "  pw_hash TEXT NOT NULL,"
    "  changed_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX IF NOT EXISTS admin_pw_history_admin"
    "  ON admin_pw_history(admin_id);"
    "CREATE TABLE IF NOT EXISTS admin_recovery_codes ("
    "  id INTEGER PRIMARY KEY,"
    "  admin_id INTEGER NOT NULL REFERENCES admins(id) ON DELETE CASCADE,"
    "  code_hash TEXT NOT NULL CHECK (length(code_hash) = 64),"
    "  created_at INTEGER NOT NULL,"
    "  used_at INTEGER,"
    "  UNIQUE (admin_id, code_hash)"
    ");"
    "CREATE TABLE IF NOT EXISTS admin_state ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  default_seeded_at INTEGER"
    ");",
    "CREATE TABLE IF NOT EXISTS support_links ("
    "  id INTEGER PRIMARY KEY,"
    "  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),"
    "  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
    "  role TEXT NOT NULL CHECK (role IN ('tenant_admin', 'user')),"
    "  user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,"
    "  created_by INTEGER REFERENCES admins(id) ON DELETE SET NULL,"
    "  note TEXT NOT NULL DEFAULT '' CHECK (length(note) <= 255),"
    "  created_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  revoked_at INTEGER,"
    "  uses INTEGER NOT NULL DEFAULT 0,"
    "  last_used_at INTEGER NOT NULL DEFAULT 0,"
    "  CHECK (expires_at > created_at AND expires_at - created_at <= 259200),"
    "  CHECK (role <> 'user' OR user_id IS NOT NULL)"
    ");"
    "CREATE TABLE IF NOT EXISTS admin_sessions ("
    "  id TEXT PRIMARY KEY CHECK (length(id) = 64),"
    "  admin_id INTEGER REFERENCES admins(id) ON DELETE CASCADE,"
    "  support_id INTEGER REFERENCES support_links(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('cookie', 'api_token')),"
    "  csrf_hash TEXT NOT NULL DEFAULT '',"
    "  label TEXT NOT NULL DEFAULT '' CHECK (length(label) <= 64),"
    "  created_at INTEGER NOT NULL,"
    "  last_seen_at INTEGER NOT NULL,"
    "  expires_at INTEGER NOT NULL,"
    "  revoked_at INTEGER,"
    "  client_ip TEXT NOT NULL DEFAULT '',"
    "  user_agent TEXT NOT NULL DEFAULT '' CHECK (length(user_agent) <= 128),"
    "  CHECK ((admin_id IS NULL) <> (support_id IS NULL))"
    ");"
    "CREATE INDEX IF NOT EXISTS admin_sessions_admin"
    "  ON admin_sessions(admin_id);"
    "CREATE INDEX IF NOT EXISTS admin_sessions_support"
    "  ON admin_sessions(support_id);"
    "CREATE INDEX IF NOT EXISTS admin_sessions_expires"
    "  ON admin_sessions(expires_at);"
    "CREATE TABLE IF NOT EXISTS audit_log ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  actor TEXT NOT NULL COLLATE NOCASE,"
    "  admin_id INTEGER,"
    "  tenant_id INTEGER,"
    "  client_ip TEXT NOT NULL DEFAULT '',"
    "  action TEXT NOT NULL,"
    "  target TEXT NOT NULL DEFAULT '',"
    "  result TEXT NOT NULL DEFAULT 'ok',"
    "  old_json TEXT,"
    "  new_json TEXT"
    ");"
    "CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log(at);"
    "CREATE INDEX IF NOT EXISTS audit_log_tenant ON audit_log(tenant_id, id);",
    NULL,
};

static const char *const v5[] = {
    /* v5: the security event log. Recorded events (AUTOINCREMENT: ids are
     * never reused after a purge, so a page stays a page) and the hourly
     * counts of every event by kind. IF NOT EXISTS as in v3. */
    "CREATE TABLE IF NOT EXISTS security_events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  at INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 31),"
    "  address TEXT NOT NULL DEFAULT '' CHECK (length(address) <= 63),"
    "  country TEXT NOT NULL DEFAULT '' CHECK (length(country) IN (0, 2)),"
    "  detail TEXT NOT NULL DEFAULT '' CHECK (length(detail) <= 511)"
    ");"
    "CREATE INDEX IF NOT EXISTS security_events_at ON security_events(at);"
    "CREATE INDEX IF NOT EXISTS security_events_kind"
    "  ON security_events(kind, id);"
    "CREATE INDEX IF NOT EXISTS security_events_address"
    "  ON security_events(address, id);"
    "CREATE TABLE IF NOT EXISTS security_event_hours ("
    "  hour INTEGER NOT NULL CHECK (hour % 3600 = 0),"
    "  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 31),"
    "  n INTEGER NOT NULL DEFAULT 0 CHECK (n >= 0),"
    "  PRIMARY KEY (hour, kind)"
    ") WITHOUT ROWID;",
    NULL,
};

static const char *const v6[] = {
    /* v6: a tenant's media policy (enum store_media_policy: 0 encrypted
     * media optional, 1 required over TLS and WSS, 2 always); no row
     * means 0. IF NOT EXISTS as in v3. */
    "CREATE TABLE IF NOT EXISTS tenant_media ("
    "  tenant_id INTEGER PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
    "  policy INTEGER NOT NULL DEFAULT 0 CHECK (policy BETWEEN 0 AND 2)"
    ");",
    NULL,
};

/* Phone provisioning (ops/prov.c, api/prov.c): one directory per user,
 * named by a token of which only the SHA-256 is kept, and the SIP password
 * generated for it, sealed. A password changed any other way ends the
 * provisioning of that user (the trigger), so a file never carries a
 * stale password. IF NOT EXISTS as in v3 (tests re-run migrations). */
static const char *const v_provisioning[] = {
    "CREATE TABLE IF NOT EXISTS provisioning ("
    "  user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,"
    "  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),"
    "  vendor TEXT NOT NULL"
    "    CHECK (vendor IN ('generic', 'yealink', 'polycom')),"
    "  sip_pw_enc BLOB NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  last_fetch_ms INTEGER NOT NULL DEFAULT 0,"
    "  last_fetch_ip TEXT NOT NULL DEFAULT ''"
    "    CHECK (length(last_fetch_ip) <= 45),"
    "  fetch_count INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE TRIGGER IF NOT EXISTS provisioning_pw_changed"
    "  AFTER UPDATE OF sip_ha1_md5_enc ON users"
    "  BEGIN DELETE FROM provisioning WHERE user_id = NEW.id; END;",
    NULL,
};

/* Trunk client certificates (mTLS): the SHA-256 fingerprint (64
 * lowercase hex digits) of the certificate a trunk presents on TLS, one
 * trunk per certificate; no row for none. A trunk with one is recognised
 * by it, never by address. IF NOT EXISTS as in v3. */
static const char *const v_trunk_tls[] = {
    "CREATE TABLE IF NOT EXISTS trunk_tls ("
    "  trunk_id INTEGER PRIMARY KEY REFERENCES trunks(id) ON DELETE CASCADE,"
    "  cert_fp TEXT NOT NULL UNIQUE CHECK (length(cert_fp) = 64)"
    ");",
    NULL,
};

/* Alerts (store/admin_addr.c): each (administrator account, address) a
 * sign-in came from, so a sign-in from a new address can be told; bounded
 * by the caller, the pairs seen longest ago go first. IF NOT EXISTS as in
 * v3 (the migration tests replay later migrations over existing tables). */
static const char *const v_alert_addrs[] = {
    "CREATE TABLE IF NOT EXISTS admin_addresses ("
    "  account TEXT NOT NULL CHECK (length(account) BETWEEN 1 AND 95),"
    "  address TEXT NOT NULL CHECK (length(address) <= 63),"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (account, address)"
    ");"
    "CREATE INDEX IF NOT EXISTS admin_addresses_last"
    "  ON admin_addresses(last_seen);",
    NULL,
};

static const char *const *const migrations[] = {
    v1, v2, v3, v4, v5, v6, v_provisioning, v_trunk_tls, v_alert_addrs
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
    for (const char *const *part = migrations[idx]; *part; part++) {
        rc = sqlite3_exec(st->db, *part, NULL, NULL, &emsg);
        if (rc != SQLITE_OK) {
            goto fail_tx;
        }
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
