/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User operations: add, list, set, rm. Every SIP password offered or
 * generated here passes the tenant's password policy (account information
 * and, on change, the history) before the store sees it; generated ones
 * are returned once and never again.
 */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "ops/ops_int.h"
#include "policy/password.h"
#include "store/store.h"

enum { OPS_GEN_PW_LEN = 20, OPS_GEN_TRIES = 32 };

/* ------------------------------------------------------------------ */
/* Request pieces                                                       */
/* ------------------------------------------------------------------ */

/* Extension syntax, the same check for every operation naming one. */
static int ext_valid(const char *ext, const char *field, json_t **resp)
{
    const char *why = NULL;
    if (store_ext_check(ext, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, field, "%s", why);
    }
    return 0;
}

/* Who the request is about: "user":"ext@domain" or "ext" + "domain". */
struct user_ref {
    char ext[STORE_EXT_MAX + 1];
    char domain[STORE_DOMAIN_MAX + 1];
    const char *field; /* member to blame: "user" or "ext" */
    struct store_tenant tenant;
};

static int user_ref_parse(struct ops_ctx *ctx, const json_t *req,
                          struct user_ref *ref, json_t **resp)
{
    const char *user = NULL;
    const char *ext = NULL;
    const char *domain = NULL;
    int rc = ops_get_str(req, "user", false, &user, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "ext", false, &ext, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "domain", false, &domain, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (user && (ext || domain)) {
        return ops_fail(resp, -EINVAL, NULL, "user",
                        "give either user (ext@domain) or ext and domain");
    }
    if (user) {
        const char *at = strchr(user, '@');
        size_t ext_len = at ? (size_t)(at - user) : 0;
        if (!at || ext_len == 0 || ext_len > STORE_EXT_MAX
            || strlen(at + 1) > STORE_DOMAIN_MAX) {
            return ops_fail(resp, -EINVAL, NULL, "user",
                            "user must have the form EXT@DOMAIN");
        }
        memcpy(ref->ext, user, ext_len);
        ref->ext[ext_len] = '\0';
        memcpy(ref->domain, at + 1, strlen(at + 1) + 1);
        ref->field = "user";
    } else {
        if (!ext || !domain) {
            return ops_fail(resp, -EINVAL, NULL, ext ? "domain" : "user",
                            "user (EXT@DOMAIN) is required");
        }
        if (strlen(ext) > STORE_EXT_MAX || strlen(domain) > STORE_DOMAIN_MAX) {
            return ops_fail(resp, -EINVAL, NULL, "ext",
                            "extension or domain too long");
        }
        memcpy(ref->ext, ext, strlen(ext) + 1);
        memcpy(ref->domain, domain, strlen(domain) + 1);
        ref->field = "ext";
    }
    rc = ext_valid(ref->ext, ref->field, resp);
    if (rc != 0) {
        return rc;
    }
    return ops_tenant_lookup(
        ctx, ref->domain, strcmp(ref->field, "user") == 0 ? "user" : "domain",
        &ref->tenant, resp);
}

/* Error response for a failed lookup or change of the referenced user. */
static int user_not_found(struct ops_ctx *ctx, const struct user_ref *ref,
                          int rc, json_t **resp)
{
    if (rc == -ENOENT) {
        return ops_fail(resp, rc, NULL, ref->field, "no user %s@%s", ref->ext,
                        ref->tenant.domain);
    }
    return ops_fail_store(ctx, resp, rc, ref->field);
}

/* Optional user attributes shared by add and set. */
struct user_attrs {
    const char *name;
    const char *email;
    const char *role_s;
    enum store_role role;
    const char *sip_password;
    bool generate;
    bool generate_present;
};

static int user_attrs_parse(const json_t *req, struct user_attrs *a,
                            json_t **resp)
{
    const char *why = NULL;
    int rc = ops_get_str(req, "name", false, &a->name, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "email", false, &a->email, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "role", false, &a->role_s, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "sip_password", false, &a->sip_password, resp);
    }
    if (rc == 0) {
        rc = ops_get_bool(req, "generate_password", &a->generate,
                          &a->generate_present, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (store_name_check(a->name, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, "name", "name: %s", why);
    }
    if (store_email_check(a->email, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, "email", "email: %s", why);
    }
    a->role = STORE_ROLE_STANDARD;
    if (a->role_s && store_role_parse(a->role_s, &a->role) < 0) {
        return ops_fail(resp, -EINVAL, NULL, "role",
                        "role must be admin, international or standard");
    }
    if (a->sip_password && a->generate) {
        return ops_fail(resp, -EINVAL, NULL, "sip_password",
                        "give either sip_password or generate_password, "
                        "not both");
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Password policy                                                      */
/* ------------------------------------------------------------------ */

struct history_probe {
    struct store *st;
    int64_t user_id; /* 0: new user, no history */
    uint32_t n_last;
    int err; /* store failure seen by the probe */
};

static bool was_used(void *ud, const char *pw)
{
    struct history_probe *h = ud;
    if (h->user_id == 0) {
        return false;
    }
    int rc = store_user_pw_in_history(h->st, h->user_id, pw, h->n_last);
    if (rc < 0) {
        /* Fail closed; reported as a store error by the caller. */
        h->err = rc;
        return true;
    }
    return rc == 1;
}

/*
 * Check 'pw' against the tenant policy for the account described by 'ext',
 * 'name' and 'email'. On refusal builds the error response.
 */
static int pw_check(struct ops_ctx *ctx, const struct store_tenant *t,
                    const char *ext, const char *name, const char *email,
                    int64_t user_id, const char *pw,
                    struct policy_violation *why, json_t **resp, bool report)
{
    struct policy_password_rules rules;
    const char *perr = NULL;
    int rc = policy_rules_tenant(t->pol.pw_min_len, t->pol.pw_classes,
                                 t->pol.pw_expiry_days, t->pol.pw_history,
                                 &rules, &perr);
    if (rc < 0) {
        return ops_fail(resp, -EIO, NULL, NULL,
                        "tenant %s has an invalid password policy: %s",
                        t->domain, perr ? perr : "?");
    }
    struct history_probe probe = { .st = ctx->st,
                                   .user_id = user_id,
                                   .n_last = t->pol.pw_history };
    struct policy_account_info acct = {
        .username = ext,
        .name = name && name[0] ? name : NULL,
        .extension = ext,
        .email = email && email[0] ? email : NULL,
        .was_used = was_used,
        .was_used_ud = &probe,
    };
    rc = policy_password_check(&rules, pw, &acct, why);
    if (probe.err < 0) {
        return ops_fail_store(ctx, resp, probe.err, NULL);
    }
    if (rc < 0) {
        if (!report) {
            return -EINVAL;
        }
        rc = ops_fail(resp, -EINVAL, "policy", "sip_password",
                      "SIP password refused by the %s password policy "
                      "(rule %s): %s",
                      t->domain, policy_rule_name(why->rule), why->message);
        if (rc == -EINVAL
            && json_object_set_new(*resp, "rule",
                                   json_string(policy_rule_name(why->rule)))
                   != 0) {
            json_decref(*resp);
            *resp = NULL;
            return -ENOMEM;
        }
        return rc;
    }
    return 0;
}

/* Generate a password that passes the tenant policy for this account. */
static int pw_generate(struct ops_ctx *ctx, const struct store_tenant *t,
                       const char *ext, const char *name, const char *email,
                       int64_t user_id, char *dst, size_t cap, json_t **resp)
{
    struct policy_violation why;
    for (int i = 0; i < OPS_GEN_TRIES; i++) {
        int rc = policy_password_generate(dst, cap, OPS_GEN_PW_LEN);
        if (rc < 0) {
            return ops_fail(resp, -EIO, NULL, NULL,
                            "cannot generate a password: %s", strerror(-rc));
        }
        rc =
            pw_check(ctx, t, ext, name, email, user_id, dst, &why, resp, false);
        if (rc == 0) {
            return 0;
        }
        if (rc != -EINVAL) {
            return rc;
        }
    }
    sodium_memzero(dst, cap);
    return ops_fail(resp, -EIO, NULL, NULL,
                    "no generated password passed the policy of %s", t->domain);
}

/* ------------------------------------------------------------------ */
/* Responses                                                            */
/* ------------------------------------------------------------------ */

static json_t *user_json(const struct store_user *u, const char *domain)
{
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];
    snprintf(user, sizeof(user), "%s@%s", u->ext, domain);
    return json_pack("{s:o, s:o, s:o, s:o, s:s, s:o, s:I, s:I, s:I}", "user",
                     ops_json_string(user), "ext", ops_json_string(u->ext),
                     "domain", ops_json_string(domain), "name",
                     ops_json_string(u->name), "role", store_role_name(u->role),
                     "email", ops_json_string(u->email), "created_at",
                     (json_int_t)u->created_at, "updated_at",
                     (json_int_t)u->updated_at, "sip_pw_changed_at",
                     (json_int_t)u->sip_pw_changed_at);
}

/* {"ok":true,"user":{...}[,"sip_password":generated]} */
static int user_reply(struct ops_ctx *ctx, const struct user_ref *ref,
                      const char *generated, json_t **resp)
{
    struct store_user u;
    int rc = store_user_find(ctx->st, ref->tenant.id, ref->ext, &u);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, ref->field);
    }
    if (ops_ok(resp) < 0
        || ops_set(resp, "user", user_json(&u, ref->tenant.domain)) < 0) {
        return -ENOMEM;
    }
    if (generated) {
        return ops_set(resp, "sip_password", json_string(generated));
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */
/* ------------------------------------------------------------------ */

/*
 * The shared core of user.add and user.import: read the new user's
 * attributes from 'req' (role, name, email, sip_password,
 * generate_password), check the offered password against the policy of
 * 't' or generate one, and add the user. 'ext' has passed ext_valid;
 * 'ext_field' is the member blamed when the store refuses the user. A
 * generated password is left in 'gen' (gen[0] is NUL otherwise) for the
 * caller to return and wipe. Returns 0 or the rc of the error response.
 */
static int user_create(struct ops_ctx *ctx, const struct store_tenant *t,
                       const char *ext, const char *ext_field,
                       const json_t *req, char gen[OPS_GEN_PW_LEN + 1],
                       json_t **resp)
{
    struct user_attrs a = { 0 };
    struct policy_violation why;
    const char *pw = NULL;

    gen[0] = '\0';
    int rc = user_attrs_parse(req, &a, resp);
    if (rc != 0) {
        return rc;
    }
    if (a.sip_password) {
        rc = pw_check(ctx, t, ext, a.name, a.email, 0, a.sip_password, &why,
                      resp, true);
        pw = a.sip_password;
    } else if (a.generate_present && !a.generate) {
        rc = ops_fail(resp, -EINVAL, NULL, "sip_password",
                      "sip_password is required when generate_password is "
                      "false");
    } else {
        rc = pw_generate(ctx, t, ext, a.name, a.email, 0, gen,
                         OPS_GEN_PW_LEN + 1, resp);
        pw = gen;
    }
    if (rc == 0) {
        rc = store_user_add(ctx->st, t->id, ext, a.name, a.role, a.email, pw,
                            NULL);
        if (rc < 0) {
            rc = ops_fail_store(ctx, resp, rc, ext_field);
        }
    }
    if (rc != 0) {
        sodium_memzero(gen, OPS_GEN_PW_LEN + 1);
    }
    return rc;
}

int ops_user_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = {
        "user", "ext",   "domain",       "role",
        "name", "email", "sip_password", "generate_password",
        NULL,
    };
    struct user_ref ref = { 0 };
    char gen[OPS_GEN_PW_LEN + 1] = "";

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = user_ref_parse(ctx, req, &ref, resp);
    }
    if (rc == 0) {
        rc = user_create(ctx, &ref.tenant, ref.ext, ref.field, req, gen, resp);
    }
    if (rc != 0) {
        return rc;
    }
    ops_notify_change(ctx, "user.add", req);
    rc = user_reply(ctx, &ref, gen[0] ? gen : NULL, resp);
    sodium_memzero(gen, sizeof(gen));
    return rc;
}

struct list_walk {
    json_t *arr;
    const char *domain;
};

static int add_user_cb(void *ud, const struct store_user *u)
{
    struct list_walk *w = ud;
    json_t *o = user_json(u, w->domain);
    if (!o || json_array_append_new(w->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_user_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", NULL };
    const char *domain = NULL;
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", true, &domain, resp);
    }
    if (rc == 0) {
        rc = ops_tenant_lookup(ctx, domain, "domain", &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct list_walk w = { .arr = json_array(), .domain = t.domain };
    if (!w.arr) {
        return -ENOMEM;
    }
    rc = store_user_list(ctx->st, t.id, add_user_cb, &w);
    if (rc < 0) {
        json_decref(w.arr);
        if (rc == -ENOMEM) {
            return ops_fail(resp, rc, NULL, NULL, "out of memory");
        }
        return ops_fail_store(ctx, resp, rc, NULL);
    }
    if (ops_ok(resp) < 0
        || ops_set(resp, "domain", json_string(t.domain)) < 0) {
        json_decref(w.arr);
        return -ENOMEM;
    }
    return ops_set(resp, "users", w.arr);
}

int ops_user_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = {
        "user", "ext",   "domain",       "role",
        "name", "email", "sip_password", "generate_password",
        NULL,
    };
    struct user_ref ref = { 0 };
    struct user_attrs a = { 0 };
    struct store_user u;
    struct policy_violation why;
    char gen[OPS_GEN_PW_LEN + 1] = "";
    const char *pw = NULL;

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = user_ref_parse(ctx, req, &ref, resp);
    }
    if (rc == 0) {
        rc = user_attrs_parse(req, &a, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_user_find(ctx->st, ref.tenant.id, ref.ext, &u);
    if (rc < 0) {
        return user_not_found(ctx, &ref, rc, resp);
    }
    if (!a.name && !a.email && !a.role_s && !a.sip_password && !a.generate) {
        return ops_fail(resp, -EINVAL, NULL, NULL,
                        "nothing to change: give role, name, email, "
                        "sip_password or generate_password");
    }
    /* The policy judges the password against the account as it will be. */
    const char *name = a.name ? a.name : u.name;
    const char *email = a.email ? a.email : u.email;
    if (a.sip_password) {
        rc = pw_check(ctx, &ref.tenant, ref.ext, name, email, u.id,
                      a.sip_password, &why, resp, true);
        pw = a.sip_password;
    } else if (a.generate) {
        rc = pw_generate(ctx, &ref.tenant, ref.ext, name, email, u.id, gen,
                         sizeof(gen), resp);
        pw = gen;
    }
    if (rc < 0) {
        sodium_memzero(gen, sizeof(gen));
        return rc;
    }
    struct store_user_patch p = {
        .name = a.name,
        .email = a.email,
        .role = a.role_s ? (int)a.role : -1,
        .sip_password = pw,
    };
    rc = store_user_set(ctx->st, u.id, &p);
    if (rc < 0) {
        sodium_memzero(gen, sizeof(gen));
        return ops_fail_store(ctx, resp, rc, ref.field);
    }
    ops_notify_change(ctx, "user.set", req);
    rc = user_reply(ctx, &ref, gen[0] ? gen : NULL, resp);
    sodium_memzero(gen, sizeof(gen));
    return rc;
}

int ops_user_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "user", "ext", "domain", NULL };
    struct user_ref ref = { 0 };
    struct store_user u;
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = user_ref_parse(ctx, req, &ref, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_user_find(ctx->st, ref.tenant.id, ref.ext, &u);
    if (rc == 0) {
        rc = store_user_rm(ctx->st, u.id);
    }
    if (rc < 0) {
        return user_not_found(ctx, &ref, rc, resp);
    }
    ops_notify_change(ctx, "user.rm", req);
    snprintf(user, sizeof(user), "%s@%s", ref.ext, ref.tenant.domain);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "user", ops_json_string(user));
}

/* ------------------------------------------------------------------ */
/* Bulk import                                                          */
/* ------------------------------------------------------------------ */

/*
 * Turn the error response of entry 'idx' into one naming it: the message
 * gets "entry IDX (ext EXT): " (and "member: " when a validation message
 * does not mention the member), the field becomes "users[IDX].member". An
 * extension already taken by an earlier entry of the same import says so.
 * Returns 'rc', or -ENOMEM with *resp NULL.
 */
static int blame_entry(json_t **resp, int rc, const json_t *users, size_t idx,
                       const char *ext)
{
    char who[STORE_EXT_MAX + 64];
    char field[96];
    char msg[1024];

    if (!*resp) {
        return rc;
    }
    const char *f = json_string_value(json_object_get(*resp, "field"));
    const char *m = json_string_value(json_object_get(*resp, "error"));
    const char *code = json_string_value(json_object_get(*resp, "code"));
    m = m ? m : "refused";
    if (!ext) {
        /* Refused before its ext was read: name it all the same. */
        ext = json_string_value(
            json_object_get(json_array_get(users, idx), "ext"));
    }
    if (ext && strlen(ext) <= STORE_EXT_MAX) {
        snprintf(who, sizeof(who), "entry %zu (ext %s)", idx, ext);
    } else {
        snprintf(who, sizeof(who), "entry %zu", idx);
    }
    if (f) {
        snprintf(field, sizeof(field), "users[%zu].%s", idx, f);
    } else {
        snprintf(field, sizeof(field), "users[%zu]", idx);
    }
    size_t dup = idx;
    if (rc == -EEXIST && ext) {
        for (size_t i = 0; i < idx; i++) {
            const char *e = json_string_value(
                json_object_get(json_array_get(users, i), "ext"));
            if (e && strcmp(e, ext) == 0) {
                dup = i;
                break;
            }
        }
    }
    bool by_rule =
        code
        && (strcmp(code, "bad_request") == 0 || strcmp(code, "policy") == 0);
    if (dup < idx) {
        snprintf(msg, sizeof(msg), "%s: duplicate of entry %zu", who, dup);
    } else if (f && by_rule && !strstr(m, f)) {
        snprintf(msg, sizeof(msg), "%s: %s: %s", who, f, m);
    } else {
        snprintf(msg, sizeof(msg), "%s: %s", who, m);
    }
    if (json_object_set_new(*resp, "error", ops_json_string(msg)) != 0
        || json_object_set_new(*resp, "field", json_string(field)) != 0) {
        json_decref(*resp);
        *resp = NULL;
        return -ENOMEM;
    }
    return rc;
}

/* Validate and add entry 'idx'; a generated password joins 'generated'. */
static int import_one(struct ops_ctx *ctx, const struct store_tenant *t,
                      const json_t *users, size_t idx, json_t *generated,
                      json_t **resp)
{
    static const char *const allowed[] = {
        "ext", "sip_password", "role", "name", "email", NULL,
    };
    const json_t *e = json_array_get(users, idx);
    const char *ext = NULL;
    char gen[OPS_GEN_PW_LEN + 1] = "";
    int rc;

    if (!json_is_object(e)) {
        rc = ops_fail(resp, -EINVAL, NULL, NULL, "must be a JSON object");
    } else if (json_object_get(e, "op")) {
        /* ops_members_check lets "op" through; an entry has no op. */
        rc = ops_fail(resp, -EINVAL, NULL, "op",
                      "unknown member 'op' for a user entry");
    } else {
        rc = ops_members_check(e, allowed, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(e, "ext", true, &ext, resp);
    }
    if (rc == 0) {
        rc = ext_valid(ext, "ext", resp);
    }
    if (rc == 0) {
        rc = user_create(ctx, t, ext, "ext", e, gen, resp);
    }
    if (rc != 0) {
        return blame_entry(resp, rc, users, idx, ext);
    }
    if (gen[0]) {
        json_t *g = json_pack("{s:s, s:s}", "ext", ext, "sip_password", gen);
        sodium_memzero(gen, sizeof(gen));
        if (!g || json_array_append_new(generated, g) != 0) {
            return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
        }
    }
    return 0;
}

int ops_user_import(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "users", NULL };
    const char *domain = NULL;
    struct store_tenant t;

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", true, &domain, resp);
    }
    if (rc != 0) {
        return rc;
    }
    const json_t *users = json_object_get(req, "users");
    if (!json_is_array(users)) {
        return ops_fail(resp, -EINVAL, NULL, "users",
                        "users must be an array of user objects");
    }
    size_t n = json_array_size(users);
    if (n > OPS_USER_IMPORT_MAX) {
        return ops_fail(resp, -EINVAL, NULL, "users",
                        "users has %zu entries, at most %d are accepted", n,
                        OPS_USER_IMPORT_MAX);
    }
    rc = ops_tenant_lookup(ctx, domain, "domain", &t, resp);
    if (rc != 0) {
        return rc;
    }
    json_t *generated = json_array();
    if (!generated) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    /* One transaction: every entry is added, or none. */
    rc = store_begin(ctx->st);
    if (rc < 0) {
        json_decref(generated);
        /* -EINVAL: the caller left a batch open on this handle; joining
         * it would let someone else commit half an import. */
        return ops_fail_store(ctx, resp, rc == -EINVAL ? -EIO : rc, NULL);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = import_one(ctx, &t, users, i, generated, resp);
    }
    if (rc != 0) {
        store_rollback(ctx->st);
        json_decref(generated);
        return rc;
    }
    rc = store_commit(ctx->st);
    if (rc < 0) {
        json_decref(generated);
        return ops_fail_store(ctx, resp, rc, NULL);
    }
    ops_notify_change(ctx, "user.import", req);
    if (ops_ok(resp) < 0 || ops_set(resp, "domain", json_string(t.domain)) < 0
        || ops_set(resp, "added", json_integer((json_int_t)n)) < 0) {
        json_decref(generated);
        return -ENOMEM;
    }
    return ops_set(resp, "generated", generated);
}
