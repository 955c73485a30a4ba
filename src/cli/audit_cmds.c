/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sipwarden audit [--json]`: the security checklist (src/checklist,
 * operation audit.run). The running daemon answers with its own view
 * (firewall through its helper); without one the checklist runs here on
 * the database, probing nftables in this process (as root). Prints one
 * line per item, the fix under each warn or fail, and a summary; exits 1
 * when an item fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checklist/checklist.h"
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "fw/fw.h"
#include "ops/ops.h"
#include "store/store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Argon2id checks of account passwords make an audit slower than other
 * requests. */
#define AUDIT_TIMEOUT_MS 60000

#define SYNOPSIS "audit [--json]"

/* The in-process firewall probe: libnftables, as root. */
static int local_fw_probe(void *ud, char *why, size_t cap)
{
    const char *table = ud; /* the service table's name */
    return fw_svc_loaded(table, why, cap);
}

/* The checklist run here, on the database. */
static int run_offline(const struct cli_env *env, const json_t *req,
                       json_t **resp, FILE *err)
{
    char db_path[4096];
    char msg[STORE_ERRMSG_CAP + 4096];
    struct stat sb;
    struct store *st = NULL;

    snprintf(db_path, sizeof(db_path), "%s/sipwarden.db", env->data_dir);
    if (stat(db_path, &sb) == -1) {
        fprintf(err,
                "sipwarden: no database at %s (wrong -c file, or never "
                "started?)\n",
                db_path);
        return EXIT_FAIL;
    }
    if (store_open(env->data_dir, &st, msg, sizeof(msg)) < 0) {
        fprintf(err, "sipwarden: %s\n", msg);
        return EXIT_FAIL;
    }
    char table[sizeof(env->checklist->fw_svc_table)];
    snprintf(table, sizeof(table), "%s", env->checklist->fw_svc_table);
    struct checklist_ctx chk = { .conf = env->checklist,
                                 .fw_probe = local_fw_probe,
                                 .fw_ud = table };
    struct ops_ctx ctx = { .st = st, .audit = &chk };
    ops_exec(&ctx, req, resp);
    store_close(st);
    if (!*resp) {
        fputs("sipwarden: out of memory\n", err);
        return EXIT_FAIL;
    }
    return 0;
}

static int request(const struct cli_env *env, json_t **resp, FILE *err)
{
    char sock[4096];
    const char *sock_path = env->control_sock;
    json_t *req = json_pack("{s:s}", "op", "audit.run");
    int rc;

    if (!req) {
        fputs("sipwarden: out of memory\n", err);
        return EXIT_FAIL;
    }
    if (!sock_path) {
        snprintf(sock, sizeof(sock), "%s/control.sock", env->data_dir);
        sock_path = sock;
    }
    rc = cli_control_request(sock_path, req, resp,
                             env->timeout_ms ? env->timeout_ms
                                             : AUDIT_TIMEOUT_MS);
    if (rc == -ENOENT || rc == -ECONNREFUSED) {
        rc = run_offline(env, req, resp, err);
    } else if (rc != 0) {
        fprintf(err, "sipwarden: control socket %s: %s\n", sock_path,
                rc == -EPROTO ? "bad or missing response from the daemon"
                              : strerror(-rc));
        rc = EXIT_FAIL;
    }
    json_decref(req);
    return rc;
}

static const char *upper(const char *status)
{
    return strcmp(status, "pass") == 0   ? "PASS"
           : strcmp(status, "warn") == 0 ? "WARN"
           : strcmp(status, "fail") == 0 ? "FAIL"
                                         : "?";
}

static void print_text(const json_t *resp, FILE *out)
{
    const json_t *items = json_object_get(resp, "items");
    const json_t *sum = json_object_get(resp, "summary");
    char id[128];
    char title[256];
    char evidence[CHECKLIST_TEXT_CAP];
    char fix[CHECKLIST_TEXT_CAP];
    size_t i;
    const json_t *it;

    json_array_foreach(items, i, it)
    {
        const char *status = json_string_value(json_object_get(it, "status"));
        cli_term_safe(json_string_value(json_object_get(it, "id")), id,
                      sizeof(id), 0);
        cli_term_safe(json_string_value(json_object_get(it, "title")), title,
                      sizeof(title), 0);
        cli_term_safe(json_string_value(json_object_get(it, "evidence")),
                      evidence, sizeof(evidence), 0);
        fprintf(out, "%s  %-24s %s: %s\n", upper(status ? status : ""), id,
                title, evidence);
        if (status && strcmp(status, "pass") != 0) {
            cli_term_safe(json_string_value(json_object_get(it, "fix")), fix,
                          sizeof(fix), 0);
            fprintf(out, "      fix: %s\n", fix);
        }
    }
    fprintf(out, "%zu items: %lld pass, %lld warn, %lld fail\n",
            json_array_size(items),
            (long long)json_integer_value(json_object_get(sum, "pass")),
            (long long)json_integer_value(json_object_get(sum, "warn")),
            (long long)json_integer_value(json_object_get(sum, "fail")));
}

int cli_audit_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err)
{
    bool as_json = false;
    json_t *resp = NULL;

    if (argc < 1 || strcmp(argv[0], "audit") != 0) {
        return -ENOSYS;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            i++; /* the configuration file: main has read it */
        } else if (strcmp(argv[i], "--help") == 0
                   || strcmp(argv[i], "-h") == 0) {
            fprintf(out, "usage: sipwarden " SYNOPSIS "\n");
            return EXIT_OK;
        } else {
            char safe[128];
            cli_term_safe(argv[i], safe, sizeof(safe), 64);
            fprintf(
                err,
                "sipwarden: unexpected argument %s\nusage: sipwarden " SYNOPSIS
                "\n",
                safe);
            return EXIT_USAGE;
        }
    }
    if (!env->data_dir || !env->data_dir[0] || !env->checklist) {
        fputs("sipwarden: audit: no configuration to check\n", err);
        return EXIT_FAIL;
    }
    int rc = request(env, &resp, err);
    if (rc != 0) {
        return rc;
    }
    if (!json_is_true(json_object_get(resp, "ok"))) {
        char msg[512];
        cli_term_safe(json_string_value(json_object_get(resp, "error")), msg,
                      sizeof(msg), 0);
        fprintf(err, "sipwarden: audit: %s\n", msg);
        json_decref(resp);
        return EXIT_FAIL;
    }
    json_int_t n_fail = json_integer_value(
        json_object_get(json_object_get(resp, "summary"), "fail"));
    if (as_json) {
        json_object_del(resp, "ok");
        json_dumpf(resp, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', out);
    } else {
        print_text(resp, out);
    }
    json_decref(resp);
    return n_fail > 0 ? EXIT_FAIL : EXIT_OK;
}
