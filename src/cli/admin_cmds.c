/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sipwarden admin-settings show | set KEY VALUE`: the admin plane's
 * run-time settings (session timeouts, web login protection, allowed
 * networks, required 2FA...). They live in the database, so this works on
 * it directly whether or not the daemon runs; a running daemon picks a
 * change up on its next request. Parsing, ranges and the audit entry (actor
 * "cli") are src/admin's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin/admin.h"
#include "admin/settings.h"
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "store/store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define SYNOPSIS                                                             \
    "usage: sipwarden admin-settings show [--json]\n"                        \
    "       sipwarden admin-settings set KEY VALUE [--json]\n"               \
    "VALUE of allowed_networks: CIDR networks separated by commas (\"\" or " \
    "none: anywhere)\n"

static int usage(FILE *err, const char *what)
{
    fprintf(err, "sipwarden: %s\n" SYNOPSIS, what);
    return EXIT_USAGE;
}

/* The admin context over the data directory's store, with the stored
 * settings applied. */
struct admin_env {
    struct store *st;
    struct admin_ctx ctx;
    bool has_ctx;
};

static int env_open(struct admin_env *e, const struct cli_env *env, bool write,
                    FILE *err)
{
    char path[4096];
    char msg[STORE_ERRMSG_CAP + 4096];
    struct stat sb;
    memset(e, 0, sizeof(*e));
    if (!env->data_dir || !env->data_dir[0]) {
        fputs("sipwarden: no data directory configured\n", err);
        return EXIT_FAIL;
    }
    snprintf(path, sizeof(path), "%s/sipwarden.db", env->data_dir);
    if (!write && stat(path, &sb) == -1) {
        fprintf(err,
                "sipwarden: no database at %s (wrong -c file, or nothing "
                "added yet?)\n",
                path);
        return EXIT_FAIL;
    }
    if (store_open(env->data_dir, &e->st, msg, sizeof(msg)) < 0) {
        fprintf(err, "sipwarden: %s\n", msg);
        return EXIT_FAIL;
    }
    if (admin_ctx_init(&e->ctx, e->st, NULL, NULL) < 0) {
        fputs("sipwarden: out of memory\n", err);
        return EXIT_FAIL;
    }
    e->has_ctx = true;
    struct admin_config cfg = e->ctx.cfg;
    int rc = admin_settings_load(e->st, &cfg, msg, sizeof(msg));
    if (rc == -EIO) {
        fprintf(err, "sipwarden: %s\n", msg);
        return EXIT_FAIL;
    }
    if (rc == -EINVAL) {
        char safe[sizeof(msg)];
        cli_term_safe(msg, safe, sizeof(safe), 0);
        fprintf(err, "sipwarden: warning: %s\n", safe);
    }
    if (admin_ctx_set_config(&e->ctx, &cfg) < 0) {
        fputs("sipwarden: stored admin settings out of range\n", err);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static void env_close(struct admin_env *e)
{
    if (e->has_ctx) {
        admin_ctx_fini(&e->ctx);
    }
    store_close(e->st);
}

static void dump(json_t *o, FILE *out)
{
    json_dumpf(o, out, JSON_INDENT(2));
    fputc('\n', out);
    json_decref(o);
}

static int show(struct admin_env *e, bool json, FILE *out)
{
    size_t n = 0;
    const struct admin_setting_info *info = admin_settings_info(&n);
    char text[ADMIN_SETTING_TEXT_CAP];
    if (json) {
        json_t *o = json_pack("{s:b,s:o}", "ok", 1, "settings",
                              admin_settings_json(&e->ctx.cfg));
        if (!o) {
            return EXIT_FAIL;
        }
        dump(o, out);
        return EXIT_OK;
    }
    struct cli_table t;
    static const char *const head[] = { "KEY", "VALUE", "RANGE",
                                        "DESCRIPTION" };
    cli_table_init(&t, 4);
    cli_table_add(&t, head);
    for (size_t i = 0; i < n; i++) {
        admin_setting_format(&e->ctx.cfg, info[i].key, text, sizeof(text));
        const char *row[] = { info[i].key, text[0] ? text : "-", info[i].range,
                              info[i].help };
        cli_table_add(&t, row);
    }
    cli_table_print(&t, out);
    cli_table_fini(&t);
    return t.err ? EXIT_FAIL : EXIT_OK;
}

static int set(struct admin_env *e, const char *key, const char *value,
               bool json, FILE *out, FILE *err)
{
    char ip[128];
    char old[ADMIN_SETTING_TEXT_CAP] = "";
    char now[ADMIN_SETTING_TEXT_CAP] = "";
    struct admin_actor who = {
        .name = "cli",
        .client_ip = cli_ssh_client_ip(ip, sizeof(ip)),
    };
    struct admin_setting_err why;
    admin_setting_format(&e->ctx.cfg, key, old, sizeof(old));
    /* Local: no lock-out guard, this is how an operator gets back in. */
    int rc = admin_setting_change(&e->ctx, &who, key, value, NULL, &why);
    if (rc != 0) {
        char safe[sizeof(why.message) + 8];
        cli_term_safe(why.message, safe, sizeof(safe), 0);
        if (json) {
            dump(json_pack("{s:b,s:s,s:s,s:s}", "ok", 0, "error", safe, "field",
                           key, "rule", why.rule ? why.rule : "internal"),
                 out);
        }
        fprintf(err, "sipwarden: error: %s\n", safe);
        return EXIT_FAIL;
    }
    admin_setting_format(&e->ctx.cfg, key, now, sizeof(now));
    if (json) {
        const struct admin_setting_info *info = admin_setting_find(key);
        dump(json_pack("{s:b,s:s,s:o,s:o}", "ok", 1, "key", key, "value",
                       admin_setting_json(&e->ctx.cfg, info), "settings",
                       admin_settings_json(&e->ctx.cfg)),
             out);
        return EXIT_OK;
    }
    char line[2 * ADMIN_SETTING_TEXT_CAP + 64];
    char safe[sizeof(line)];
    snprintf(line, sizeof(line), "admin setting %s = %s (was %s)", key,
             now[0] ? now : "none", old[0] ? old : "none");
    cli_term_safe(line, safe, sizeof(safe), 0);
    fprintf(out, "%s\n", safe);
    return EXIT_OK;
}

int cli_admin_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err)
{
    const char *pos[3];
    int n_pos = 0;
    bool json = false;
    if (argc < 1 || strcmp(argv[0], "admin-settings") != 0) {
        return -ENOSYS;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "-h") == 0
                   || strcmp(argv[i], "--help") == 0) {
            fputs(SYNOPSIS, out);
            return EXIT_OK;
        } else if (n_pos == 3) {
            return usage(err, "too many arguments");
        } else {
            pos[n_pos++] = argv[i];
        }
    }
    bool is_show = n_pos == 1 && strcmp(pos[0], "show") == 0;
    bool is_set = n_pos == 3 && strcmp(pos[0], "set") == 0;
    if (!is_show && !is_set) {
        return usage(err, n_pos > 0 && strcmp(pos[0], "set") == 0
                              ? "set needs KEY and VALUE"
                              : "expected show or set");
    }
    struct admin_env e;
    int rc = env_open(&e, env, is_set, err);
    if (rc == EXIT_OK) {
        rc = is_show ? show(&e, json, out)
                     : set(&e, pos[1], pos[2], json, out, err);
    }
    env_close(&e);
    return rc;
}
