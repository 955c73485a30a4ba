/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alerts commands. The daemon's control socket answers at once (the
 * main loop never waits on the network); the CLI polls alert.status until
 * the alert thread reports the test it asked for.
 */
#include "cli/alert_cmds.h"

#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/sv.h"
#include "cli/cli.h"
#include "cli/cli_int.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define POLL_MS 100

static const char usage[] =
    "usage: sipwarden alerts test [--json] [--wait SECONDS]\n"
    "       sipwarden alerts status [--json]\n";

/* Send {"op": op}; 0 with *resp when ok:true, else the exit code. */
static int ask(const struct cli_env *env, FILE *out, FILE *err, const char *op,
               bool quiet_fail, json_t **resp)
{
    json_t *req = json_pack("{s:s}", "op", op);
    if (!req) {
        fputs("sipwarden: out of memory\n", err);
        return EXIT_FAIL;
    }
    int rc = cli_run_request(env, out, err, req, op, resp);
    if (rc != 0) {
        return rc;
    }
    if (!json_is_true(json_object_get(*resp, "ok"))) {
        if (!quiet_fail) {
            const char *m = json_string_value(json_object_get(*resp, "error"));
            fprintf(err, "sipwarden: error: %s\n", m ? m : "failed");
        }
        return EXIT_FAIL;
    }
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static const char *str_of(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "?";
}

static int cmd_test(int argc, char **argv, const struct cli_env *env, FILE *out,
                    FILE *err)
{
    bool as_json = false;
    uint64_t wait_s = 30;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc
                   && sv_to_u64(sv_cstr(argv[i + 1]), 600, &wait_s) == 0
                   && wait_s > 0) {
            i++;
        } else {
            fputs(usage, err);
            return EXIT_USAGE;
        }
    }
    json_t *resp = NULL;
    int rc = ask(env, out, err, "alert.test", false, &resp);
    if (rc != 0) {
        json_decref(resp);
        return rc;
    }
    json_int_t id = json_integer_value(json_object_get(resp, "id"));
    json_decref(resp);
    resp = NULL;
    json_t *test = NULL;
    json_t *alerts = NULL;
    for (uint64_t waited = 0; waited <= wait_s * 1000; waited += POLL_MS) {
        json_decref(resp);
        resp = NULL;
        rc = ask(env, out, err, "alert.status", false, &resp);
        if (rc != 0) {
            json_decref(resp);
            return rc;
        }
        alerts = json_object_get(resp, "alerts");
        test = json_object_get(alerts, "test");
        if (json_integer_value(json_object_get(test, "id")) >= id) {
            break;
        }
        test = NULL;
        sleep_ms(POLL_MS);
    }
    if (!test) {
        fprintf(err, "sipwarden: test alert %lld not sent within %llu s\n",
                (long long)id, (unsigned long long)wait_s);
        json_decref(resp);
        return EXIT_FAIL;
    }
    const char *w = str_of(test, "webhook");
    const char *m = str_of(test, "mail");
    bool ok = (strcmp(w, "ok") == 0 || strcmp(w, "off") == 0)
              && (strcmp(m, "ok") == 0 || strcmp(m, "off") == 0);
    if (as_json) {
        json_dumpf(test, out, JSON_INDENT(2));
        fputc('\n', out);
    } else {
        /* Error texts are libcurl's, not remote bytes: printed as they are. */
        fprintf(out, "test alert %lld\n  webhook: %s\n  e-mail:  %s\n",
                (long long)id, w, m);
    }
    json_decref(resp);
    return ok ? EXIT_OK : EXIT_FAIL;
}

static void print_chan(FILE *out, const char *name, const json_t *c)
{
    if (!json_is_true(json_object_get(c, "on"))) {
        fprintf(out, "  %-8s off\n", name);
        return;
    }
    fprintf(out, "  %-8s sent %lld, failed %lld, retries %lld\n", name,
            (long long)json_integer_value(json_object_get(c, "sent")),
            (long long)json_integer_value(json_object_get(c, "failed")),
            (long long)json_integer_value(json_object_get(c, "retries")));
}

static int cmd_status(int argc, char **argv, const struct cli_env *env,
                      FILE *out, FILE *err)
{
    bool as_json = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") != 0) {
            fputs(usage, err);
            return EXIT_USAGE;
        }
        as_json = true;
    }
    json_t *resp = NULL;
    int rc = ask(env, out, err, "alert.status", false, &resp);
    if (rc == 0) {
        json_t *a = json_object_get(resp, "alerts");
        if (as_json) {
            json_dumpf(resp, out, JSON_INDENT(2));
            fputc('\n', out);
        } else {
            json_t *ch = json_object_get(a, "channels");
            fprintf(
                out,
                "alerts %lld (suppressed %lld), queued %lld, dropped "
                "%lld\n",
                (long long)json_integer_value(json_object_get(a, "alerts")),
                (long long)json_integer_value(json_object_get(a, "suppressed")),
                (long long)json_integer_value(json_object_get(a, "queued")),
                (long long)json_integer_value(json_object_get(a, "dropped")));
            print_chan(out, "webhook", json_object_get(ch, "webhook"));
            print_chan(out, "e-mail", json_object_get(ch, "mail"));
        }
    }
    json_decref(resp);
    return rc;
}

int cli_alert_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err)
{
    if (argc < 1 || strcmp(argv[0], "alerts") != 0) {
        return -ENOSYS;
    }
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "test") == 0) {
        return cmd_test(argc - 2, argv + 2, env, out, err);
    }
    if (strcmp(sub, "status") == 0) {
        return cmd_status(argc - 2, argv + 2, env, out, err);
    }
    if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
        fputs(usage, out);
        return EXIT_OK;
    }
    fputs(usage, err);
    return EXIT_USAGE;
}
