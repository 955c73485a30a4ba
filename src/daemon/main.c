/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sipwarden: `serve` runs the daemon, every other subcommand is the CLI.
 * This file only reads the global options and the configuration file and
 * hands over; it holds no logic of its own beyond `wait-ready`.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checklist/checklist.h"
#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/serve.h"
#include "fw/render.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: sipwarden [-c FILE] COMMAND [ARGS]\n"
            "\n"
            "  serve [-c FILE]            run the daemon\n"
            "  wait-ready [--timeout S]   wait until the daemon serves\n"
            "  stats [--json]             the running daemon's counters\n"
            "  tenant add|list ...        manage tenants (SIP domains)\n"
            "  user add|list|set|rm|import ...  manage extensions\n"
            "  reg list [DOMAIN]          list registrations\n"
            "  security show|set ...      the shield's settings\n"
            "  ip|ban|ua|geo|rate ...     IP lists, bans, User-Agent\n"
            "                             patterns, countries, rate rules\n"
            "  group|trunk|inbound|outbound|country|prefix|emergency|\n"
            "  hours|holiday|limit|fraud|suspend|cdr ...\n"
            "                             call configuration and records\n"
            "                             (calls: in progress)\n"
            "  firewall render|apply|rollback  the service firewall\n"
            "  ssh open|close|list        temporary SSH access\n"
            "  audit [--json]             the security checklist\n"
            "  version                    print the version\n"
            "\n"
            "`sipwarden help` lists every command with its arguments.\n"
            "Without -c the built-in defaults apply (data directory\n"
            "./sipwarden-data, SIP on UDP 5060, TLS 5061, TCP 5063).\n");
}

static int load_config(const char *path, struct sw_config *cfg)
{
    struct sw_config_err err;

    sw_config_defaults(cfg);
    if (!path) {
        return 0;
    }
    if (sw_config_load(cfg, path, &err) != 0) {
        if (err.line > 0) {
            fprintf(stderr, "sipwarden: %s:%d: %s\n", err.file, err.line,
                    err.reason);
        } else {
            fprintf(stderr, "sipwarden: %s: %s\n", err.file, err.reason);
        }
        return -EINVAL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *conf = NULL;
    int i = 1;
    struct sw_config cfg;

    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            conf = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "-h") == 0
                   || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "sipwarden: unknown option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[i];
    if (strcmp(cmd, "serve") == 0) {
        /* `sipwarden serve -c FILE` is accepted as well. */
        if (i + 2 < argc + 1 && i + 1 < argc
            && strcmp(argv[i + 1], "-c") == 0) {
            if (i + 2 >= argc) {
                fprintf(stderr, "sipwarden: -c needs a file\n");
                return 2;
            }
            conf = argv[i + 2];
            i += 2;
        }
        if (i + 1 < argc) {
            fprintf(stderr, "sipwarden serve: unexpected argument '%s'\n",
                    argv[i + 1]);
            return 2;
        }
        if (load_config(conf, &cfg) != 0) {
            return 1;
        }
        return sw_serve(&cfg) == 0 ? 0 : 1;
    }
    if (strcmp(cmd, "audit") == 0) {
        /* `sipwarden audit -c FILE` is accepted as well. */
        for (int j = i + 1; j + 1 < argc; j++) {
            if (strcmp(argv[j], "-c") == 0) {
                conf = argv[j + 1];
            }
        }
    }
    if (load_config(conf, &cfg) != 0) {
        return 1;
    }
    if (strcmp(cmd, "wait-ready") == 0) {
        return sw_wait_ready(&cfg, argc - i, argv + i);
    }
    if (strcmp(cmd, "stats") == 0) {
        return sw_stats_cmd(&cfg, argc - i, argv + i);
    }
    struct cli_env env;
    struct fw_svc_cfg fwc;
    memset(&env, 0, sizeof(env));
    env.data_dir = cfg.data_dir;
    if (sw_config_fw_svc(&cfg, &fwc) == 0) {
        env.fw_svc = &fwc; /* the firewall and ssh commands' view */
    }
    struct checklist_conf chk;
    sw_config_checklist(&cfg, &chk);
    env.checklist = &chk; /* the audit's view */
    int rc = cli_main(argc - i, argv + i, &env);
    if (rc == -ENOSYS) {
        fprintf(stderr, "sipwarden: unknown command '%s'\n", cmd);
        usage(stderr);
        return 2;
    }
    return rc;
}
