/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sipwarden provision ...`: argument parsing and printing around the
 * prov.* operations (ops/prov.c). The URL printed is built here from the
 * configuration's ports, since the operation only knows the path.
 */
#include "cli/prov_cmds.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_int.h"
#include "fw/render.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char *const synopses[] = {
    "provision enable EXT@DOMAIN [--vendor generic|yealink|polycom] "
    "[--host HOST] [--json]",
    "provision rotate EXT@DOMAIN [--vendor generic|yealink|polycom] "
    "[--host HOST] [--json]",
    "provision disable EXT@DOMAIN [--json]",
    "provision list [DOMAIN] [--json]",
};

static void usage_all(FILE *f)
{
    for (size_t i = 0; i < sizeof(synopses) / sizeof(synopses[0]); i++) {
        fprintf(f, "usage: sipwarden %s\n", synopses[i]);
    }
}

static int usage(FILE *err, const char *what, const char *arg)
{
    char safe[128];
    cli_term_safe(arg, safe, sizeof(safe), 64);
    fprintf(err, "sipwarden: %s%s%s\n", what, arg ? " " : "", arg ? safe : "");
    usage_all(err);
    return EXIT_USAGE;
}

static const char *jstr(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static void print_error(const json_t *resp, FILE *err)
{
    char safe[1024];
    cli_term_safe(jstr(resp, "error"), safe, sizeof(safe), 0);
    fprintf(err, "sipwarden: error: %s\n", safe);
}

struct prov_args {
    const char *user;
    const char *vendor;
    const char *host;
    bool json;
};

static int parse(int argc, char **argv, bool takes_vendor, bool user_required,
                 struct prov_args *a, FILE *err)
{
    memset(a, 0, sizeof(*a));
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--json") == 0) {
            a->json = true;
        } else if (takes_vendor && strcmp(s, "--vendor") == 0 && i + 1 < argc) {
            a->vendor = argv[++i];
        } else if (takes_vendor && strncmp(s, "--vendor=", 9) == 0) {
            a->vendor = s + 9;
        } else if (takes_vendor && strcmp(s, "--host") == 0 && i + 1 < argc) {
            a->host = argv[++i];
        } else if (takes_vendor && strncmp(s, "--host=", 7) == 0) {
            a->host = s + 7;
        } else if (s[0] == '-' || a->user != NULL) {
            return usage(err, "unexpected argument", s);
        } else {
            a->user = s;
        }
    }
    if (user_required && a->user == NULL) {
        return usage(err, "missing", "EXT@DOMAIN");
    }
    return 0;
}

static void print_urls(const json_t *resp, const struct prov_args *a,
                       const struct cli_env *env, FILE *out)
{
    char host[256];
    char safe[1024];
    if (a->host != NULL) {
        cli_term_safe(a->host, host, sizeof(host), 200);
    } else if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0') {
        snprintf(host, sizeof(host), "localhost");
    }
    host[sizeof(host) - 1] = '\0';
    uint16_t https = env->fw_svc != NULL ? env->fw_svc->http : 8887;
    uint16_t plain = env->fw_svc != NULL ? env->fw_svc->prov : 0;
    const char *path = jstr(resp, "path");
    cli_term_safe(jstr(resp, "user"), safe, sizeof(safe), 0);
    fprintf(out, "provisioning for %s (%s):\n", safe, jstr(resp, "vendor"));
    fprintf(out, "  https://%s:%u%s\n", host, (unsigned)(https ? https : 8887),
            path);
    if (plain != 0) {
        fprintf(out, "  http://%s:%u%s  (plain HTTP)\n", host, (unsigned)plain,
                path);
    }
    size_t i;
    json_t *v;
    fputs("files:", out);
    json_array_foreach(json_object_get(resp, "files"), i, v)
    {
        fprintf(out, " %s", json_string_value(v));
    }
    fputs("\nthe URL carries the phone's SIP password: it is shown only now "
          "(rotate to get a new one)\n",
          out);
}

static void print_list(const json_t *resp, FILE *out)
{
    struct cli_table t;
    size_t i;
    json_t *v;
    cli_table_init(&t, 5);
    const char *hdr[] = { "USER", "VENDOR", "FETCHES", "LAST FETCH", "FROM" };
    cli_table_add(&t, hdr);
    json_array_foreach(json_object_get(resp, "provisioning"), i, v)
    {
        char user[300];
        char count[24];
        char when[32] = "-";
        cli_term_safe(jstr(v, "user"), user, sizeof(user), 0);
        snprintf(
            count, sizeof(count), "%lld",
            (long long)json_integer_value(json_object_get(v, "fetch_count")));
        json_int_t ms = json_integer_value(json_object_get(v, "last_fetch_ms"));
        if (ms > 0) {
            time_t tt = (time_t)(ms / 1000);
            struct tm tm;
            if (gmtime_r(&tt, &tm) != NULL) {
                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
            }
        }
        const char *from = jstr(v, "last_fetch_ip");
        const char *row[] = { user, jstr(v, "vendor"), count, when,
                              from[0] ? from : "-" };
        cli_table_add(&t, row);
    }
    if (t.n_rows <= 1) {
        fputs("no extension has provisioning\n", out);
    } else {
        cli_table_print(&t, out);
    }
    cli_table_fini(&t);
}

int cli_prov_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                  FILE *err)
{
    if (argc < 1 || strcmp(argv[0], "provision") != 0) {
        return -ENOSYS;
    }
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub == NULL) {
        fputs("sipwarden: 'provision' needs a subcommand\n", err);
        usage_all(err);
        return EXIT_USAGE;
    }
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        usage_all(out);
        return EXIT_OK;
    }
    const char *op = strcmp(sub, "enable") == 0    ? "prov.enable"
                     : strcmp(sub, "rotate") == 0  ? "prov.rotate"
                     : strcmp(sub, "disable") == 0 ? "prov.disable"
                     : strcmp(sub, "list") == 0    ? "prov.list"
                                                   : NULL;
    if (op == NULL) {
        return usage(err, "unknown subcommand", sub);
    }
    bool is_list = strcmp(sub, "list") == 0;
    bool sets = strcmp(sub, "enable") == 0 || strcmp(sub, "rotate") == 0;
    struct prov_args a;
    int rc = parse(argc - 2, argv + 2, sets, !is_list, &a, err);
    if (rc != 0) {
        return rc;
    }
    json_t *req = json_pack("{s:s}", "op", op);
    if (req == NULL) {
        return EXIT_FAIL;
    }
    if (a.user != NULL) {
        json_object_set_new(req, is_list ? "domain" : "user",
                            json_string(a.user));
    }
    if (a.vendor != NULL) {
        json_object_set_new(req, "vendor", json_string(a.vendor));
    }
    json_t *resp = NULL;
    rc = cli_run_request(env, out, err, req, op, &resp);
    if (rc != 0) {
        return rc;
    }
    if (a.json) {
        json_dumpf(resp, out, JSON_INDENT(2));
        fputc('\n', out);
    }
    if (!json_is_true(json_object_get(resp, "ok"))) {
        print_error(resp, err);
        json_decref(resp);
        return EXIT_FAIL;
    }
    if (!a.json) {
        if (sets) {
            print_urls(resp, &a, env, out);
        } else if (is_list) {
            print_list(resp, out);
        } else {
            char safe[300];
            cli_term_safe(jstr(resp, "user"), safe, sizeof(safe), 0);
            fprintf(out, "provisioning disabled for %s\n", safe);
        }
    }
    json_decref(resp);
    return EXIT_OK;
}
