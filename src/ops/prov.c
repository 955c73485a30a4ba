/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Phone provisioning operations: enable, rotate, disable and list the
 * per-extension provisioning directories. Enabling generates the phone's
 * SIP password through user.set (so the tenant policy, the password
 * history and the change notification apply as for any password change),
 * a fresh directory token (prov/token.h), and stores the token's hash with
 * the sealed password in one transaction. Serving the files is
 * api/prov.c's.
 */
#include "ops/provops.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "prov/render.h"
#include "prov/token.h"
#include "store/prov.h"

struct prov_ref {
    struct store_tenant tenant;
    struct store_user user;
    char ext[STORE_EXT_MAX + 1];
    const char *field; /* member blamed for errors */
};

/* The user named by "user" (ext@domain) or "ext" + "domain". */
static int ref_parse(struct ops_ctx *ctx, const json_t *req,
                     struct prov_ref *ref, json_t **resp)
{
    const char *user = NULL;
    const char *ext = NULL;
    const char *domain = NULL;
    char dom[STORE_DOMAIN_MAX + 1];
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
    if (user != NULL && (ext != NULL || domain != NULL)) {
        return ops_fail(resp, -EINVAL, NULL, "user",
                        "give either user (ext@domain) or ext and domain");
    }
    if (user != NULL) {
        const char *at = strrchr(user, '@');
        size_t ext_len = at ? (size_t)(at - user) : 0;
        if (at == NULL || ext_len == 0 || ext_len > STORE_EXT_MAX
            || strlen(at + 1) == 0 || strlen(at + 1) > STORE_DOMAIN_MAX) {
            return ops_fail(resp, -EINVAL, NULL, "user",
                            "user must have the form EXT@DOMAIN");
        }
        memcpy(ref->ext, user, ext_len);
        ref->ext[ext_len] = '\0';
        snprintf(dom, sizeof(dom), "%s", at + 1);
        ref->field = "user";
    } else {
        if (ext == NULL || domain == NULL) {
            return ops_fail(resp, -EINVAL, NULL, ext ? "domain" : "user",
                            "user (EXT@DOMAIN) is required");
        }
        if (strlen(ext) > STORE_EXT_MAX || strlen(domain) > STORE_DOMAIN_MAX) {
            return ops_fail(resp, -EINVAL, NULL, "ext",
                            "extension or domain too long");
        }
        snprintf(ref->ext, sizeof(ref->ext), "%s", ext);
        snprintf(dom, sizeof(dom), "%s", domain);
        ref->field = "ext";
    }
    rc = ops_tenant_lookup(ctx, dom, ref->field[0] == 'u' ? "user" : "domain",
                           &ref->tenant, resp);
    if (rc != 0) {
        return rc;
    }
    return ops_user_lookup(ctx, &ref->tenant, ref->ext, ref->field, &ref->user,
                           resp);
}

static json_t *files_json(enum prov_vendor v)
{
    static const char *const names[PROV_VENDOR_COUNT][4] = {
        [PROV_VENDOR_GENERIC] = { "config.xml", NULL },
        [PROV_VENDOR_YEALINK] = { "y000000000000.cfg", "<mac>.cfg", NULL },
        [PROV_VENDOR_POLYCOM] = { "000000000000.cfg", "<mac>.cfg", "phone.cfg",
                                  "<mac>-phone.cfg" },
    };
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < 4 && names[v][i] != NULL; i++) {
        json_array_append_new(arr, json_string(names[v][i]));
    }
    return arr;
}

/* Shared by enable and rotate. */
static int prov_set(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                    bool rotate)
{
    static const char *const allowed[] = { "user", "ext", "domain", "vendor",
                                           NULL };
    struct prov_ref ref;
    const char *vendor_s = NULL;
    enum prov_vendor vendor = PROV_VENDOR_GENERIC;
    char token[PROV_TOKEN_HEX + 1];
    char hash[PROV_TOKEN_HASH_HEX + 1];
    char pw[STORE_SIP_PW_MAX + 1];
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];
    json_t *sub_req = NULL;
    json_t *sub_resp = NULL;
    const char *op = rotate ? "prov.rotate" : "prov.enable";
    memset(&ref, 0, sizeof(ref));

    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "vendor", false, &vendor_s, resp);
    }
    if (rc == 0) {
        rc = ref_parse(ctx, req, &ref, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct store_prov old;
    int had = store_prov_get(ctx->st, ref.user.id, &old);
    if (had != 0 && had != -ENOENT) {
        return ops_fail_store(ctx, resp, had, ref.field);
    }
    if (rotate && had == -ENOENT) {
        return ops_fail(resp, -ENOENT, NULL, ref.field,
                        "provisioning is not enabled for %s@%s", ref.ext,
                        ref.tenant.domain);
    }
    if (vendor_s != NULL) {
        if (prov_vendor_parse(vendor_s, &vendor) != 0) {
            return ops_fail(resp, -EINVAL, NULL, "vendor",
                            "vendor must be generic, yealink or polycom");
        }
    } else if (had == 0) {
        (void)prov_vendor_parse(old.vendor, &vendor);
    }
    snprintf(user, sizeof(user), "%s@%s", ref.ext, ref.tenant.domain);
    if (prov_token_new(token) != 0
        || prov_token_hash(sv_make(token, PROV_TOKEN_HEX), hash) != 0) {
        return ops_fail(resp, -EIO, NULL, NULL, "no randomness for the token");
    }

    /* The password change and the row commit together, or neither. */
    rc = store_begin(ctx->st);
    if (rc != 0) {
        return ops_fail_store(ctx, resp, rc, NULL);
    }
    sub_req = json_pack("{s:s, s:s, s:b}", "op", "user.set", "user", user,
                        "generate_password", 1);
    if (sub_req == NULL) {
        rc = ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
        goto fail;
    }
    rc = ops_user_set(ctx, sub_req, &sub_resp);
    if (rc != 0) {
        /* user.set's own error (policy, not found) is the answer. */
        json_decref(*resp);
        *resp = sub_resp;
        sub_resp = NULL;
        goto fail;
    }
    const char *gen =
        json_string_value(json_object_get(sub_resp, "sip_password"));
    if (gen == NULL || strlen(gen) >= sizeof(pw)) {
        rc = ops_fail(resp, -EIO, NULL, NULL, "no password was generated");
        goto fail;
    }
    memcpy(pw, gen, strlen(gen) + 1);
    rc = store_prov_put(ctx->st, ref.user.id, hash, prov_vendor_name(vendor),
                        pw, clock_wall_s(ctx->clock));
    sodium_memzero(pw, sizeof(pw));
    if (rc != 0) {
        rc = ops_fail_store(ctx, resp, rc, ref.field);
        goto fail;
    }
    rc = store_commit(ctx->st);
    if (rc != 0) {
        rc = ops_fail_store(ctx, resp, rc, NULL);
        goto fail;
    }
    json_decref(sub_req);
    json_decref(sub_resp);
    sub_req = sub_resp = NULL;
    {
        json_t *note = json_pack("{s:s, s:s}", "user", user, "vendor",
                                 prov_vendor_name(vendor));
        if (note != NULL) {
            ops_notify_change(ctx, op, note);
            json_decref(note);
        }
    }
    char path[sizeof(PROV_PATH_PREFIX) + PROV_TOKEN_HEX + 2];
    snprintf(path, sizeof(path), "%s%s/", PROV_PATH_PREFIX, token);
    rc = ops_ok(resp);
    if (rc == 0) {
        rc = ops_set(resp, "user", json_string(user));
    }
    if (rc == 0) {
        rc = ops_set(resp, "vendor", json_string(prov_vendor_name(vendor)));
    }
    if (rc == 0) {
        rc = ops_set(resp, "token", json_string(token));
    }
    if (rc == 0) {
        rc = ops_set(resp, "path", json_string(path));
    }
    if (rc == 0) {
        rc = ops_set(resp, "files", files_json(vendor));
    }
    sodium_memzero(token, sizeof(token));
    return rc;

fail:
    (void)store_rollback(ctx->st);
    json_decref(sub_req);
    json_decref(sub_resp);
    sodium_memzero(token, sizeof(token));
    sodium_memzero(pw, sizeof(pw));
    return rc;
}

int ops_prov_enable(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return prov_set(ctx, req, resp, false);
}

int ops_prov_rotate(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return prov_set(ctx, req, resp, true);
}

int ops_prov_disable(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "user", "ext", "domain", NULL };
    struct prov_ref ref;
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ref_parse(ctx, req, &ref, resp);
    }
    if (rc != 0) {
        return rc;
    }
    snprintf(user, sizeof(user), "%s@%s", ref.ext, ref.tenant.domain);
    rc = store_prov_del(ctx->st, ref.user.id);
    if (rc == -ENOENT) {
        return ops_fail(resp, rc, NULL, ref.field,
                        "provisioning is not enabled for %s", user);
    }
    if (rc != 0) {
        return ops_fail_store(ctx, resp, rc, ref.field);
    }
    json_t *note = json_pack("{s:s}", "user", user);
    if (note != NULL) {
        ops_notify_change(ctx, "prov.disable", note);
        json_decref(note);
    }
    rc = ops_ok(resp);
    if (rc == 0) {
        rc = ops_set(resp, "user", json_string(user));
    }
    return rc;
}

static int list_cb(void *ud, const struct store_prov *p)
{
    char user[STORE_EXT_MAX + STORE_DOMAIN_MAX + 2];
    snprintf(user, sizeof(user), "%s@%s", p->ext, p->domain);
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:o, s:s, s:I, s:I, s:s, s:I}", "user", user, "domain",
        p->domain, "ext", p->ext, "name", ops_json_string(p->name), "vendor",
        p->vendor, "created_at", (json_int_t)p->created_at, "last_fetch_ms",
        (json_int_t)p->last_fetch_ms, "last_fetch_ip", p->last_fetch_ip,
        "fetch_count", (json_int_t)p->fetch_count);
    if (o == NULL || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

int ops_prov_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", NULL };
    const char *domain = NULL;
    struct store_tenant t;
    int64_t tenant_id = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "domain", false, &domain, resp);
    }
    if (rc == 0 && domain != NULL) {
        rc = ops_tenant_lookup(ctx, domain, "domain", &t, resp);
        tenant_id = t.id;
    }
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (arr == NULL) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_prov_list(ctx->st, tenant_id, list_cb, arr);
    if (rc != 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "provisioning", arr);
}
