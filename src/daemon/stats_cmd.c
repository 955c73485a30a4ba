/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `sipwarden stats [--json]`: the running daemon's counters (pipeline,
 * registrar, shield, kernel enforcement), read over the control socket.
 * There is nothing to show without a daemon.
 */
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "daemon/config.h"
#include "daemon/serve.h"

int sw_stats_cmd(const struct sw_config *cfg, int argc, char **argv)
{
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            as_json = true;
        } else {
            fprintf(stderr, "usage: sipwarden stats [--json]\n");
            return 2;
        }
    }
    char sock[PATH_MAX + 16];
    snprintf(sock, sizeof(sock), "%s/control.sock", cfg->data_dir);
    json_t *req = json_pack("{s:s}", "op", "stats");
    json_t *resp = NULL;
    int rc = req ? cli_control_request(sock, req, &resp, 5000) : -1;
    json_decref(req);
    if (rc != 0 || !json_is_true(json_object_get(resp, "ok"))) {
        fprintf(stderr, "sipwarden: no daemon answers on %s\n", sock);
        json_decref(resp);
        return 1;
    }
    if (as_json) {
        char *text = json_dumps(resp, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (text) {
            puts(text);
        }
        free(text);
    } else {
        json_t *st = json_object_get(resp, "stats");
        const char *key;
        json_t *v;
        json_object_foreach(st, key, v)
        {
            if (json_is_string(v)) {
                printf("%-22s %s\n", key, json_string_value(v));
            } else if (json_is_object(v) || json_is_array(v)) {
                char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
                printf("%-22s %s\n", key, text ? text : "?");
                free(text);
            } else {
                printf("%-22s %lld\n", key, (long long)json_integer_value(v));
            }
        }
    }
    json_decref(resp);
    return 0;
}
