/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checklist items about accounts: portal and SIP passwords that expired
 * or were never changed, accounts without a sign-in or registration for
 * 90 days, and users allowed international calls. Also the loaders of
 * the account and tenant lists the other item files share.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "checklist/checklist_int.h"
#include "store/admin.h"
#include "store/store.h"

#define DAY_S 86400
/* System administrators have no tenant policy: their passwords are old
 * past the longest tenant expiry. */
#define SYSTEM_PW_MAX_DAYS 365

/* ---- loaders ------------------------------------------------------------ */

struct grow {
    void *arr;
    size_t n;
    size_t cap;
    size_t size; /* of one element */
};

static int grow_push(struct grow *g, const void *elem)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        void *p = realloc(g->arr, cap * g->size);
        if (!p) {
            return -ENOMEM;
        }
        g->arr = p;
        g->cap = cap;
    }
    memcpy((char *)g->arr + g->n * g->size, elem, g->size);
    g->n++;
    return 0;
}

static int push_admin(void *ud, const struct store_admin *a)
{
    return grow_push(ud, a);
}

static int push_tenant(void *ud, const struct store_tenant *t)
{
    return grow_push(ud, t);
}

static int push_user(void *ud, const struct store_user *u)
{
    return grow_push(ud, u);
}

int chk_admins_load(struct store *st, struct store_admin **out, size_t *n)
{
    struct grow g = { .size = sizeof(struct store_admin) };
    int rc = store_admin_list(st, 0, push_admin, &g);
    if (rc != 0) {
        free(g.arr);
        return rc < 0 ? rc : -EIO;
    }
    *out = g.arr;
    *n = g.n;
    return 0;
}

int chk_tenants_load(struct store *st, struct store_tenant **out, size_t *n)
{
    struct grow g = { .size = sizeof(struct store_tenant) };
    int rc = store_tenant_list(st, push_tenant, &g);
    if (rc != 0) {
        free(g.arr);
        return rc < 0 ? rc : -EIO;
    }
    *out = g.arr;
    *n = g.n;
    return 0;
}

static int users_load(struct store *st, int64_t tenant_id,
                      struct store_user **out, size_t *n)
{
    struct grow g = { .size = sizeof(struct store_user) };
    int rc = store_user_list(st, tenant_id, push_user, &g);
    if (rc != 0) {
        free(g.arr);
        return rc < 0 ? rc : -EIO;
    }
    *out = g.arr;
    *n = g.n;
    return 0;
}

static const struct store_tenant *tenant_of(const struct store_tenant *ts,
                                            size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++) {
        if (ts[i].id == id) {
            return &ts[i];
        }
    }
    return NULL;
}

/* ---- portal passwords --------------------------------------------------- */

void chk_passwords_portal(const struct checklist_ctx *ctx,
                          struct checklist_result *r)
{
    struct store_admin *as = NULL;
    struct store_tenant *ts = NULL;
    size_t n_as = 0;
    size_t n_ts = 0;
    struct chk_list expired = { .n = 0 };
    struct chk_list unchanged = { .n = 0 };
    int rc = chk_admins_load(ctx->st, &as, &n_as);

    if (rc == 0) {
        rc = chk_tenants_load(ctx->st, &ts, &n_ts);
    }
    if (rc != 0) {
        free(as);
        chk_unreadable(r, "the portal accounts", rc);
        return;
    }
    for (size_t i = 0; i < n_as; i++) {
        const struct store_admin *a = &as[i];
        const struct store_tenant *t = tenant_of(ts, n_ts, a->tenant_id);
        uint32_t max_days = t ? t->pol.pw_expiry_days : SYSTEM_PW_MAX_DAYS;
        int64_t age_days = (ctx->now - a->pw_changed_at) / DAY_S;
        if (age_days > (int64_t)max_days) {
            chk_list_add(&expired, "%s (%lld days, limit %u)", a->username,
                         (long long)age_days, max_days);
        } else if (a->must_change) {
            chk_list_add(&unchanged, "%s", a->username);
        }
    }
    free(as);
    free(ts);
    if (expired.n > 0) {
        chk_set(r, CHECKLIST_FAIL, "expired: %s", chk_list_text(&expired));
        if (unchanged.n > 0) {
            chk_more(r, "; still to be changed at next sign-in: %s",
                     chk_list_text(&unchanged));
        }
        chk_fix(r, "have these accounts change their password (portal "
                   "profile), or remove the accounts no longer used");
        return;
    }
    if (unchanged.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "password set by someone else and never changed by its "
                "owner (must change at next sign-in): %s",
                chk_list_text(&unchanged));
        chk_fix(r, "sign in as these accounts and choose a new password, or "
                   "remove accounts that are not used");
        return;
    }
    chk_set(r, CHECKLIST_PASS,
            "%zu portal account(s): none expired, none waiting for a first "
            "change",
            n_as);
}

/* ---- SIP users ---------------------------------------------------------- */

typedef void user_visit_fn(void *ud, const struct store_tenant *t,
                           const struct store_user *u);

/* Every user of every tenant; 0 or the store's -errno. */
static int users_walk(struct store *st, user_visit_fn *visit, void *ud,
                      size_t *n_users)
{
    struct store_tenant *ts = NULL;
    size_t n_ts = 0;
    int rc = chk_tenants_load(st, &ts, &n_ts);

    *n_users = 0;
    for (size_t i = 0; rc == 0 && i < n_ts; i++) {
        struct store_user *us = NULL;
        size_t n_us = 0;
        rc = users_load(st, ts[i].id, &us, &n_us);
        for (size_t j = 0; rc == 0 && j < n_us; j++) {
            visit(ud, &ts[i], &us[j]);
        }
        *n_users += n_us;
        free(us);
    }
    free(ts);
    return rc;
}

struct sip_pw_walk {
    int64_t now;
    struct chk_list expired;
    struct chk_list unchanged;
};

static void visit_sip_pw(void *ud, const struct store_tenant *t,
                         const struct store_user *u)
{
    struct sip_pw_walk *w = ud;
    int64_t age_days = (w->now - u->sip_pw_changed_at) / DAY_S;

    if (age_days > (int64_t)t->pol.pw_expiry_days) {
        chk_list_add(&w->expired, "%s@%s (%lld days, limit %u)", u->ext,
                     t->domain, (long long)age_days, t->pol.pw_expiry_days);
    } else if (u->sip_pw_changed_at <= u->created_at) {
        chk_list_add(&w->unchanged, "%s@%s", u->ext, t->domain);
    }
}

void chk_passwords_sip(const struct checklist_ctx *ctx,
                       struct checklist_result *r)
{
    struct sip_pw_walk w = { .now = ctx->now };
    size_t n = 0;
    int rc = users_walk(ctx->st, visit_sip_pw, &w, &n);

    if (rc != 0) {
        chk_unreadable(r, "the SIP users", rc);
        return;
    }
    if (w.expired.n > 0) {
        chk_set(r, CHECKLIST_FAIL, "SIP passwords past the tenant's expiry: %s",
                chk_list_text(&w.expired));
    } else if (w.unchanged.n > 0) {
        chk_set(r, CHECKLIST_WARN,
                "SIP passwords never changed since the user was created: %s",
                chk_list_text(&w.unchanged));
    } else {
        chk_set(r, CHECKLIST_PASS,
                "%zu SIP user(s): every password changed since creation and "
                "within the tenant's expiry",
                n);
    }
    /* What can be known: only digests are kept. */
    chk_more(r, ". Strength cannot be re-measured: only HA1 digests are "
                "stored, and the tenant policy was applied when each "
                "password was set");
    if (r->status != CHECKLIST_PASS) {
        chk_fix(r, "set new passwords: sipwarden user set EXT@DOMAIN "
                   "--generate-password (and update the phone)");
    }
}

/* ---- inactive accounts -------------------------------------------------- */

struct reg_seen {
    int64_t *ids;
    size_t n;
    size_t cap;
    int err;
};

static int collect_binding(void *ud, const struct store_binding *b)
{
    struct reg_seen *s = ud;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int64_t *p = realloc(s->ids, cap * sizeof(*p));
        if (!p) {
            s->err = -ENOMEM;
            return 1;
        }
        s->ids = p;
        s->cap = cap;
    }
    s->ids[s->n++] = b->user_id;
    return 0;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a;
    int64_t y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct inactive_walk {
    int64_t cutoff;
    const struct reg_seen *seen;
    struct chk_list users;
};

static void visit_inactive(void *ud, const struct store_tenant *t,
                           const struct store_user *u)
{
    struct inactive_walk *w = ud;

    if (u->created_at > w->cutoff) {
        return; /* too young to tell */
    }
    if (w->seen->n > 0
        && bsearch(&u->id, w->seen->ids, w->seen->n, sizeof(int64_t), cmp_id)) {
        return; /* registered now */
    }
    chk_list_add(&w->users, "%s@%s", u->ext, t->domain);
}

void chk_accounts_inactive(const struct checklist_ctx *ctx,
                           struct checklist_result *r)
{
    int64_t cutoff = ctx->now - (int64_t)CHECKLIST_INACTIVE_DAYS * DAY_S;
    struct store_admin *as = NULL;
    size_t n_as = 0;
    struct chk_list portal = { .n = 0 };
    struct reg_seen seen = { 0 };
    size_t n_users = 0;
    int rc = chk_admins_load(ctx->st, &as, &n_as);

    if (rc != 0) {
        chk_unreadable(r, "the portal accounts", rc);
        return;
    }
    for (size_t i = 0; i < n_as; i++) {
        int64_t last =
            as[i].last_login_at ? as[i].last_login_at : as[i].created_at;
        if (last < cutoff) {
            chk_list_add(&portal, "%s (%s)", as[i].username,
                         as[i].last_login_at ? "last sign-in over 90 days ago"
                                             : "never signed in");
        }
    }
    free(as);
    rc = store_binding_list(ctx->st, NULL, ctx->now, collect_binding, &seen);
    if (rc == 0 && seen.err != 0) {
        rc = seen.err;
    }
    if (rc == 0 && seen.n > 1) {
        qsort(seen.ids, seen.n, sizeof(int64_t), cmp_id);
    }
    struct inactive_walk w = { .cutoff = cutoff, .seen = &seen };
    if (rc == 0) {
        rc = users_walk(ctx->st, visit_inactive, &w, &n_users);
    }
    free(seen.ids);
    if (rc != 0) {
        chk_unreadable(r, "the SIP users and registrations", rc);
        return;
    }
    if (portal.n == 0 && w.users.n == 0) {
        chk_set(r, CHECKLIST_PASS,
                "every portal account signed in within %d days; every SIP "
                "user older than that is registered",
                CHECKLIST_INACTIVE_DAYS);
        return;
    }
    chk_set(r, CHECKLIST_WARN,
            "inactive for %d days:", CHECKLIST_INACTIVE_DAYS);
    if (portal.n > 0) {
        chk_more(r, " portal accounts %s", chk_list_text(&portal));
    }
    if (w.users.n > 0) {
        chk_more(r,
                 "%s SIP users not registered now and created over %d days "
                 "ago (the last registration time is not kept): %s",
                 portal.n > 0 ? ";" : "", CHECKLIST_INACTIVE_DAYS,
                 chk_list_text(&w.users));
    }
    chk_fix(r, "remove accounts of people who left (sipwarden user rm "
               "EXT@DOMAIN; portal accounts under Administrators)");
}

/* ---- international permission ------------------------------------------- */

struct intl_walk {
    struct chk_list users;
};

static void visit_intl(void *ud, const struct store_tenant *t,
                       const struct store_user *u)
{
    struct intl_walk *w = ud;

    if (u->role == STORE_ROLE_INTERNATIONAL || u->role == STORE_ROLE_ADMIN) {
        chk_list_add(&w->users, "%s@%s (%s)", u->ext, t->domain,
                     store_role_name(u->role));
    }
}

void chk_users_international(const struct checklist_ctx *ctx,
                             struct checklist_result *r)
{
    struct intl_walk w = { .users = { .n = 0 } };
    size_t n = 0;
    int rc = users_walk(ctx->st, visit_intl, &w, &n);

    if (rc != 0) {
        chk_unreadable(r, "the SIP users", rc);
        return;
    }
    if (w.users.n == 0) {
        chk_set(r, CHECKLIST_PASS,
                "none of %zu SIP user(s) may call international numbers", n);
        return;
    }
    chk_set(r, CHECKLIST_WARN,
            "%zu of %zu SIP user(s) may call international numbers: %s",
            w.users.n, n, chk_list_text(&w.users));
    chk_fix(r, "keep the international role for those who need it: "
               "sipwarden user set EXT@DOMAIN --role standard");
}
