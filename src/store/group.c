/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Groups of users of a tenant and their members.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/calls_int.h"
#include "store/store.h"
#include "store/store_int.h"

/* ------------------------------------------------------------------ */
/* Groups                                                               */
/* ------------------------------------------------------------------ */

#define GROUP_COLS                                                    \
    "g.id, g.tenant_id, g.name, g.created_at, (SELECT count(*) FROM " \
    "group_members m WHERE m.group_id = g.id)"

static void row_to_group(sqlite3_stmt *s, struct store_group *g)
{
    g->id = sqlite3_column_int64(s, 0);
    g->tenant_id = sqlite3_column_int64(s, 1);
    store_col_copy(s, 2, g->name, sizeof(g->name));
    g->created_at = sqlite3_column_int64(s, 3);
    g->n_members = store_col_u32(s, 4);
}

int store_group_add(struct store *st, int64_t tenant_id, const char *name,
                    int64_t now, int64_t *id)
{
    if (!calls_name_ok(name, STORE_GROUP_MAX)) {
        return store_fail(st, -EINVAL,
                          "group name must be 1..%d of letters, digits, '.', "
                          "'_' and '-', starting with a letter or digit",
                          STORE_GROUP_MAX);
    }
    int rc = store_tenant_check(st, tenant_id);
    if (rc < 0) {
        return rc;
    }
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_ADD,
                                 "INSERT INTO groups (tenant_id, name, "
                                 "created_at) VALUES (?1, ?2, ?3)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    sqlite3_bind_int64(s, 3, now);
    rc = store_step_insert(st, s, "adding group", id);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "group %s already exists", name);
    }
    return rc;
}

int store_group_find(struct store *st, int64_t tenant_id, const char *name,
                     struct store_group *out)
{
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_FIND,
                                 "SELECT " GROUP_COLS " FROM groups g WHERE "
                                 "g.tenant_id = ?1 AND g.name = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_to_group(s, out);
    }
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) {
        store_ok(st);
        return 0;
    }
    if (rc == SQLITE_DONE) {
        return store_fail(st, -ENOENT, "no group %s in that tenant",
                          name ? name : "");
    }
    return store_fail_sql(st, rc, "finding group");
}

int store_group_rm(struct store *st, int64_t tenant_id, const char *name)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_RM,
                                 "DELETE FROM groups WHERE tenant_id = ?1 AND "
                                 "name = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    store_bind_text(s, 2, name);
    int rc = store_step_done(st, s, "removing group", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "no group %s in that tenant",
                          name ? name : "");
    }
    return rc;
}

struct group_walk {
    store_group_fn *cb;
    void *ud;
};

static int group_row(void *ud, sqlite3_stmt *s)
{
    struct group_walk *w = ud;
    struct store_group g;
    row_to_group(s, &g);
    return w->cb(w->ud, &g);
}

int store_group_list(struct store *st, int64_t tenant_id, store_group_fn *cb,
                     void *ud)
{
    struct group_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_LIST,
                                 "SELECT " GROUP_COLS " FROM groups g WHERE "
                                 "g.tenant_id = ?1 ORDER BY g.name");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, tenant_id);
    return store_walk(st, s, group_row, &w, "listing groups");
}

int store_group_member_add(struct store *st, int64_t group_id, int64_t user_id)
{
    int64_t gt = 0;
    int64_t ut = 0;
    int rc = store_group_tenant(st, group_id, &gt);
    if (rc == 0) {
        rc = store_user_tenant(st, user_id, &ut);
    }
    if (rc < 0) {
        return rc;
    }
    if (gt != ut) {
        return store_fail(st, -EINVAL,
                          "the user and the group belong to different "
                          "tenants");
    }
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_MEMBER_ADD,
                                 "INSERT INTO group_members (group_id, "
                                 "user_id) VALUES (?1, ?2)");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    sqlite3_bind_int64(s, 2, user_id);
    rc = store_step_done(st, s, "adding group member", NULL);
    if (rc == -EEXIST) {
        return store_fail(st, -EEXIST, "the user is already a member");
    }
    return rc;
}

int store_group_member_rm(struct store *st, int64_t group_id, int64_t user_id)
{
    int changes = 0;
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_MEMBER_RM,
                                 "DELETE FROM group_members WHERE group_id = "
                                 "?1 AND user_id = ?2");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    sqlite3_bind_int64(s, 2, user_id);
    int rc = store_step_done(st, s, "removing group member", &changes);
    if (rc == 0 && changes == 0) {
        return store_fail(st, -ENOENT, "the user is not a member");
    }
    return rc;
}

struct member_walk {
    store_member_fn *cb;
    void *ud;
};

static int member_row(void *ud, sqlite3_stmt *s)
{
    struct member_walk *w = ud;
    return w->cb(w->ud, sqlite3_column_int64(s, 0), store_col_text(s, 1));
}

int store_group_member_list(struct store *st, int64_t group_id,
                            store_member_fn *cb, void *ud)
{
    struct member_walk w = { cb, ud };
    sqlite3_stmt *s = store_stmt(st, STMT_GROUP_MEMBER_LIST,
                                 "SELECT u.id, u.ext FROM group_members m "
                                 "JOIN users u ON u.id = m.user_id WHERE "
                                 "m.group_id = ?1 ORDER BY u.ext");
    if (!s) {
        return -EIO;
    }
    sqlite3_bind_int64(s, 1, group_id);
    return store_walk(st, s, member_row, &w, "listing group members");
}
