/* SPDX-License-Identifier: Apache-2.0 */
/* CLI internals: terminal-safe text, aligned tables, the shield
 * commands' printers and the calls commands. Never included outside
 * src/cli/. */
#ifndef SW_CLI_CLI_INT_H
#define SW_CLI_CLI_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Copy 's' into dst (cap bytes, always terminated, truncated with "..."
 * when longer than 'max_chars' bytes, 0 = no limit) with C0 and C1
 * control characters and DEL replaced by '?', so text that came off the
 * wire cannot drive the terminal. NULL 's' gives "-".
 */
void cli_term_safe(const char *s, char *dst, size_t cap, size_t max_chars);

/* A table of text cells printed with aligned columns. */
struct cli_table {
    size_t n_cols;
    size_t n_rows; /* the header row included */
    size_t cap;    /* cells allocated */
    char **cells;  /* row-major, owned */
    int err;       /* -ENOMEM once an add failed */
};

void cli_table_init(struct cli_table *t, size_t n_cols);
/* Append a row of n_cols cells (copied, made terminal-safe). */
void cli_table_add(struct cli_table *t, const char *const *row);
/* Print with two spaces between columns, no trailing blanks. */
void cli_table_print(const struct cli_table *t, FILE *f);
void cli_table_fini(struct cli_table *t);

/*
 * Human output of the shield commands (sec_cmds.c): each prints the ok
 * response of its operation to 'out', text from the response made
 * terminal-safe.
 */
void cli_print_security_show(const json_t *resp, FILE *out);
void cli_print_security_set(const json_t *resp, FILE *out);
void cli_print_ip_add(const json_t *resp, FILE *out);
void cli_print_ip_list(const json_t *resp, FILE *out);
void cli_print_ip_rm(const json_t *resp, FILE *out);
void cli_print_ban_list(const json_t *resp, FILE *out);
void cli_print_ban_why(const json_t *resp, FILE *out);
void cli_print_ban_lift(const json_t *resp, FILE *out);
void cli_print_ua_list(const json_t *resp, FILE *out);
void cli_print_ua_add(const json_t *resp, FILE *out);
void cli_print_ua_rm(const json_t *resp, FILE *out);
void cli_print_geo_allow(const json_t *resp, FILE *out);
void cli_print_geo_list(const json_t *resp, FILE *out);
void cli_print_geo_rm(const json_t *resp, FILE *out);
void cli_print_rate_add(const json_t *resp, FILE *out);
void cli_print_rate_list(const json_t *resp, FILE *out);
void cli_print_rate_rm(const json_t *resp, FILE *out);

struct cli_env;

/*
 * The firewall and ssh commands (fw_cmds.c): cli_fw_main runs argv when
 * its first word is "firewall" or "ssh" and returns the exit code, else
 * -ENOSYS without output. cli_fw_word: is 'word' one of them.
 */
int cli_fw_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                FILE *err);
bool cli_fw_word(const char *word);

/*
 * The operator's address from the SSH session ("CLIENT_IP CLIENT_PORT
 * SERVER_IP SERVER_PORT" in SSH_CONNECTION, "CLIENT_IP CLIENT_PORT
 * SERVER_PORT" in SSH_CLIENT) into buf, or NULL when not under SSH.
 */
const char *cli_ssh_client_ip(char *buf, size_t cap);

/*
 * "admin-settings show | set KEY VALUE" (admin_cmds.c): the admin plane's
 * run-time settings, read and changed in the database directly (the
 * daemon picks a change up on its next request; a change is audited as by
 * "cli"). Returns the exit code, or -ENOSYS without output when argv[0]
 * is not "admin-settings".
 */
int cli_admin_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err);

/*
 * "audit [--json]" (audit_cmds.c): the security checklist from the daemon,
 * or in-process on the database when none answers. Returns the exit code
 * (1 when an item fails), or -ENOSYS without output when argv[0] is not
 * "audit".
 */
int cli_audit_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                   FILE *err);

/*
 * Send 'req' (consumed: freed before returning, it may hold passwords) to
 * the daemon's control socket or, when none answers, run it in-process.
 * On 0, *resp is the response (owned by the caller); otherwise the exit
 * code, after a message on 'err'.
 */
int cli_run_request(const struct cli_env *env, FILE *out, FILE *err,
                    json_t *req, const char *op, json_t **resp);

/*
 * The calls commands (call_cmds.c). cli_call_main runs argv when it names
 * one ("group add ...", "tenant profile set ...") and returns the exit
 * code, else -ENOSYS without output. cli_call_word: is 'word' the first
 * word of one. cli_call_usage: their synopses ('word' NULL: all, as usage
 * lines).
 */
int cli_call_main(int argc, char **argv, const struct cli_env *env, FILE *out,
                  FILE *err, FILE *in);
bool cli_call_word(const char *word);
void cli_call_usage(const char *word, FILE *err);

#endif
