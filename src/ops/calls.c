/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tenant-level call configuration operations: groups and their members,
 * the country profile (the time zone must exist in the system's zoneinfo),
 * the number lists (allowed country codes, disallowed prefixes, emergency
 * numbers, holidays) and office hours; plus the request helpers the call
 * operations share. Trunks are in trunk.c, rules in rules.c, limits,
 * fraud, suspensions and CDRs in cdr.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "ops/ops_int.h"
#include "route/emergency.h"
#include "store/store.h"

#ifndef SW_ZONEINFO_DIR
#define SW_ZONEINFO_DIR "/usr/share/zoneinfo"
#endif

/* ------------------------------------------------------------------ */
/* Shared request helpers                                               */
/* ------------------------------------------------------------------ */

int ops_get_uint(const json_t *req, const char *key, uint32_t lo, uint32_t hi,
                 uint32_t *out, bool *present, json_t **resp)
{
    json_t *v = json_object_get(req, key);
    if (!v || json_is_null(v)) {
        if (present) {
            *present = false;
            return 0;
        }
        return ops_fail(resp, -EINVAL, NULL, key, "%s is required", key);
    }
    if (present) {
        *present = true;
    }
    json_int_t i = -1;
    bool ok = false;
    if (json_is_integer(v)) {
        i = json_integer_value(v);
        ok = true;
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        ok = n > 0 && n <= 10 && strspn(s, "0123456789") == n;
        i = 0;
        for (size_t k = 0; ok && k < n; k++) {
            i = i * 10 + (s[k] - '0');
        }
    }
    if (!ok || i < (json_int_t)lo || i > (json_int_t)hi) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s must be a whole number in %u..%u", key,
                        (unsigned)lo, (unsigned)hi);
    }
    *out = (uint32_t)i;
    return 0;
}

/* Append one list item (trimmed) into items. */
static int list_put(const char *key, const char *s, size_t len, char *items,
                    size_t item_cap, size_t cap, size_t *n, json_t **resp)
{
    while (len > 0 && *s == ' ') {
        s++;
        len--;
    }
    while (len > 0 && s[len - 1] == ' ') {
        len--;
    }
    if (len == 0) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s has an empty item", key);
    }
    if (*n >= cap) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s has more than %zu items",
                        key, cap);
    }
    if (len >= item_cap || memchr(s, '\0', len)) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s: item %zu is longer than %zu bytes", key, *n + 1,
                        item_cap - 1);
    }
    memcpy(items + *n * item_cap, s, len);
    items[*n * item_cap + len] = '\0';
    (*n)++;
    return 0;
}

int ops_get_list(const json_t *req, const char *key, char *items,
                 size_t item_cap, size_t cap, size_t *n, json_t **resp)
{
    json_t *v = json_object_get(req, key);
    *n = 0;
    if (!v || json_is_null(v)) {
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        if (len == 0) {
            return 0;
        }
        for (;;) {
            const char *comma = memchr(s, ',', len);
            size_t part = comma ? (size_t)(comma - s) : len;
            int rc = list_put(key, s, part, items, item_cap, cap, n, resp);
            if (rc != 0 || !comma) {
                return rc;
            }
            len -= part + 1;
            s = comma + 1;
        }
    }
    if (!json_is_array(v)) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s must be a list of strings", key);
    }
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e)) {
            return ops_fail(resp, -EINVAL, NULL, key,
                            "%s must be a list of strings", key);
        }
        int rc = list_put(key, json_string_value(e), json_string_length(e),
                          items, item_cap, cap, n, resp);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

int ops_tenant_list(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                    ops_tenant_fill_fn *fill, const char *key)
{
    static const char *const allowed[] = { "domain", NULL };
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    json_t *arr = json_array();
    if (!arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = fill(ctx->st, t.id, arr);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, key, arr);
}

int ops_tenant_rm_id(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                     ops_tenant_rm_fn *rm, const char *op)
{
    static const char *const allowed[] = { "domain", "id", NULL };
    struct store_tenant t;
    uint32_t id = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_uint(req, "id", 1, UINT32_MAX, &id, NULL, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = rm(ctx->st, t.id, id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "id");
    }
    ops_notify_change(ctx, op, req);
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "id", json_integer(id));
}

int ops_domain_tenant(struct ops_ctx *ctx, const json_t *req,
                      struct store_tenant *t, json_t **resp)
{
    const char *domain = NULL;
    int rc = ops_get_str(req, "domain", true, &domain, resp);
    if (rc != 0) {
        return rc;
    }
    return ops_tenant_lookup(ctx, domain, "domain", t, resp);
}

int ops_user_lookup(struct ops_ctx *ctx, const struct store_tenant *t,
                    const char *ext, const char *field, struct store_user *u,
                    json_t **resp)
{
    const char *why = NULL;
    if (store_ext_check(ext, &why) < 0) {
        return ops_fail(resp, -EINVAL, NULL, field, "%s: %s", field, why);
    }
    int rc = store_user_find(ctx->st, t->id, ext, u);
    if (rc == -ENOENT) {
        return ops_fail(resp, rc, NULL, field, "no user %s@%s", ext, t->domain);
    }
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, field);
    }
    return 0;
}

int ops_parse_hhmm(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9'
        || s[1] < '0' || s[1] > '9' || s[3] < '0' || s[3] > '5' || s[4] < '0'
        || s[4] > '9') {
        return -1;
    }
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || (h == 24 && m != 0)) {
        return -1;
    }
    return h * 60 + m;
}

void ops_fmt_hhmm(uint32_t min, char buf[6])
{
    snprintf(buf, 6, "%02u:%02u", (min / 60) % 25, min % 60);
}

/* Run 'rc' through the store-error path or notify and answer ok. */
static int done(struct ops_ctx *ctx, const char *op, const json_t *req,
                json_t **resp)
{
    ops_notify_change(ctx, op, req);
    return ops_ok(resp);
}

/* Text member 'key' (optional unless 'required') of at most 'max' bytes
 * without control characters. */
static int get_text(const json_t *req, const char *key, bool required,
                    size_t max, const char **out, json_t **resp)
{
    int rc = ops_get_str(req, key, required, out, resp);
    if (rc != 0 || !*out) {
        return rc;
    }
    if (strlen(*out) > max) {
        return ops_fail(resp, -EINVAL, NULL, key, "%s is longer than %zu bytes",
                        key, max);
    }
    for (const unsigned char *p = (const unsigned char *)*out; *p; p++) {
        if (*p < 0x20 || *p == 0x7f) {
            return ops_fail(resp, -EINVAL, NULL, key,
                            "%s contains a control character", key);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Groups                                                               */
/* ------------------------------------------------------------------ */

static int member_cb(void *ud, int64_t user_id, const char *ext)
{
    (void)user_id;
    json_t *s = ops_json_string(ext);
    if (!s || json_array_append_new(ud, s) != 0) {
        return -ENOMEM;
    }
    return 0;
}

/* {id, name, members[]} of a group (members read from the store). */
static json_t *group_json(struct ops_ctx *ctx, const struct store_group *g,
                          int *rc)
{
    json_t *members = json_array();
    if (!members) {
        *rc = -ENOMEM;
        return NULL;
    }
    *rc = store_group_member_list(ctx->st, g->id, member_cb, members);
    if (*rc < 0) {
        json_decref(members);
        return NULL;
    }
    json_t *o = json_pack("{s:I, s:o, s:o, s:I}", "id", (json_int_t)g->id,
                          "name", ops_json_string(g->name), "members", members,
                          "created_at", (json_int_t)g->created_at);
    if (!o) {
        *rc = -ENOMEM;
    }
    return o;
}

/* The tenant ("domain") and the group ("name") of a request. */
static int group_ref(struct ops_ctx *ctx, const json_t *req,
                     struct store_tenant *t, struct store_group *g,
                     json_t **resp)
{
    const char *name = NULL;
    int rc = ops_domain_tenant(ctx, req, t, resp);
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_group_find(ctx->st, t->id, name, g);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    return 0;
}

int ops_group_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "name", NULL };
    struct store_tenant t;
    struct store_group g;
    const char *name = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_group_add(ctx->st, t.id, name, clock_wall_s(ctx->clock), NULL);
    if (rc == 0) {
        rc = store_group_find(ctx->st, t.id, name, &g);
    }
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    json_t *o = group_json(ctx, &g, &rc);
    if (!o) {
        return ops_fail_walk(ctx, resp, rc);
    }
    rc = done(ctx, "group.add", req, resp);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    return ops_set(resp, "group", o);
}

struct group_ids {
    struct store_group g[256];
    size_t n;
    bool more;
};

static int collect_group(void *ud, const struct store_group *g)
{
    struct group_ids *w = ud;
    if (w->n >= sizeof(w->g) / sizeof(w->g[0])) {
        w->more = true;
        return 1;
    }
    w->g[w->n++] = *g;
    return 0;
}

int ops_group_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", NULL };
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    /* Collect first, then read each group's members: a walk's callback
     * must not use the store. */
    struct group_ids *w = calloc(1, sizeof(*w));
    json_t *arr = json_array();
    if (!w || !arr) {
        free(w);
        json_decref(arr);
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_group_list(ctx->st, t.id, collect_group, w);
    for (size_t i = 0; rc >= 0 && i < w->n; i++) {
        json_t *o = group_json(ctx, &w->g[i], &rc);
        if (o && json_array_append_new(arr, o) != 0) {
            rc = -ENOMEM;
        }
    }
    free(w);
    if (rc < 0) {
        json_decref(arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, "groups", arr);
}

int ops_group_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "name", NULL };
    struct store_tenant t;
    const char *name = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "name", true, &name, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_group_rm(ctx->st, t.id, name);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    rc = done(ctx, "group.rm", req, resp);
    return rc < 0 ? rc : ops_set(resp, "name", ops_json_string(name));
}

static int member_op(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                     bool add)
{
    static const char *const allowed[] = { "domain", "name", "ext", NULL };
    struct store_tenant t;
    struct store_group g;
    struct store_user u;
    const char *ext = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = group_ref(ctx, req, &t, &g, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, "ext", true, &ext, resp);
    }
    if (rc == 0) {
        rc = ops_user_lookup(ctx, &t, ext, "ext", &u, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = add ? store_group_member_add(ctx->st, g.id, u.id)
             : store_group_member_rm(ctx->st, g.id, u.id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "ext");
    }
    rc = store_group_find(ctx->st, t.id, g.name, &g);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "name");
    }
    json_t *o = group_json(ctx, &g, &rc);
    if (!o) {
        return ops_fail_walk(ctx, resp, rc);
    }
    rc = done(ctx, add ? "group.member.add" : "group.member.rm", req, resp);
    if (rc < 0) {
        json_decref(o);
        return rc;
    }
    return ops_set(resp, "group", o);
}

int ops_group_member_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return member_op(ctx, req, resp, true);
}

int ops_group_member_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return member_op(ctx, req, resp, false);
}

/* ------------------------------------------------------------------ */
/* Country profile                                                      */
/* ------------------------------------------------------------------ */

/* Does <zoneinfo>/<tz> exist as a TZif file? */
static bool tz_exists(const char *tz)
{
    char path[512];
    char magic[4];
    struct stat sb;
    int n = snprintf(path, sizeof(path), "%s/%s", SW_ZONEINFO_DIR, tz);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        return false;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1) {
        return false;
    }
    bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)
              && read(fd, magic, sizeof(magic)) == (ssize_t)sizeof(magic)
              && memcmp(magic, "TZif", 4) == 0;
    close(fd);
    return ok;
}

static json_t *profile_json(const char *domain,
                            const struct store_tenant_profile *p)
{
    return json_pack(
        "{s:o, s:s, s:s, s:s, s:o, s:I}", "domain", ops_json_string(domain),
        "country_code", p->country_code, "national_prefix", p->national_prefix,
        "international_prefix", p->intl_prefix, "time_zone",
        ops_json_string(p->time_zone), "updated_at", (json_int_t)p->updated_at);
}

/* Copy member 'key' into dst (cap bytes) or fail naming it. */
static int copy_member(const json_t *req, const char *key, bool required,
                       char *dst, size_t cap, json_t **resp)
{
    const char *v = NULL;
    int rc = ops_get_str(req, key, required, &v, resp);
    if (rc != 0 || !v) {
        return rc;
    }
    if (strlen(v) >= cap) {
        return ops_fail(resp, -EINVAL, NULL, key,
                        "%s is longer than %zu characters", key, cap - 1);
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

static int count_item(void *ud, const struct store_list_item *it)
{
    (void)it;
    (*(size_t *)ud)++;
    return 0;
}

/* A tenant without emergency numbers gets its country's usual ones, so no
 * tenant can start without a way to call for help. Returns the numbers
 * added (a JSON array), or NULL when the tenant had some already. */
static json_t *seed_emergency(struct ops_ctx *ctx, int64_t tenant_id,
                              const char *cc)
{
    size_t n = 0;
    if (store_list_walk(ctx->st, STORE_LIST_EMERGENCY, tenant_id, count_item,
                        &n)
            != 0
        || n > 0) {
        return NULL;
    }
    json_t *added = json_array();
    char descr[48];
    snprintf(descr, sizeof(descr), "default for +%s", cc);
    for (const char *const *num = route_emergency_defaults(cc); *num; num++) {
        if (store_list_add(ctx->st, STORE_LIST_EMERGENCY, tenant_id, *num,
                           descr, clock_wall_s(ctx->clock), NULL)
            == 0) {
            json_array_append_new(added, json_string(*num));
        }
    }
    return added;
}

int ops_profile_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = {
        "domain",          "country_code",
        "national_prefix", "international_prefix",
        "time_zone",       NULL
    };
    struct store_tenant t;
    struct store_tenant_profile p = { .national_prefix = "0",
                                      .intl_prefix = "00" };
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    /* Members left out keep their stored values (or the defaults). */
    bool had = store_profile_get(ctx->st, t.id, &p) == 0;
    rc = copy_member(req, "country_code", !had, p.country_code,
                     sizeof(p.country_code), resp);
    if (rc == 0) {
        rc = copy_member(req, "national_prefix", false, p.national_prefix,
                         sizeof(p.national_prefix), resp);
    }
    if (rc == 0) {
        rc = copy_member(req, "international_prefix", false, p.intl_prefix,
                         sizeof(p.intl_prefix), resp);
    }
    if (rc == 0) {
        rc = copy_member(req, "time_zone", !had, p.time_zone,
                         sizeof(p.time_zone), resp);
    }
    if (rc != 0) {
        return rc;
    }
    const char *cc = p.country_code;
    if (strspn(cc, "0123456789") != strlen(cc) || !cc[0] || cc[0] == '0') {
        return ops_fail(resp, -EINVAL, NULL, "country_code",
                        "country_code must be 1..3 digits not starting with "
                        "0 (33 for France, 1 for NANP)");
    }
    if (strspn(p.national_prefix, "0123456789") != strlen(p.national_prefix)) {
        return ops_fail(resp, -EINVAL, NULL, "national_prefix",
                        "national_prefix must be 0..4 digits");
    }
    if (!p.intl_prefix[0]
        || strspn(p.intl_prefix, "0123456789") != strlen(p.intl_prefix)) {
        return ops_fail(resp, -EINVAL, NULL, "international_prefix",
                        "international_prefix must be 1..4 digits");
    }
    json_t *tzv = json_object_get(req, "time_zone");
    if (tzv && !tz_exists(p.time_zone)) {
        return ops_fail(resp, -EINVAL, NULL, "time_zone",
                        "time_zone %s is not a time zone known to this "
                        "system (IANA names such as Europe/Paris)",
                        p.time_zone);
    }
    rc = store_profile_set(ctx->st, t.id, &p, clock_wall_s(ctx->clock));
    if (rc == 0) {
        rc = store_profile_get(ctx->st, t.id, &p);
    }
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "time_zone");
    }
    json_t *seeded = seed_emergency(ctx, t.id, p.country_code);
    rc = done(ctx, "tenant.profile.set", req, resp);
    if (rc < 0) {
        json_decref(seeded);
        return rc;
    }
    json_t *prof = profile_json(t.domain, &p);
    if (prof && seeded) {
        json_object_set_new(prof, "emergency_added", seeded);
    } else {
        json_decref(seeded);
    }
    return ops_set(resp, "profile", prof);
}

int ops_profile_show(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", NULL };
    struct store_tenant t;
    struct store_tenant_profile p;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_profile_get(ctx->st, t.id, &p);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "domain");
    }
    if (ops_ok(resp) < 0) {
        return -ENOMEM;
    }
    return ops_set(resp, "profile", profile_json(t.domain, &p));
}

/* ------------------------------------------------------------------ */
/* Number lists                                                         */
/* ------------------------------------------------------------------ */

struct list_op {
    enum store_list_kind kind;
    const char *member; /* request / response member of the value */
    const char *array;  /* list response member */
    const char *add_op;
    const char *rm_op;
};

static const struct list_op list_ops[STORE_LIST_KINDS] = {
    [STORE_LIST_COUNTRY] = { STORE_LIST_COUNTRY, "country_code", "countries",
                             "country.allow", "country.rm" },
    [STORE_LIST_PREFIX] = { STORE_LIST_PREFIX, "prefix", "prefixes",
                            "prefix.block", "prefix.rm" },
    [STORE_LIST_EMERGENCY] = { STORE_LIST_EMERGENCY, "number", "numbers",
                               "emergency.add", "emergency.rm" },
    [STORE_LIST_HOLIDAY] = { STORE_LIST_HOLIDAY, "date", "holidays",
                             "holiday.add", "holiday.rm" },
};

static json_t *item_json(const struct list_op *lo,
                         const struct store_list_item *it)
{
    return json_pack("{s:I, s:o, s:o, s:I}", "id", (json_int_t)it->id,
                     lo->member, ops_json_string(it->value), "description",
                     ops_json_string(it->descr), "created_at",
                     (json_int_t)it->created_at);
}

static int list_add(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                    enum store_list_kind kind)
{
    const struct list_op *lo = &list_ops[kind];
    const char *const allowed[] = { "domain", lo->member, "description", NULL };
    struct store_tenant t;
    const char *value = NULL;
    const char *descr = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, lo->member, true, &value, resp);
    }
    if (rc == 0) {
        rc = get_text(req, "description", false, STORE_DESCR_MAX, &descr, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct store_list_item it = { .tenant_id = t.id,
                                  .created_at = clock_wall_s(ctx->clock) };
    rc = store_list_add(ctx->st, kind, t.id, value, descr, it.created_at,
                        &it.id);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, lo->member);
    }
    snprintf(it.value, sizeof(it.value), "%s", value);
    snprintf(it.descr, sizeof(it.descr), "%s", descr ? descr : "");
    rc = done(ctx, lo->add_op, req, resp);
    return rc < 0 ? rc : ops_set(resp, "entry", item_json(lo, &it));
}

struct item_walk {
    const struct list_op *lo;
    json_t *arr;
};

static int item_cb(void *ud, const struct store_list_item *it)
{
    struct item_walk *w = ud;
    json_t *o = item_json(w->lo, it);
    if (!o || json_array_append_new(w->arr, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int list_list(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                     enum store_list_kind kind)
{
    static const char *const allowed[] = { "domain", NULL };
    struct store_tenant t;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc != 0) {
        return rc;
    }
    struct item_walk w = { &list_ops[kind], json_array() };
    if (!w.arr) {
        return ops_fail(resp, -ENOMEM, NULL, NULL, "out of memory");
    }
    rc = store_list_walk(ctx->st, kind, t.id, item_cb, &w);
    if (rc < 0) {
        json_decref(w.arr);
        return ops_fail_walk(ctx, resp, rc);
    }
    return ops_ok_with(resp, list_ops[kind].array, w.arr);
}

static int list_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp,
                   enum store_list_kind kind)
{
    const struct list_op *lo = &list_ops[kind];
    const char *const allowed[] = { "domain", lo->member, NULL };
    struct store_tenant t;
    const char *value = NULL;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = ops_get_str(req, lo->member, true, &value, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_list_rm(ctx->st, kind, t.id, value);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, lo->member);
    }
    rc = done(ctx, lo->rm_op, req, resp);
    return rc < 0 ? rc : ops_set(resp, lo->member, ops_json_string(value));
}

int ops_country_allow(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_add(ctx, req, resp, STORE_LIST_COUNTRY);
}

int ops_country_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_list(ctx, req, resp, STORE_LIST_COUNTRY);
}

int ops_country_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_rm(ctx, req, resp, STORE_LIST_COUNTRY);
}

int ops_prefix_block(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_add(ctx, req, resp, STORE_LIST_PREFIX);
}

int ops_prefix_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_list(ctx, req, resp, STORE_LIST_PREFIX);
}

int ops_prefix_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_rm(ctx, req, resp, STORE_LIST_PREFIX);
}

int ops_emergency_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_add(ctx, req, resp, STORE_LIST_EMERGENCY);
}

int ops_emergency_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_list(ctx, req, resp, STORE_LIST_EMERGENCY);
}

int ops_emergency_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_rm(ctx, req, resp, STORE_LIST_EMERGENCY);
}

int ops_holiday_add(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_add(ctx, req, resp, STORE_LIST_HOLIDAY);
}

int ops_holiday_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_list(ctx, req, resp, STORE_LIST_HOLIDAY);
}

int ops_holiday_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return list_rm(ctx, req, resp, STORE_LIST_HOLIDAY);
}

/* ------------------------------------------------------------------ */
/* Office hours                                                         */
/* ------------------------------------------------------------------ */

static const char *const day_names[] = { "sun", "mon", "tue", "wed",
                                         "thu", "fri", "sat" };

/* Member "day": 0..6 or a three-letter English name. */
static int get_day(const json_t *req, uint32_t *out, json_t **resp)
{
    json_t *v = json_object_get(req, "day");
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        for (uint32_t i = 0; i < 7; i++) {
            if (strcasecmp(s, day_names[i]) == 0) {
                *out = i;
                return 0;
            }
        }
        if (strlen(s) == 1 && s[0] >= '0' && s[0] <= '6') {
            *out = (uint32_t)(s[0] - '0');
            return 0;
        }
        return ops_fail(resp, -EINVAL, NULL, "day",
                        "day must be sun, mon, tue, wed, thu, fri, sat or "
                        "0..6 (0 is Sunday)");
    }
    return ops_get_uint(req, "day", 0, 6, out, NULL, resp);
}

static json_t *hours_json(const struct store_hours *h)
{
    char start[6];
    char end[6];
    ops_fmt_hhmm(h->start_min, start);
    ops_fmt_hhmm(h->end_min, end);
    return json_pack("{s:I, s:I, s:s, s:s, s:s}", "id", (json_int_t)h->id,
                     "weekday", (json_int_t)h->weekday, "day",
                     day_names[h->weekday % 7], "start", start, "end", end);
}

enum { HOURS_MAX = 8 };

int ops_hours_set(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "day", "ranges", NULL };
    struct store_tenant t;
    uint32_t day = 0;
    char items[HOURS_MAX][16];
    size_t n = 0;
    struct store_hours ranges[HOURS_MAX];
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = get_day(req, &day, resp);
    }
    if (rc == 0) {
        rc = ops_get_list(req, "ranges", items[0], sizeof(items[0]), HOURS_MAX,
                          &n, resp);
    }
    if (rc != 0) {
        return rc;
    }
    if (n == 0) {
        return ops_fail(resp, -EINVAL, NULL, "ranges",
                        "ranges is required (HH:MM-HH:MM, ...); use hours.rm "
                        "to close a day");
    }
    for (size_t i = 0; i < n; i++) {
        char *dash = strchr(items[i], '-');
        int a = -1;
        int b = -1;
        if (dash) {
            *dash = '\0';
            a = ops_parse_hhmm(items[i]);
            b = ops_parse_hhmm(dash + 1);
        }
        if (a < 0 || b < 0 || a >= b) {
            return ops_fail(resp, -EINVAL, NULL, "ranges",
                            "range %zu must be HH:MM-HH:MM with the start "
                            "before the end",
                            i + 1);
        }
        ranges[i] = (struct store_hours){ .weekday = day,
                                          .start_min = (uint32_t)a,
                                          .end_min = (uint32_t)b };
    }
    rc = store_hours_set(ctx->st, t.id, day, ranges, n);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "ranges");
    }
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        if (json_array_append_new(arr, hours_json(&ranges[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    rc = done(ctx, "hours.set", req, resp);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    return ops_set(resp, "hours", arr);
}

static int hours_cb(void *ud, const struct store_hours *h)
{
    json_t *o = hours_json(h);
    if (!o || json_array_append_new(ud, o) != 0) {
        return -ENOMEM;
    }
    return 0;
}

static int fill_hours(struct store *st, int64_t tenant_id, json_t *arr)
{
    return store_hours_list(st, tenant_id, hours_cb, arr);
}

int ops_hours_list(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    return ops_tenant_list(ctx, req, resp, fill_hours, "hours");
}

int ops_hours_rm(struct ops_ctx *ctx, const json_t *req, json_t **resp)
{
    static const char *const allowed[] = { "domain", "day", NULL };
    struct store_tenant t;
    uint32_t day = 0;
    int rc = ops_members_check(req, allowed, resp);
    if (rc == 0) {
        rc = ops_domain_tenant(ctx, req, &t, resp);
    }
    if (rc == 0) {
        rc = get_day(req, &day, resp);
    }
    if (rc != 0) {
        return rc;
    }
    rc = store_hours_rm(ctx->st, t.id, day);
    if (rc < 0) {
        return ops_fail_store(ctx, resp, rc, "day");
    }
    rc = done(ctx, "hours.rm", req, resp);
    return rc < 0 ? rc : ops_set(resp, "day", json_string(day_names[day]));
}
