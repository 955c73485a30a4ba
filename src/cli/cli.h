/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sipwarden subcommands other than `serve`: argument parsing, human and
 * JSON output, and the transport (the daemon's control socket when it
 * answers, the store in-process otherwise). What an operation does is
 * decided in ops/; this layer only turns command lines into requests.
 */
#ifndef SW_CLI_CLI_H
#define SW_CLI_CLI_H

#include <jansson.h>
#include <stdio.h>

struct checklist_conf;
struct fw_svc_cfg;

/* Default time allowed for one control-socket request. */
#define CLI_CONTROL_TIMEOUT_MS 10000
/* Longest response line accepted from the control socket. */
#define CLI_CONTROL_MAX_LINE (256u << 20)
/* Longest request line the daemon accepts, newline included (it must match
 * CONTROL_MAX_REQ in daemon/control.c); longer ones are not sent. */
#define CLI_CONTROL_MAX_REQ (32u << 20)

struct cli_env {
    const char *data_dir;     /* store location (required) */
    const char *control_sock; /* NULL: <data_dir>/control.sock */
    FILE *out;                /* results; NULL: stdout */
    FILE *err;                /* diagnostics; NULL: stderr */
    FILE *in;                 /* for "--sip-password -"; NULL: stdin */
    int timeout_ms;           /* control request; 0: CLI_CONTROL_TIMEOUT_MS */
    /* The configuration's firewall view (firewall and ssh commands);
     * NULL: none usable, those commands say why. */
    const struct fw_svc_cfg *fw_svc;
    /* The configuration's view for `audit` (checklist/checklist.h);
     * NULL: audit refuses. */
    const struct checklist_conf *checklist;
};

/*
 * Run one CLI command. argv[0] is the command word as main found it after
 * its own global options (e.g. {"user", "add", "100@example.com",
 * "--role", "admin"}); argc counts argv. Commands:
 *   tenant add DOMAIN [--name NAME]
 *   tenant list
 *   user add EXT@DOMAIN [--role admin|international|standard] [--name N]
 *            [--email E] [--sip-password PW|- | --generate-password]
 *   user list DOMAIN
 *   user set EXT@DOMAIN [--role R] [--name N] [--email E]
 *            [--sip-password PW|- | --generate-password]
 *   user rm EXT@DOMAIN
 *   user import DOMAIN FILE|-
 *   reg list [DOMAIN]
 *   version
 *   help
 * Every command takes --json (print the response object instead of a
 * table). "--sip-password -" reads the password from the first line of
 * env->in. "user import" reads CSV lines ext,password[,role[,name[,email]]]
 * from FILE ("-": env->in; blank lines and lines starting with '#' are
 * skipped, fields may be double-quoted, an empty password is generated)
 * and sends them as one user.import request: a line that cannot be an
 * entry is refused before anything is sent, with "FILE:LINE: reason" on
 * env->err and exit code 1. Unless env->timeout_ms is set, an import gets
 * CLI_CONTROL_TIMEOUT_MS plus 1 ms per entry. Returns the process exit code: 0
 * success, 1 failure (a message naming the problem on env->err), 2 usage error;
 * or -ENOSYS, printing nothing, when argv[0] is not a CLI command (main handles
 * serve, wait-ready, ...). Not thread-safe with respect to env's streams.
 */
int cli_main(int argc, char **argv, const struct cli_env *env);

/*
 * Send 'req' as one JSON line to the daemon's control socket at
 * 'sock_path' and read one JSON line back into *resp (a new object owned
 * by the caller). 'timeout_ms' <= 0 means CLI_CONTROL_TIMEOUT_MS; it
 * bounds the whole exchange. Returns 0, -ENOENT or -ECONNREFUSED when no
 * daemon listens there (callers may then work offline), -ETIMEDOUT,
 * -EMSGSIZE (request over CLI_CONTROL_MAX_REQ - 4 KiB: nothing is sent; or
 * response over CLI_CONTROL_MAX_LINE), -EPROTO (not a JSON
 * object, or connection closed before a full line), -ENAMETOOLONG, or
 * another -errno from the socket calls.
 */
int cli_control_request(const char *sock_path, const json_t *req, json_t **resp,
                        int timeout_ms);

#endif
