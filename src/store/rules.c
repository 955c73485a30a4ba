/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inbound rules (DID -> extension) and the ordered outbound rules with
 * their groups and trunks. What a rule means at call time is route/'s.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/calls_int.h"
#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Inbound rules                                                        */
/* ------------------------------------------------------------------ */

/*
 * A DID belongs to one tenant: another tenant's rule for the same DID
 * from the same trunk, or from any trunk on either side, would make the
 * callee of an incoming call a matter of rule order. -EEXIST when so.
 */
static int claimed_elsewhere(struct store *st,
                             const struct store_inbound_rule *r)
{
    sqlite3_stmt *s = store_prep(
        st, "SELECT 1 FROM inbound_rules WHERE did = ?1 AND tenant_id != ?2 "
            "AND (trunk_id IS NULL OR ?3 = 0 OR trunk_id = ?3) LIMIT 1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_text(s, 1, r->did, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, r->tenant_id);
    sqlite3_bind_int64(s, 3, r->trunk_id > 0 ? r->trunk_id : 0);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW) {
        return store_fail(st, -EEXIST,
                          "DID %s is already routed to another tenant", r->did);
    }
    if (rc != SQLITE_DONE) {
        return store_fail_sql(st, rc, "checking inbound rules");
    }
    return 0;
}

int store_inbound_add(struct store *st, const struct store_inbound_rule *r,
                      int64_t now, int64_t *id)
{
    const char *why = NULL;
    if (!store_field_ok(r->did, sizeof(r->did))
        || !calls_chars_ok(r->did, 1, STORE_PATTERN_MAX, DID_SET)) {
        return store_fail(st, -EINVAL,
                          "DID must be 1..%d of digits, letters and + * # . "
                          "! _ [ ] -",
                          STORE_PATTERN_MAX);
    }
    if (!store_field_ok(r->ext, sizeof(r->ext))
        || store_ext_check(r->ext, &why) < 0) {
        return store_fail(st, -EINVAL, "%s", why ? why : "bad extension");
    }
    int rc = store_tenant_check(st, r->tenant_id);
    if (rc == 0 && r->trunk_id > 0) {
        rc = store_row_exists(st, STMT_CALL_TRUNK_EXISTS,
                              "SELECT 1 FROM trunks WHERE id = ?1", r->trunk_id,
                              "trunk");
    }
    if (rc < 0) {
        return rc;
    }
    rc = claimed_elsewhere(st, r);
    if (rc != 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_INBOUND_ADD,
                                 "INSERT INTO inbound_rules (tenant_id, "
                                 "trunk_id, did, ext, created_at) VALUES "
                                 "(?1, ?2, ?3, ?4, ?5)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r->tenant_id);
    store_bind_id(s, 2, r->trunk_id);
    store_bind_text(s, 3, r->did);
    store_bind_text(s, 4, r->ext);
    sqlite3_bind_int64(s, 5, now);
    rc = store_step_insert(st, s, "adding inbound rule", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST,
                          "an inbound rule for %s from that trunk already "
                          "exists",
                          r->did);
    }
    return rc;
}

int store_inbound_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_INBOUND_RM,
                                 "DELETE FROM inbound_rules WHERE tenant_id = "
                                 "?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = store_step_done(st, s, "removing inbound rule", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no inbound rule %lld in that tenant",
                          (long long)id);
    }
    return rc;
}

struct inbound_walk {
    store_inbound_fn *cb;
    void *ud;
};

static int inbound_row(void *ud, sqlite3_stmt *s)
{
    struct inbound_walk *w = ud;
    struct store_inbound_rule r;
    r.id = sqlite3_column_int64(s, 0);
    r.tenant_id = sqlite3_column_int64(s, 1);
    r.trunk_id = sqlite3_column_int64(s, 2);
    store_col_copy(s, 3, r.trunk, sizeof(r.trunk));
    store_col_copy(s, 4, r.did, sizeof(r.did));
    store_col_copy(s, 5, r.ext, sizeof(r.ext));
    r.created_at = sqlite3_column_int64(s, 6);
    return w->cb(w->ud, &r);
}

int store_inbound_list(struct store *st, int64_t tenant_id,
                       store_inbound_fn *cb, void *ud)
{
    struct inbound_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(
        st, STMT_INBOUND_LIST,
        "SELECT r.id, r.tenant_id, coalesce(r.trunk_id, 0), "
        "coalesce(t.name, ''), r.did, r.ext, r.created_at FROM inbound_rules "
        "r LEFT JOIN trunks t ON t.id = r.trunk_id WHERE ?1 = 0 OR "
        "r.tenant_id = ?1 ORDER BY r.tenant_id, r.id");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id > 0 ? tenant_id : 0);
    return store_walk(st, s, inbound_row, &w, "listing inbound rules");
}

/* ------------------------------------------------------------------ */
/* Outbound rules                                                       */
/* ------------------------------------------------------------------ */

#define OUT_COLS                                                       \
    "id, tenant_id, name, position, prefix, min_len, max_len, roles, " \
    "office_hours_only, strip, prepend, created_at"

static void row_to_out(sqlite3_stmt *s, struct store_outbound_rule *r)
{
    memset(r, 0, sizeof(*r));
    r->id = sqlite3_column_int64(s, 0);
    r->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, r->name, sizeof(r->name));
    r->position = store_col_u32(s, 3);
    store_col_copy(s, 4, r->prefix, sizeof(r->prefix));
    r->min_len = store_col_u32(s, 5);
    r->max_len = store_col_u32(s, 6);
    r->roles = store_col_u32(s, 7);
    r->office_hours_only = sqlite3_column_int(s, 8) != 0;
    r->strip = store_col_u32(s, 9);
    store_col_copy(s, 10, r->prepend, sizeof(r->prepend));
    r->created_at = sqlite3_column_int64(s, 11);
}

/* Fill the groups and trunks of a rule read by row_to_out. */
static int out_fill(struct store *st, struct store_outbound_rule *r)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_GROUPS,
                                 "SELECT g.id, g.name FROM "
                                 "outbound_rule_groups x JOIN groups g ON "
                                 "g.id = x.group_id WHERE x.rule_id = ?1 "
                                 "ORDER BY g.name");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r->id);
    int rc;
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW || r->n_groups >= STORE_RULE_GROUPS_MAX) {
            break;
        }
        r->group_ids[r->n_groups] = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->groups[r->n_groups], sizeof(r->groups[0]));
        r->n_groups++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "reading rule groups");
    }
    s = store_stmt(st, STMT_OUT_TRUNKS,
                   "SELECT t.id, t.name FROM outbound_rule_trunks x JOIN "
                   "trunks t ON t.id = x.trunk_id WHERE x.rule_id = ?1 ORDER "
                   "BY x.position");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, r->id);
    for (;;) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_ROW || r->n_trunks >= STORE_RULE_TRUNKS_MAX) {
            break;
        }
        r->trunk_ids[r->n_trunks] = sqlite3_column_int64(s, 0);
        store_col_copy(s, 1, r->trunks[r->n_trunks], sizeof(r->trunks[0]));
        r->n_trunks++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "reading rule trunks");
    }
    return 0;
}

static int out_check(struct store *st, const struct store_outbound_rule *r)
{
    if (!store_field_ok(r->name, sizeof(r->name))
        || !calls_name_ok(r->name, STORE_RULE_NAME_MAX)) {
        return store_fail(st, -EINVAL,
                          "rule name must be 1..%d of letters, digits, '.', "
                          "'_' and '-', starting with a letter or digit",
                          STORE_RULE_NAME_MAX);
    }
    if (!store_field_ok(r->prefix, sizeof(r->prefix))
        || !calls_chars_ok(r->prefix, 0, STORE_NUMBER_MAX, DIAL_SET)) {
        return store_fail(st, -EINVAL,
                          "prefix must be at most %d of digits, '+', '*' "
                          "and '#'",
                          STORE_NUMBER_MAX);
    }
    if (!store_field_ok(r->prepend, sizeof(r->prepend))
        || !calls_chars_ok(r->prepend, 0, STORE_NUMBER_MAX, DIAL_SET)) {
        return store_fail(st, -EINVAL,
                          "prepend must be at most %d of digits, '+', '*' "
                          "and '#'",
                          STORE_NUMBER_MAX);
    }
    if (r->min_len > STORE_NUMBER_MAX || r->max_len > STORE_NUMBER_MAX
        || (r->max_len > 0 && r->min_len > r->max_len)) {
        return store_fail(st, -EINVAL,
                          "length range must be within 0..%d with min <= max",
                          STORE_NUMBER_MAX);
    }
    if (r->strip > STORE_NUMBER_MAX) {
        return store_fail(st, -EINVAL, "strip must be 0..%d", STORE_NUMBER_MAX);
    }
    if (r->roles >= (1u << (STORE_ROLE_ADMIN + 1))) {
        return store_fail(st, -EINVAL, "unknown role in the rule's roles");
    }
    if (r->n_groups > STORE_RULE_GROUPS_MAX) {
        return store_fail(st, -EINVAL, "at most %d groups per rule",
                          STORE_RULE_GROUPS_MAX);
    }
    if (r->n_trunks < 1 || r->n_trunks > STORE_RULE_TRUNKS_MAX) {
        return store_fail(st, -EINVAL, "a rule needs 1..%d trunks",
                          STORE_RULE_TRUNKS_MAX);
    }
    for (uint32_t i = 0; i < r->n_trunks; i++) {
        for (uint32_t k = 0; k < i; k++) {
            if (r->trunk_ids[k] == r->trunk_ids[i]) {
                return store_fail(st, -EINVAL,
                                  "a trunk appears twice in the rule");
            }
        }
    }
    for (uint32_t i = 0; i < r->n_groups; i++) {
        for (uint32_t k = 0; k < i; k++) {
            if (r->group_ids[k] == r->group_ids[i]) {
                return store_fail(st, -EINVAL,
                                  "a group appears twice in the rule");
            }
        }
    }
    return 0;
}

/* Number of rules of a tenant. */
static int out_count(struct store *st, int64_t tenant_id, uint32_t *n)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_COUNT,
                                 "SELECT count(*) FROM outbound_rules WHERE "
                                 "tenant_id = ?1");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *n = store_col_u32(s, 0);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 0 : store_fail_sql(st, rc, "counting rules");
}

/* Shift positions >= 'from' (and < 'to' when to > 0) by 'delta'. */
static int out_shift(struct store *st, int64_t tenant_id, uint32_t from,
                     uint32_t to, int delta)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_SHIFT,
                                 "UPDATE outbound_rules SET position = "
                                 "position + ?4 WHERE tenant_id = ?1 AND "
                                 "position >= ?2 AND (?3 = 0 OR position < "
                                 "?3)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, from);
    sqlite3_bind_int64(s, 3, to);
    sqlite3_bind_int(s, 4, delta);
    return store_step_done(st, s, "reordering rules", NULL);
}

static int out_links(struct store *st, const struct store_outbound_rule *r,
                     int64_t rule_id)
{
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < r->n_groups; i++) {
        int64_t gt = 0;
        rc = store_group_tenant(st, r->group_ids[i], &gt);
        if (rc == 0 && gt != r->tenant_id) {
            rc = store_fail(st, -EINVAL, "group %lld belongs to another tenant",
                            (long long)r->group_ids[i]);
        }
        sqlite3_stmt *s = rc == 0 ? store_stmt(st, STMT_OUT_GROUP_ADD,
                                               "INSERT INTO "
                                               "outbound_rule_groups (rule_id, "
                                               "group_id) VALUES (?1, ?2)")
                                  : NULL;
        if (rc == 0 && !s) {
            rc = -EIO;
        }
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, rule_id);
            sqlite3_bind_int64(s, 2, r->group_ids[i]);
            rc = store_step_done(st, s, "adding rule group", NULL);
        }
    }
    for (uint32_t i = 0; rc == 0 && i < r->n_trunks; i++) {
        rc = store_row_exists(st, STMT_CALL_TRUNK_EXISTS,
                              "SELECT 1 FROM trunks WHERE id = ?1",
                              r->trunk_ids[i], "trunk");
        sqlite3_stmt *s = rc == 0 ? store_stmt(st, STMT_OUT_TRUNK_ADD,
                                               "INSERT INTO "
                                               "outbound_rule_trunks "
                                               "(rule_id, position, trunk_id) "
                                               "VALUES (?1, ?2, ?3)")
                                  : NULL;
        if (rc == 0 && !s) {
            rc = -EIO;
        }
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, rule_id);
            sqlite3_bind_int64(s, 2, i + 1);
            sqlite3_bind_int64(s, 3, r->trunk_ids[i]);
            rc = store_step_done(st, s, "adding rule trunk", NULL);
        }
    }
    return rc;
}

int store_outbound_add(struct store *st, const struct store_outbound_rule *r,
                       int64_t now, int64_t *id)
{
    struct store_tx tx;
    uint32_t n = 0;
    int64_t rid = 0;
    int rc = out_check(st, r);
    if (rc == 0) {
        rc = store_tenant_check(st, r->tenant_id);
    }
    if (rc < 0) {
        return rc;
    }
    rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = out_count(st, r->tenant_id, &n);
    uint32_t pos = r->position == 0 || r->position > n ? n + 1 : r->position;
    if (rc == 0 && pos <= n) {
        rc = out_shift(st, r->tenant_id, pos, 0, 1);
    }
    sqlite3_stmt *s = NULL;
    if (rc == 0) {
        s = store_stmt(st, STMT_OUT_ADD,
                       "INSERT INTO outbound_rules (tenant_id, name, "
                       "position, prefix, min_len, max_len, roles, "
                       "office_hours_only, strip, prepend, created_at) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                       "?11)");
        rc = s ? 0 : -EIO;
    }
    if (rc == 0) {
        sqlite3_bind_int64(s, 1, r->tenant_id);
        store_bind_text(s, 2, r->name);
        sqlite3_bind_int64(s, 3, pos);
        store_bind_text(s, 4, r->prefix);
        sqlite3_bind_int64(s, 5, r->min_len);
        sqlite3_bind_int64(s, 6, r->max_len);
        sqlite3_bind_int64(s, 7, r->roles);
        sqlite3_bind_int(s, 8, r->office_hours_only ? 1 : 0);
        sqlite3_bind_int64(s, 9, r->strip);
        store_bind_text(s, 10, r->prepend);
        sqlite3_bind_int64(s, 11, now);
        rc = store_step_insert(st, s, "adding outbound rule", &rid);
        if (rc == -EEXIST) {
            rc = store_fail(st, -EEXIST, "outbound rule %s already exists",
                            r->name);
        }
    }
    if (rc == 0) {
        rc = out_links(st, r, rid);
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        if (id) {
            *id = rid;
        }
        store_ok(st);
    }
    return rc;
}

/* Position of rule 'id' of the tenant. */
static int out_pos(struct store *st, int64_t tenant_id, int64_t id,
                   uint32_t *pos)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_POS,
                                 "SELECT position FROM outbound_rules WHERE "
                                 "tenant_id = ?1 AND id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    sqlite3_bind_int64(s, 2, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *pos = store_col_u32(s, 0);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no outbound rule %lld in that tenant",
                          (long long)id);
    }
    return store_fail_sql(st, rc, "finding outbound rule");
}

int store_outbound_rm(struct store *st, int64_t tenant_id, int64_t id)
{
    struct store_tx tx;
    uint32_t pos = 0;
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = out_pos(st, tenant_id, id, &pos);
    if (rc == 0) {
        sqlite3_stmt *s = store_stmt(st, STMT_OUT_RM,
                                     "DELETE FROM outbound_rules WHERE id = "
                                     "?1");
        rc = s ? 0 : -EIO;
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, id);
            rc = store_step_done(st, s, "removing outbound rule", NULL);
        }
    }
    if (rc == 0) {
        rc = out_shift(st, tenant_id, pos + 1, 0, -1);
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_outbound_move(struct store *st, int64_t tenant_id, int64_t id,
                        uint32_t position)
{
    struct store_tx tx;
    uint32_t pos = 0;
    uint32_t n = 0;
    if (position == 0) {
        return store_fail(st, -EINVAL, "positions start at 1");
    }
    int rc = store_tx_begin(st, &tx);
    if (rc < 0) {
        return rc;
    }
    rc = out_pos(st, tenant_id, id, &pos);
    if (rc == 0) {
        rc = out_count(st, tenant_id, &n);
    }
    if (position > n) {
        position = n;
    }
    if (rc == 0 && position < pos) {
        rc = out_shift(st, tenant_id, position, pos, 1);
    } else if (rc == 0 && position > pos) {
        rc = out_shift(st, tenant_id, pos + 1, position + 1, -1);
    }
    if (rc == 0 && position != pos) {
        sqlite3_stmt *s = store_stmt(st, STMT_OUT_SETPOS,
                                     "UPDATE outbound_rules SET position = "
                                     "?2 WHERE id = ?1");
        rc = s ? 0 : -EIO;
        if (rc == 0) {
            sqlite3_bind_int64(s, 1, id);
            sqlite3_bind_int64(s, 2, position);
            rc = store_step_done(st, s, "moving outbound rule", NULL);
        }
    }
    if (rc < 0) {
        store_tx_end(st, &tx, 0);
        return rc;
    }
    rc = store_tx_end(st, &tx, 1);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_outbound_find(struct store *st, int64_t tenant_id, const char *name,
                        struct store_outbound_rule *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_OUT_FIND,
                                 "SELECT " OUT_COLS " FROM outbound_rules "
                                 "WHERE tenant_id = ?1 AND name = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_out(s, out);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no outbound rule %s in that tenant",
                          name ? name : "");
    }
    if (rc != SQLITE_ROW) {
        return store_fail_sql(st, rc, "finding outbound rule");
    }
    rc = out_fill(st, out);
    if (rc == 0) {
        store_ok(st);
    }
    return rc;
}

int store_outbound_list(struct store *st, int64_t tenant_id,
                        store_outbound_fn *cb, void *ud)
{
    /* Rules are read one by one (by position) so the groups and trunks of
     * each can be read with other statements between two callbacks. */
    uint32_t n = 0;
    struct store_outbound_rule r;
    int rc = out_count(st, tenant_id, &n);
    if (rc < 0) {
        return rc;
    }
    for (uint32_t i = 0; i < n; i++) {
        sqlite3_stmt *s = store_stmt(st, STMT_OUT_LIST,
                                     "SELECT " OUT_COLS " FROM "
                                     "outbound_rules WHERE tenant_id = ?1 "
                                     "ORDER BY position, id LIMIT 1 OFFSET "
                                     "?2");
        if (!s) {
            return -EIO;
        }
        sqlite3_bind_int64(s, 1, tenant_id);
        sqlite3_bind_int64(s, 2, i);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            row_to_out(s, &r);
        }
        sqlite3_reset(s);
        if (rc == SQLITE_DONE) {
            break;
        }
        if (rc != SQLITE_ROW) {
            return store_fail_sql(st, rc, "listing outbound rules");
        }
        rc = out_fill(st, &r);
        if (rc < 0) {
            return rc;
        }
        rc = cb(ud, &r);
        if (rc != 0) {
            return rc;
        }
    }
    store_ok(st);
    return 0;
}
